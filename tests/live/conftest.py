"""Fixtures for the live tests: small hand-made simulations whose turns are committed through
the real service (``turn_commit``, under a lease), so the real on_commit broadcast runs."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets
import shutil
from itertools import count

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.test import Client

from simulations import presence
from simulations.config import simulations_root
from simulations.engine.draft import MessageDraft, TurnDraft
from simulations.engine.sandbox import Workspace
from simulations.models import Simulation, Turn
from simulations.services.simulations import simulation_create
from simulations.services.turns import turn_commit
from studio.models import Computer, ComputerFile, Persona, PersonaPool

T0 = dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.UTC)
LEASE = "live-tests-lease"
ORIGIN = "http://localhost"
_names = count(1)


def make_computer(*, owner, shared: bool) -> Computer:
    """A ready computer with two indexed home files (no generation: the live tests do not
    need its contents, only its rows)."""
    n = next(_names)
    pool = PersonaPool.objects.create(name=f"live-pool-{n}-{owner.pk}", owner=owner, shared=shared)
    text = f"Live test persona {n}: a logistics planner who schedules deliveries."
    persona = Persona.objects.create(
        pool=pool, text=text, digest=hashlib.sha256(text.encode()).hexdigest()
    )
    computer = Computer.objects.create(
        persona=persona,
        pool=pool,
        created_by=owner,
        state=Computer.State.READY,
        display_name=f"Planner {n}",
        job_title="Logistics planner",
        employer="Acme Freight",
    )
    for path in ("Plans/route-plan.md", "notes.txt"):
        ComputerFile.objects.create(
            computer=computer,
            key=path,
            path=path,
            folder=path.rpartition("/")[0],
            name=path.rpartition("/")[2],
            kind=path.rpartition(".")[2],
            size=10,
            mtime=T0,
        )
    return computer


def make_simulation(*, owner, shared: bool = False) -> Simulation:
    """A simulation in its work phase whose lease the tests hold, with an empty workspace."""
    simulation = simulation_create(
        computer=make_computer(owner=owner, shared=shared),
        created_by=owner,
        config={"max_turns": 20_000},
        enqueue=False,
    )
    Simulation.objects.filter(pk=simulation.pk).update(
        state=Simulation.State.RUNNING,
        phase=Simulation.Phase.WORK,
        lease_owner=LEASE,
        sim_started_at=T0,
        sim_now=T0,
    )
    simulation.refresh_from_db()
    return simulation


def draft(seq: int, **fields) -> TurnDraft:
    values = {
        "actor": Turn.Actor.WORKER,
        "action": "read_file",
        "actor_name": "Planner",
        "arguments": {"path": f"notes-{seq}.txt"},
        "observation": f"observation of turn {seq}",
        "reasoning": f"reasoning {seq}",
        "sim_time": T0 + dt.timedelta(minutes=5 * seq),
        "sim_minutes": 5,
        "prompt_tokens": 100,
        "completion_tokens": 20,
        "cost_usd": 0.001,
        "simulation": {"sim_now": T0 + dt.timedelta(minutes=5 * seq + 5)},
    }
    values.update(fields)
    return TurnDraft(**values)


def commit_turn(simulation: Simulation, **fields) -> Turn:
    """The next turn of ``simulation`` through the engine's own commit (lease, seq check,
    counters, on_commit broadcast)."""
    current = Simulation.objects.get(pk=simulation.pk)
    seq = current.turn_count + 1
    return turn_commit(simulation=current, lease_token=LEASE, seq=seq, draft=draft(seq, **fields))


def bulk_turns(simulation: Simulation, n: int) -> None:
    """``n`` turns written straight to the table (for paging tests: no broadcast)."""
    Turn.objects.bulk_create(
        Turn(
            simulation=simulation,
            seq=seq,
            actor="worker",
            action="list_dir",
            observation=f"o{seq}",
            sim_time=T0 + dt.timedelta(minutes=seq),
        )
        for seq in range(1, n + 1)
    )
    Simulation.objects.filter(pk=simulation.pk).update(turn_count=n)


def mail(**fields) -> MessageDraft:
    values = {
        "direction": "outgoing",
        "sender": "Planner",
        "sender_email": "planner@acme.test",
        "recipients": [{"name": "Rosa Diaz", "email": "rosa@acme.test"}],
        "subject": "Route plan",
        "body": "Please check the <b>route</b> plan.",
        "sent_at": T0,
    }
    values.update(fields)
    return MessageDraft(**values)


def workspace(simulation: Simulation, tmp_path) -> Workspace:
    source = tmp_path / "empty-home"
    source.mkdir(exist_ok=True)
    space = Workspace(simulation.workspace_root)
    space.prepare(source)
    return space


def session_headers(user, origin: str = ORIGIN) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return [(b"cookie", cookie.encode()), (b"origin", origin.encode())]


class GroupListener:
    """A channel subscribed to a simulation's group, read from the test thread."""

    def __init__(self, group: str, *, watch: bool = True):
        self.layer = get_channel_layer()
        self.group = group
        # A plain channel name (not new_channel()'s process-local "…!…" kind, whose buffer
        # belongs to one event loop): each receive below runs in a fresh loop.
        self.channel = f"live-test-listener-{secrets.token_hex(6)}"
        async_to_sync(self.layer.group_add)(group, self.channel)
        self.simulation_id = int(group.rsplit("-", 1)[1])
        if watch:  # as a live socket does: the broadcaster sends only to watched simulations
            presence.watch(self.simulation_id, self.channel)

    def receive(self, timeout: float = 5.0) -> dict:
        async def receive():
            return await asyncio.wait_for(self.layer.receive(self.channel), timeout)

        return async_to_sync(receive)()

    def nothing(self, timeout: float = 0.3) -> bool:
        try:
            self.receive(timeout)
        except TimeoutError:
            return True
        return False

    def close(self) -> None:
        async_to_sync(self.layer.group_discard)(self.group, self.channel)
        presence.unwatch(self.simulation_id, self.channel)


@pytest.fixture(autouse=True)
def _clean_simulations_root():
    yield
    root = simulations_root()
    if root.exists() and str(root).startswith(str(settings.VAR_DIR)):
        shutil.rmtree(root, ignore_errors=True)
