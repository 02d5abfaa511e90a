# ruff: noqa: F811 (fixtures imported from other test modules are parameters here)
"""The offline engine's agents over a whole month: seeds matter (two seeds, two different runs
of the same computer), and the worker keeps doing plausible work — drafting, revising,
answering mail, filing — instead of looping or re-reading files until its turn budget ends."""

from __future__ import annotations

import difflib
from collections import Counter

import pytest

from simulations.models import Simulation
from simulations.services.runs import simulation_run_inline
from simulations.services.simulations import simulation_create
from tests.computer_templates import clone_computer

# The offline engine's own worker, and one generated computer kept as data for the session.
from tests.simulations.conftest import _offline_worker_policy, computer_snapshot  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fast(settings, monkeypatch):
    settings.LLM_LOG_BODIES = False
    settings.SIM_ERROR_BACKOFF_SECONDS = 0.01
    settings.SIM_SLICE_TURNS = 500
    settings.SIM_SLICE_SECONDS = 600
    monkeypatch.setattr("simulations.services.turns.broadcast.turn_committed", lambda turn: True)


def run(snapshot: dict, user, *, seed: int, workdays: int, max_turns: int) -> Simulation:
    computer = clone_computer(snapshot, owner=user)
    sim = simulation_create(
        computer=computer,
        created_by=user,
        enqueue=False,
        config={"max_turns": max_turns, "workdays": workdays, "seed": seed},
    )
    sim = simulation_run_inline(simulation=sim, max_seconds=600)
    assert sim.state == Simulation.State.COMPLETED, (sim.state, sim.error)
    return sim


def worker_steps(sim: Simulation) -> list[str]:
    return [
        f"{action} {sorted((arguments or {}).items())}"[:160]
        for action, arguments in sim.turns.filter(actor="worker")
        .order_by("seq")
        .values_list("action", "arguments")
    ]


def objectives(sim: Simulation) -> list[tuple]:
    return [
        (o.reviewer, tuple(sorted(d.kind for d in o.deliverables.all())))
        for o in sim.objectives.order_by("order")
    ]


def test_two_seeds_give_two_different_runs(computer_snapshot, user, fast):
    one = run(computer_snapshot, user, seed=1, workdays=5, max_turns=160)
    two = run(computer_snapshot, user, seed=2, workdays=5, max_turns=160)
    assert objectives(one) != objectives(two), "the seed must reach the objective agent"
    first, second = worker_steps(one), worker_steps(two)
    similarity = difflib.SequenceMatcher(a=first, b=second, autojunk=False).ratio()
    print(
        f"seed 1 vs seed 2: {len(first)} and {len(second)} worker steps, similarity {similarity:.2f}"
    )
    assert similarity < 0.6, f"seeds 1 and 2 gave nearly the same run ({similarity:.2f})"


def test_a_month_of_work_has_few_loops_and_no_tail_of_re_reads(computer_snapshot, user, fast):
    sim = run(computer_snapshot, user, seed=3, workdays=40, max_turns=420)
    turns = list(
        sim.turns.filter(actor="worker").order_by("seq").values("action", "signals", "arguments")
    )
    looped = [t for t in turns if "loop" in (t["signals"] or [])]
    loops = len(looped)
    print("looped:", Counter(f"{t['action']} {t['arguments']}"[:90] for t in looped).most_common(8))
    actions = Counter(t["action"] for t in turns)
    tail = turns[-60:]
    reads_in_tail = sum(t["action"] in ("read_file", "list_dir", "search_files") for t in tail)
    print(
        f"{len(turns)} worker turns, {loops} loop signals; actions {dict(actions)}; "
        f"reads in the last 60: {reads_in_tail}"
    )
    assert len(turns) >= 250  # a long run: most of the 420 turns are the worker's
    assert loops < 0.05 * len(turns)
    assert reads_in_tail < 0.5 * len(tail), "the run ends re-reading its files"
    for work in ("write_file", "edit_file", "send_message", "read_inbox", "submit_deliverable"):
        assert actions[work] > 0, f"no {work} in a month of work"
