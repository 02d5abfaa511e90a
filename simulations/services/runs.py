"""Durable execution: advancing a simulation by one bounded slice under a lease.

``simulation_advance`` is what the Celery task calls. It takes the lease (``leases``: one
conditional UPDATE, kept alive by the process's heartbeat thread), runs turns
until the slice budget (turns or seconds) is spent or the simulation leaves the running
state, commits each turn atomically, releases the lease and — after its own commit —
enqueues the next slice. A redelivered or duplicate task that cannot take the lease exits at
once. ``attempts`` counts slices in a row that did not end cleanly on the same turn
(crashes, killed workers); past the limit the run fails with the reason. Pause, resume and
cancel are state changes the loop checks between turns; a turn whose model call is in flight
when they come (or when the worker drains, past the grace period) is abandoned: the call's
result is dropped and the lease released.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import secrets
import time
import traceback
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from simulations import broadcast, config
from simulations.engine import clock, runner
from simulations.engine.computer_objectives import month_start
from simulations.engine.world import World
from simulations.models import Simulation
from simulations.services import leases
from simulations.services.leases import HeldLease, heartbeat, lease_acquire, lease_release
from simulations.services.turns import LeaseLost, turn_commit, workspace_replay_last_turn
from studio.llm import bodies, gateway
from studio.llm.round_trips import CallAbandoned, abandon_when
from studio.models import Computer
from studio.volumes import volumes_of

log = logging.getLogger(__name__)


@dataclass
class SliceResult:
    simulation_id: int
    turns: int = 0
    reason: str = ""  # busy, slice, paused, cancelled, completed, failed, lease_lost, crashed
    again: bool = False  # the simulation needs another slice


def _fail(simulation_id: int, reason: str) -> None:
    with transaction.atomic():
        Simulation.objects.filter(pk=simulation_id).exclude(
            state__in=Simulation.TERMINAL_STATES
        ).update(
            state=Simulation.State.FAILED,
            error=reason[:4000],
            finished_at=timezone.now(),
            lease_owner="",
            lease_expires_at=None,
        )
        transaction.on_commit(
            lambda: broadcast.simulation_changed(Simulation.objects.get(pk=simulation_id))
        )


def _complete(simulation_id: int) -> None:
    with transaction.atomic():
        Simulation.objects.filter(pk=simulation_id, state__in=Simulation.ACTIVE_STATES).update(
            state=Simulation.State.COMPLETED,
            finished_at=timezone.now(),
            lease_owner="",
            lease_expires_at=None,
            attempts=0,
        )
        transaction.on_commit(
            lambda: broadcast.simulation_changed(Simulation.objects.get(pk=simulation_id))
        )


# -- setting up a run ------------------------------------------------------------------------------


def _month_start(sim: Simulation):
    computer = sim.computer
    own = month_start(computer) if sim.options.computer_objectives else None
    if own is not None:  # the computer's own month starts when its objectives say
        return own
    raw = (computer.policy or {}).get("timeline_end")
    try:
        after = dt.datetime.fromisoformat(raw).date() if raw else None
    except (TypeError, ValueError):
        after = None
    if after is None:
        newest = computer.files.order_by("-mtime").values_list("mtime", flat=True).first()
        after = (newest or computer.created_at).date()
    return clock.first_session_start(after)


def _prepare(world: World, token: str) -> None:
    """Copy the computer into the simulation's workspace and start the clock (idempotent)."""
    sim = world.sim
    if sim.computer.state != Computer.State.READY or not sim.computer.home.is_dir():
        raise RuntimeError(f"computer {sim.computer_id} is not ready (state {sim.computer.state})")
    world.workspace.prepare(
        sim.computer.home,
        volumes=volumes_of(sim.computer),
        source_volumes=sim.computer.volumes_root,
    )
    start = _month_start(sim)
    Simulation.objects.filter(pk=sim.pk, lease_owner=token).update(
        phase=Simulation.Phase.OBJECTIVES,
        sim_started_at=start,
        sim_now=start,
        llm_backend=gateway.role_config("worker", sim.options.overrides("worker")).label,
    )


