"""Fixtures for the review tests.

Two sources of simulations:

- real runs: a small computer is generated once per session by the real pipeline with the
  offline engine, cloned per test (fresh rows and folder), and simulated in-process by the
  simulations engine (``run_simulation``), so exports replay what the engine really records;
- hand-built runs (``build_simulation``): Simulation and Turn rows shaped the way the engine
  writes them, for tests that need exact control (labels on given turns, file histories).
"""

from __future__ import annotations

import datetime as dt
import importlib
import shutil

import pytest
from django.conf import settings

from simulations.config import simulations_root
from simulations.engine.sandbox import Workspace
from simulations.models import FileChange, Simulation, Turn
from simulations.review.models import Label
from studio.llm.offline import agents
from studio.llm.offline.registry import AGENTS
from studio.models import Computer
from tests.computer_templates import clone_computer, make_template

PERSONA = (
    b'{"persona": "A grants officer at a university research office who tracks budgets '
    b'and reporting deadlines for funded projects."}\n'
)
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DEFAULT_LABELS = importlib.import_module(
    "simulations.review.migrations.0002_default_labels"
).DEFAULT_LABELS


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    # Not for browser tests: daphne, in its own process, must verify the password it is given.
    if request.node.get_closest_marker("browser") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _offline_worker_policy():
    # Another test module may register a stand-in "worker"; real runs here need the engine's.
    previous = AGENTS.get("worker")
    AGENTS["worker"] = agents.worker_policy
    yield
    if previous is not None:
        AGENTS["worker"] = previous


@pytest.fixture(autouse=True)
def _clean_simulations_root():
    yield
    root = simulations_root()
    if root.exists() and str(root).startswith(str(settings.VAR_DIR)):
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def labels(db) -> dict[str, Label]:
    """The default taxonomy (a transactional test before this one may have flushed it)."""
    out = {}
    for order, (name, description, colour, is_bad, hotkey) in enumerate(DEFAULT_LABELS, start=1):
        out[name], _ = Label.objects.get_or_create(
            name=name,
            defaults={
                "description": description,
                "colour": colour,
                "is_bad": is_bad,
                "hotkey": hotkey,
                "order": order,
            },
        )
    return out


# -- a generated computer, cloned per test ------------------------------------------------------


@pytest.fixture(scope="session")
def computer_template(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        return make_template(
            persona=PERSONA, target_files=15, seed=11,
            folder=tmp_path_factory.mktemp("review-computer") / "root",
        )  # fmt: skip


@pytest.fixture
def computer(computer_template, user):
    return clone_computer(computer_template, owner=user)


def run_simulation(
    computer: Computer,
    *,
    user=None,
    max_turns: int = 30,
    workdays: int = 3,
    seed: int = 5,
    **config,
) -> Simulation:
    """A real run of the simulations engine, in this process, to its end (judge included)."""
    from simulations.services.runs import simulation_run_inline
    from simulations.services.simulations import simulation_create

    sim = simulation_create(
        computer=computer,
        created_by=user,
        enqueue=False,
        config={"max_turns": max_turns, "workdays": workdays, "seed": seed, **config},
    )
    sim = simulation_run_inline(simulation=sim, max_seconds=120)
    assert sim.state == Simulation.State.COMPLETED, (sim.state, sim.error, sim.error_detail[-2000:])
    return sim


@pytest.fixture
def fast_engine(settings):
    settings.SIM_ERROR_BACKOFF_SECONDS = 0.01
    settings.SIM_SLICE_TURNS = 500
    settings.SIM_SLICE_SECONDS = 60


# -- hand-built simulations ------------------------------------------------------------------------


def build_simulation(
    computer: Computer,
    *,
    turns: int = 6,
    state: str = Simulation.State.COMPLETED,
    user=None,
    outcome: dict | None = None,
) -> Simulation:
    """A simulation whose turns look like the engine's: a day start, then worker tool calls
    (even seqs read a file, odd ones list a folder), each with an id, reasoning and result."""
    sim = Simulation.objects.create(
        computer=computer,
        created_by=user,
        state=state,
        phase=Simulation.Phase.DONE
        if state == Simulation.State.COMPLETED
        else Simulation.Phase.WORK,
        sim_started_at=T0,
        sim_now=T0,
        turn_count=turns,
        outcome=outcome or {},
    )
    rows = [
        Turn(
            simulation=sim,
            seq=1,
            actor=Turn.Actor.SYSTEM,
            action="day_start",
            sim_time=T0,
            arguments={"workday": 1},
            observation="Good morning. It is Monday, workday 1.",
        )
    ]
    for seq in range(2, turns + 1):
        action, arguments = (
            ("read_file", {"path": f"Documents/note-{seq}.md"})
            if seq % 2 == 0
            else ("list_dir", {"path": "Documents"})
        )
        rows.append(
            Turn(
                simulation=sim,
                seq=seq,
                actor=Turn.Actor.WORKER,
                actor_name="Ada",
                action=action,
                arguments=arguments,
                tool_call_id=f"call_{sim.pk}_{seq}",
                reasoning=f"Step {seq}: I look at what I need.",
                observation=f"result of turn {seq}",
                sim_time=T0 + dt.timedelta(minutes=seq),
                sim_minutes=1,
                workday=1,
                signals=["loop"] if seq == 5 else [],
            )
        )
    Turn.objects.bulk_create(rows)
    return sim


def record_change(
    sim: Simulation,
    seq: int,
    *,
    op: str,
    path: str,
    data: bytes | None = None,
    source: str = "",
    before: bytes | None = None,
) -> FileChange:
    """A FileChange row and its blobs, as the sandbox stages and the engine commits them."""
    workspace = Workspace(sim.workspace_root)
    workspace.blobs.mkdir(parents=True, exist_ok=True)
    after = workspace.store_blob(data) if data is not None else ""
    before_sha = workspace.store_blob(before) if before is not None else ""
    turn, _ = Turn.objects.get_or_create(
        simulation=sim,
        seq=seq,
        defaults={"actor": Turn.Actor.WORKER, "action": "write_file", "sim_time": T0},
    )
    index = FileChange.objects.filter(simulation=sim, seq=seq).count()
    if seq > sim.turn_count:
        Simulation.objects.filter(pk=sim.pk).update(turn_count=seq)
        sim.turn_count = seq
    return FileChange.objects.create(
        turn=turn,
        simulation=sim,
        seq=seq,
        index=index,
        op=op,
        path=path,
        source_path=source,
        kind=path.rpartition(".")[2],
        before_sha256=before_sha,
        after_sha256=after,
        size=len(data or b""),
    )
