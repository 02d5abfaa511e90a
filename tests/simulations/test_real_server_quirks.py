"""A run against servers with real servers' quirks (offline engine, ``quirks=``): it completes,
the worker's transcript stays valid, thinking never comes back as content, and a worker prompt
refused as too long goes again shorter."""

import pytest

from simulations.engine import memory
from simulations.models import Turn
from simulations.services.runs import simulation_run_inline
from simulations.services.simulations import simulation_create
from studio.llm import server_quirks
from studio.models import LLMCall

pytestmark = pytest.mark.django_db(transaction=True)

WORKER = "offline:quirks=reasoning,think,multitool,text,nousage,noseed"
STRUCTURED = "offline:quirks=noschema,fences,think"


@pytest.fixture(autouse=True)
def _fresh_endpoints():
    server_quirks.forget_endpoints()
    yield
    server_quirks.forget_endpoints()


def _run(computer, user, models, max_turns=50):
    simulation = simulation_create(
        computer=computer,
        created_by=user,
        enqueue=False,
        config={"workdays": 1, "seed": 11, "max_turns": max_turns, "models": models},
    )
    simulation = simulation_run_inline(simulation=simulation, max_seconds=240)
    assert simulation.state == "completed", simulation.error
    return simulation


def test_a_run_against_quirky_servers_completes_with_a_valid_transcript(
    computer, user, fast_engine
):
    models = {"worker": {"model": WORKER}}
    models |= {role: {"model": STRUCTURED} for role in ("objectives", "collaborator", "judge")}
    simulation = _run(computer, user, models)

    turns = list(Turn.objects.filter(simulation=simulation).order_by("seq"))
    acted = [t for t in turns if t.actor == Turn.Actor.WORKER and t.action]
    assert acted and not any(t.action == "model_error" for t in turns)
    assert all("<think>" not in t.reasoning for t in turns)
    assert all("Only the first of your 2 tool calls ran" in t.observation for t in acted)
    history = memory.history_messages(turns)
    for n, message in enumerate(history):  # every call answered by its tool message, in order
        for k, call in enumerate(message.get("tool_calls") or []):
            answer = history[n + 1 + k]
            assert answer["role"] == "tool" and answer["tool_call_id"] == call["id"]

    worker_calls = LLMCall.objects.filter(simulation_id=simulation.pk, role="worker")
    assert worker_calls.filter(tokens_estimated=True).exists()
    assert all("seed" not in c.request for c in worker_calls.exclude(schema__gt=""))
    structured = LLMCall.objects.filter(simulation_id=simulation.pk, role="objectives")
    assert structured.filter(outcome="ok").exists()


def test_a_worker_prompt_too_long_for_the_context_goes_again_shorter(computer, user, fast_engine):
    simulation = _run(computer, user, {"worker": {"model": "offline:quirks=ctx=4000"}})
    calls = LLMCall.objects.filter(simulation_id=simulation.pk, role="worker", schema="")
    refused = calls.filter(outcome="error", error__contains="maximum context length")
    assert refused.exists()
    answered_short = [
        c for c in calls.filter(outcome="ok")
        if any(m.get("content") == memory.CONTEXT_NOTE for m in c.request["messages"])
    ]  # fmt: skip
    assert answered_short
    assert not Turn.objects.filter(simulation=simulation, action="model_error").exists()