# -- the slice ---------------------------------------------------------------------------------------


def _run_slice(
    simulation_id: int, token: str, lease: HeldLease, *, max_turns: int, max_seconds: float
) -> SliceResult:
    result = SliceResult(simulation_id=simulation_id)
    started = time.monotonic()
    # Since its last slice here the run may have failed, had its bodies pruned and resumed.
    bodies.recheck(simulation_id=simulation_id)
    world = World.load(simulation_id)
    if world.sim.phase == Simulation.Phase.SETUP:
        _prepare(world, token)
        world = World.load(simulation_id)
    elif world.sim.turn_count:
        workspace_replay_last_turn(simulation=world.sim, lease_token=token)
    while True:
        if lease.lost:
            raise LeaseLost("the heartbeat lost the lease")
        sim = world.sim
        if sim.state not in Simulation.ACTIVE_STATES:  # paused, cancelled, or finished by a turn
            result.reason = sim.state
            return result
        if sim.lease_owner != token:
            raise LeaseLost("another worker holds the lease")
        if sim.model_errors >= config.max_model_errors():
            _fail(
                simulation_id,
                f"the model kept failing ({sim.model_errors} calls in a row); last "
                f"error: {_last_error(sim)}",
            )
            result.reason = "failed"
            return result
        if (
            result.turns >= max_turns
            or time.monotonic() - started >= max_seconds
            or leases.draining()
        ):
            result.reason, result.again = "slice", True
            return result
        step = runner.next_step(world)
        if step == "done":
            _complete(simulation_id)
            result.reason = "completed"
            return result
        if sim.model_errors:
            time.sleep(min(30.0, config.error_backoff_seconds() * 2 ** (sim.model_errors - 1)))
        try:
            with abandon_when(lease.give_up):
                draft = runner.build_turn(world, step, seq=sim.turn_count + 1)
        except CallAbandoned:
            return _abandoned(result, lease)
        turn = turn_commit(simulation=sim, lease_token=token, seq=sim.turn_count + 1, draft=draft)
        result.turns += 1
        world.refresh(turn, draft)


def _abandoned(result: SliceResult, lease: HeldLease) -> SliceResult:
    """The turn in flight was dropped: say why the slice ends."""
    if lease.lost:
        raise LeaseLost("the heartbeat lost the lease")
    if lease.stopped:
        result.reason = Simulation.objects.values_list("state", flat=True).get(
            pk=lease.simulation_id
        )
    else:  # the worker is draining: another worker takes the run on
        result.reason, result.again = "slice", True
    log.info(
        "simulation %s: the turn in flight was abandoned (%s)", lease.simulation_id, result.reason
    )
    return result


def _spread(seconds: float) -> float:
    """A slice's length, give or take a quarter. Runs launched together (a batch) would
    otherwise end their slices together for ever, and the next slices' start (lease, world,
    workspace, a first prompt built from the database) of hundreds of runs would fall in the
    same seconds: in bench/simulation.py 500 runs all stalled ~10 s every 120 s."""
    return seconds * random.uniform(0.75, 1.25)  # noqa: S311 - spreading load, not a secret


def _last_error(sim: Simulation) -> str:
    turn = sim.turns.exclude(error="").order_by("-seq").only("error").first()
    return turn.error[:500] if turn else "unknown"


