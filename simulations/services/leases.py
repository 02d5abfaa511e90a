"""Who advances a run: its lease, taken with one conditional UPDATE (free, or expired) and kept
alive by the process's heartbeat thread, which also tells a slice when its run was paused,
cancelled or taken over; and the drain that ends a shutting-down worker's slices after their
current turn."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from simulations import config
from simulations.models import Simulation

log = logging.getLogger(__name__)
DETAIL_LIMIT = 8_000
_draining = threading.Event()  # this worker is shutting down: slices end at the next turn
_drain_started: list[float] = []
WATCH_SECONDS = 1.0  # how often the heartbeat looks for cancelled or paused runs


def drain() -> None:
    """End every running slice after its current turn (and re-enqueue it), so a worker's warm
    shutdown waits for one turn rather than for whole slices; a turn still waiting for its
    model after the drain grace period is abandoned."""
    _drain_started.append(time.monotonic())
    _draining.set()


def _drain_overdue() -> bool:
    return _draining.is_set() and (
        not _drain_started or time.monotonic() - _drain_started[0] >= config.drain_grace_seconds()
    )


def draining() -> bool:
    return _draining.is_set()


@dataclass(eq=False)
class HeldLease:
    """A slice's lease as the process's heartbeat keeps it: ``lost`` once someone else has it."""

    simulation_id: int
    token: str
    seconds: float
    lost: bool = False
    stopped: bool = False  # paused, cancelled or finished by someone else

    def give_up(self) -> bool:
        return self.lost or self.stopped or _drain_overdue()


class Heartbeat:
    """Keeps alive the lease of every slice this process runs: one thread and, per beat, one
    UPDATE for all of them (a thread and an UPDATE per slice were 2 % of a worker's CPU with
    hundreds of runs), and marks the leases it no longer holds so their slices stop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, HeldLease] = {}
        self._thread: threading.Thread | None = None

    def hold(self, simulation_id: int, token: str, seconds: float) -> HeldLease:
        held = HeldLease(simulation_id, token, seconds)
        with self._lock:
            self._held[token] = held
            if self._thread is None or not self._thread.is_alive():  # (new after a fork)
                self._thread = threading.Thread(target=self._run, daemon=True, name="heartbeat")
                self._thread.start()
        return held

    def let_go(self, held: HeldLease) -> None:
        with self._lock:
            self._held.pop(held.token, None)

    def _run(self) -> None:
        last_beat = time.monotonic()
        while True:
            time.sleep(WATCH_SECONDS)
            with self._lock:
                seconds = min((h.seconds for h in self._held.values()), default=None)
            if seconds is None:
                connection.close()  # nothing held: no connection kept open
                continue
            try:
                if time.monotonic() - last_beat >= seconds / 3:
                    last_beat = time.monotonic()
                    self.beat()
                else:
                    self.watch()
            except Exception:  # noqa: BLE001 - a failed beat only risks an early takeover
                log.warning("heartbeat failed", exc_info=True)
                connection.close()

    def beat(self) -> None:
        """Extend every held lease, then :meth:`watch`."""
        with self._lock:
            held = list(self._held.values())
        if not held:
            return
        now = timezone.now()
        for seconds in {h.seconds for h in held}:
            tokens = [h.token for h in held if h.seconds == seconds]
            Simulation.objects.filter(lease_owner__in=tokens).update(
                lease_expires_at=now + dt.timedelta(seconds=seconds), heartbeat_at=now
            )
        self.watch()

    def watch(self) -> None:
        """Mark the runs that left the running states (paused, cancelled) so that a slice
        waiting for a model stops, and the leases another worker now holds live. A row this
        read cannot see yet, or that still shows a free or expired lease, is one whose taking
        has not committed yet: not lost."""
        with self._lock:
            held = list(self._held.values())
        if not held:
            return
        rows = {
            pk: (owner, expires, state)
            for pk, owner, expires, state in Simulation.objects.filter(
                pk__in=[h.simulation_id for h in held]
            ).values_list("pk", "lease_owner", "lease_expires_at", "state")
        }
        now = timezone.now()
        for h in held:
            if h.simulation_id not in rows:
                continue
            owner, expires, state = rows[h.simulation_id]
            if state not in Simulation.ACTIVE_STATES:
                h.stopped = True
            elif owner not in ("", h.token) and expires is not None and expires > now:
                h.lost = True
                self.let_go(h)


heartbeat = Heartbeat()  # the process's


# -- the lease ------------------------------------------------------------------------------------


def lease_acquire(*, simulation_id: int, token: str, lease: float) -> bool:
    """Take the lease if it is free or expired. Records a takeover from a dead worker."""
    now = timezone.now()
    previous = (
        Simulation.objects.filter(pk=simulation_id)
        .values("lease_owner", "lease_expires_at", "heartbeat_at", "turn_count")
        .first()
    )
    if previous is None:
        return False
    taken = Simulation.objects.filter(
        Q(lease_owner="") | Q(lease_expires_at__lt=now),
        pk=simulation_id,
        state__in=Simulation.ACTIVE_STATES,
    ).update(
        lease_owner=token,
        lease_expires_at=now + dt.timedelta(seconds=lease),
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        state=Simulation.State.RUNNING,
        started_at=Coalesce(F("started_at"), now),
        updated_at=now,
    )
    if taken and previous["lease_owner"]:
        note(
            simulation_id,
            f"{now:%Y-%m-%d %H:%M:%S} took over turn {previous['turn_count'] + 1} from "
            f"a worker whose lease expired (last heartbeat "
            f"{previous['heartbeat_at']:%H:%M:%S})",
        )
    return bool(taken)


def lease_release(*, simulation_id: int, token: str, clean: bool) -> None:
    fields = {"lease_owner": "", "lease_expires_at": None}
    if clean:
        fields["attempts"] = 0
    Simulation.objects.filter(pk=simulation_id, lease_owner=token).update(**fields)


def note(simulation_id: int, line: str) -> None:
    """Append ``line`` to the run's error detail (a takeover, a crash), keeping its tail."""
    sim = Simulation.objects.filter(pk=simulation_id).only("error_detail").first()
    if sim is not None:
        detail = (sim.error_detail + "\n" + line).strip()[-DETAIL_LIMIT:]
        Simulation.objects.filter(pk=simulation_id).update(error_detail=detail)
