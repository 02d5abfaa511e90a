"""Thousands of turns: the run completes and the worker's prompt stays bounded."""

import statistics

import pytest

from simulations.services.runs import simulation_run_inline
from simulations.services.simulations import simulation_create
from studio.llm.offline import agents
from studio.llm.offline.agents_worker import END_OF_DAY_MINUTES
from studio.llm.offline.registry import AGENTS, AgentAction
from tests.simulations.checks import assert_contiguous_turns

TURNS = 2000


def tireless_worker(req):
    """The offline worker, except that it never finishes and fills every day to its end: its
    own month is done in a few hundred turns, and this test needs thousands."""
    action = agents.worker_policy(req)
    minutes_left = int(req.context.get("clock", {}).get("minutes_left_today", 0))
    closes_early = action.tool_name == "advance_clock" and minutes_left >= END_OF_DAY_MINUTES
    if action.tool_name == "finish" or closes_early:
        return AgentAction(
            content="One more note while I have the time.",
            tool_name="write_file",
            arguments={"path": f"Notes/scratch {req.seed}.md", "content": f"# Scratch\n{req.seed}"},
        )
    return action


def _worker_prompts(simulation, low, high):
    return list(
        simulation.turns.filter(actor="worker", seq__gte=low, seq__lte=high)
        .exclude(action="model_error")
        .values_list("prompt_chars", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_a_2000_turn_run_completes_with_a_bounded_prompt(
    computer, user, fast_engine, monkeypatch, settings
):
    monkeypatch.setitem(AGENTS, "worker", tireless_worker)
    # Speed only: no request bodies in the call log and no live broadcast (tested elsewhere).
    settings.LLM_LOG_BODIES = False
    monkeypatch.setattr("simulations.services.turns.broadcast.turn_committed", lambda turn: True)
    settings.SIM_SLICE_TURNS = 500
    settings.SIM_SLICE_SECONDS = 600
    simulation = simulation_create(
        computer=computer,
        created_by=user,
        enqueue=False,
        config={
            "workdays": 40,
            "max_turns": TURNS,
            "seed": 5,
            # a shorter verbatim history than the default keeps this test quick; the bound
            # holds for any
            "history_max_chars": 24_000,
            "history_keep_chars": 12_000,
        },
    )
    simulation = simulation_run_inline(simulation=simulation, max_seconds=600)
    assert simulation.state == "completed", simulation.error or simulation.error_detail
    assert simulation.stop_reason == f"turn limit reached ({TURNS:,} turns)"
    seqs = assert_contiguous_turns(simulation)
    assert len(seqs) >= TURNS  # the judge and the retrospective come after the limit
    assert simulation.workday >= 10, "2,000 turns should span weeks of workdays"

    around_100 = _worker_prompts(simulation, 80, 120)
    around_2000 = _worker_prompts(simulation, 1960, 2000)
    assert around_100 and around_2000
    print(
        f"worker prompt chars: turn ~100 mean {statistics.mean(around_100):,.0f} max {max(around_100):,}; "
        f"turn ~2000 mean {statistics.mean(around_2000):,.0f} max {max(around_2000):,}"
    )
    assert max(around_2000) <= 2 * statistics.mean(around_100), (
        f"prompt at turn 2,000 ({max(around_2000):,} chars) is more than twice that at turn 100 "
        f"({statistics.mean(around_100):,.0f})"
    )
    # and it has stopped growing: the second thousand turns look like the first
    around_1000 = _worker_prompts(simulation, 960, 1000)
    assert statistics.mean(around_2000) <= 1.25 * statistics.mean(around_1000)
    # the history the model sees is bounded: condensation kept folding it
    condensed = simulation.turns.filter(action="condense").count()
    assert condensed >= 20
    assert len(simulation.summary) <= 3000