def simulation_advance(
    *,
    simulation_id: int,
    max_turns: int | None = None,
    max_seconds: float | None = None,
    enqueue_next: bool = True,
) -> SliceResult:
    """Advance one simulation by one slice. Safe to call from any number of workers at once."""
    token = secrets.token_hex(16)
    lease = config.lease_seconds()
    if not lease_acquire(simulation_id=simulation_id, token=token, lease=lease):
        return SliceResult(simulation_id=simulation_id, reason="busy")
    sim = Simulation.objects.get(pk=simulation_id)
    if sim.attempts > config.max_attempts():
        lines = [line for line in sim.error_detail.splitlines() if line.strip()]
        _fail(
            simulation_id,
            f"the run did not get past turn {sim.turn_count + 1} in "
            f"{sim.attempts - 1} attempts (crashed or its worker died); last: "
            f"{lines[-1][:500] if lines else 'unknown'}",
        )
        return SliceResult(simulation_id=simulation_id, reason="failed")
    held = heartbeat.hold(simulation_id, token, lease)
    clean = False
    try:
        result = _run_slice(
            simulation_id,
            token,
            held,
            max_turns=max_turns or config.slice_turns(),
            max_seconds=max_seconds or _spread(config.slice_seconds()),
        )
        clean = True
    except LeaseLost as exc:
        log.info("simulation %s: %s; this slice stops", simulation_id, exc)
        result = SliceResult(simulation_id=simulation_id, reason="lease_lost")
    except Exception as exc:  # noqa: BLE001 - any bug becomes a recorded crash and a retry
        log.exception("simulation %s: slice crashed", simulation_id)
        leases.note(
            simulation_id,
            f"{timezone.now():%Y-%m-%d %H:%M:%S} crashed: {type(exc).__name__}: {exc}\n"
            + traceback.format_exc(limit=8)[-3000:],
        )
        result = SliceResult(simulation_id=simulation_id, reason="crashed", again=True)
    finally:
        heartbeat.let_go(held)
    if result.reason != "lease_lost":
        lease_release(simulation_id=simulation_id, token=token, clean=clean)
    if result.again and enqueue_next:
        simulation_enqueue(
            simulation_ids=[simulation_id], countdown=0 if clean else config.error_backoff_seconds()
        )
    return result


def simulation_run_inline(
    *, simulation: Simulation, max_seconds: float | None = None, on_slice=None
) -> Simulation:
    """Run a simulation to its end in this process, slice after slice (CLI --inline, tests, bench)."""
    deadline = time.monotonic() + max_seconds if max_seconds else None
    while True:
        result = simulation_advance(simulation_id=simulation.pk, enqueue_next=False)
        if on_slice:
            on_slice(result)
        if result.reason == "busy":
            time.sleep(0.2)
        elif not result.again and result.reason != "lease_lost":
            break
        if deadline and time.monotonic() > deadline:
            break
    simulation.refresh_from_db()
    return simulation


# -- enqueueing and recovering ----------------------------------------------------------------------


def simulation_enqueue(*, simulation_ids: list[int], countdown: float = 0) -> None:
    """Send a slice task for each simulation once the current transaction commits."""
    from simulations.tasks import advance_simulation

    # Stamped in the caller's transaction, before the send: a message lost after the commit
    # (or a process that dies before on_commit runs) leaves a stamp the sweeper finds stale.
    # A run never enqueued (enqueue=False: run inline, or launched later) has no stamp and is
    # left alone.
    Simulation.objects.filter(pk__in=simulation_ids).update(enqueued_at=timezone.now())

    def send() -> None:
        queues = dict(Simulation.objects.filter(pk__in=simulation_ids).values_list("id", "config"))
        for simulation_id in simulation_ids:
            queue = (queues.get(simulation_id) or {}).get("queue") or "simulations"
            advance_simulation.apply_async(
                (simulation_id,), queue=queue, countdown=countdown or None
            )

    transaction.on_commit(send)


def simulations_recover_stalled() -> list[int]:
    """Re-enqueue simulations nobody is advancing: a lease that expired (its worker died) or a
    queued run whose task message was lost. A duplicate message is harmless: the lease admits
    one slice at a time and a task that cannot take it exits without re-enqueueing."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=config.requeue_after_seconds())
    ids = list(
        Simulation.objects.filter(
            Q(lease_owner__gt="", lease_expires_at__lt=now)
            | Q(lease_owner="", enqueued_at__lt=stale),
            state__in=Simulation.ACTIVE_STATES,
        ).values_list("id", flat=True)[:1000]
    )
    if ids:
        log.info("re-enqueueing stalled simulations %s", ids)
        simulation_enqueue(simulation_ids=ids)
    return ids
