"""What real servers send and refuse, played by the offline engine (``quirks=``), through
the real openai client and the gateway."""

import pytest
from pydantic import BaseModel, Field

from simulations.engine import memory
from studio.llm import gateway, server_quirks
from studio.llm.offline import quirks, responders  # noqa: F401 - registered before ours
from studio.llm.offline.engine import EngineSpec, EngineSpecError
from studio.llm.offline.registry import AGENTS, AgentAction, structured
from studio.models import LLMCall

pytestmark = pytest.mark.django_db


class Gadget(BaseModel):
    label: str = Field(min_length=1)
    weight: int = Field(ge=0)


@structured("Gadget")
def _gadget(req):
    return {"label": "lever", "weight": req.rng.randint(1, 9)}


@pytest.fixture(autouse=True)
def _fresh_endpoints():
    server_quirks.forget_endpoints()
    previous = AGENTS.get("worker")
    AGENTS["worker"] = lambda req: AgentAction(tool_name="list_dir", arguments={"path": "."})
    yield
    server_quirks.forget_endpoints()
    AGENTS["worker"] = previous


def ask(model):
    return gateway.structured(
        role="persona", schema=Gadget, system="You make gadgets.", prompt="Make one.",
        context={}, seed=3, overrides={"model": model},
    )  # fmt: skip


def act(model, messages=None):
    return gateway.chat(
        role="worker",
        messages=messages or [{"role": "user", "content": "Look around."}],
        tools=[{"type": "function", "function": {"name": "list_dir", "parameters": {}}}],
        overrides={"model": model},
    )


def test_quirks_are_parsed_beside_faults_and_unknown_ones_refused():
    spec = EngineSpec.parse("offline:faults=429@0.1;quirks=think,multitool,ctx=900")
    assert spec.quirks == {"think", "multitool"} and spec.context_limit == 900
    assert spec.faults == {"429": 0.1}
    for bad in ("offline:quirks=sleepy", "offline:quirks=ctx=many"):
        with pytest.raises(EngineSpecError):
            EngineSpec.parse(bad)


def test_reasoning_field_and_think_blocks_are_kept_apart_from_the_content():
    result = act("offline:quirks=reasoning,think,text")
    assert result.content == "I will do that now."
    assert result.reasoning == f"{quirks.THINKING}\n\n{quirks.THINKING}"
    assert "<think>" not in result.content


def test_think_blocks_and_code_fences_around_json_still_validate():
    gadget = ask("offline:quirks=think,fences")
    assert gadget.label == "lever"
    call = LLMCall.objects.get()
    assert call.outcome == "ok" and len(call.attempts) == 1
    assert call.response["choices"][0]["message"]["content"].startswith("<think>")


def test_several_tool_calls_and_text_in_one_message_all_reach_the_caller():
    result = act("offline:quirks=multitool,text")
    assert [c.name for c in result.tool_calls] == ["list_dir", "list_dir"]
    assert result.tool_calls[0].id != result.tool_calls[1].id
    assert result.content == "I will do that now."


def test_a_reply_without_usage_gets_estimated_tokens_marked_as_such(settings):
    settings.LLM_PRICES = {"offline:quirks=nousage": (1.0, 0.5, 2.0)}
    ask("offline:quirks=nousage")
    call = LLMCall.objects.get()
    assert call.tokens_estimated and call.prompt_tokens > 10 and call.completion_tokens > 0
    assert call.cost_usd > 0
    ask("offline")
    assert not LLMCall.objects.latest("id").tokens_estimated


def test_without_json_schema_the_schema_goes_into_the_prompt_and_the_endpoint_remembers():
    model = "offline:quirks=noschema"
    assert ask(model).label == "lever"
    first = LLMCall.objects.get()
    assert [a["status"] for a in first.attempts] == [400, 200]
    assert "response_format" not in first.request
    assert '<json_schema name="Gadget">' in first.request["messages"][0]["content"]
    assert ask(model).label == "lever"
    assert [a["status"] for a in LLMCall.objects.latest("id").attempts] == [200]


def test_an_unsupported_parameter_is_dropped_and_remembered_per_endpoint():
    model = "offline:quirks=noseed"
    act(model)
    first = LLMCall.objects.get()
    assert [a["status"] for a in first.attempts] == [400, 200] and "seed" not in first.request
    act(model)
    assert [a["status"] for a in LLMCall.objects.latest("id").attempts] == [200]
    act("offline")  # another endpoint still gets its seed
    assert "seed" in LLMCall.objects.latest("id").request


def test_an_unrelated_400_is_still_an_error():
    with pytest.raises(gateway.LLMUnavailable, match="HTTP 400"):
        act("offline:bogus=1")


def test_a_context_length_error_is_its_own_error_on_the_record():
    long = [{"role": "user", "content": "word " * 2000}]
    with pytest.raises(gateway.LLMContextTooLong):
        act("offline:quirks=ctx=500", messages=long)
    call = LLMCall.objects.get()
    assert call.outcome == "error" and "maximum context length is 500" in call.error
    assert act("offline:quirks=ctx=5000", messages=long).tool_calls


def test_the_history_is_halved_whole_tool_exchanges_at_a_time():
    head = [{"role": "system", "content": "s"}, {"role": "user", "content": "month"}]
    exchange = [
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c"}]},
        {"role": "tool", "tool_call_id": "c", "content": "ok"},
    ]
    tail = [{"role": "user", "content": "now"}]
    messages = head + exchange * 3 + [{"role": "user", "content": "mail"}] + tail
    shorter = memory.without_oldest_half(messages, head=2, tail=1)
    history = shorter[3:-1]
    assert shorter[:2] == head and shorter[-1] == tail[0]
    assert shorter[2]["content"] == memory.CONTEXT_NOTE
    assert history[0]["role"] != "tool" and len(history) < 7
    while (shorter := memory.without_oldest_half(messages, head=2, tail=1)) is not None:
        assert len(shorter) < len(messages)
        messages = shorter
    assert messages == [*head, {"role": "user", "content": memory.CONTEXT_NOTE}, *tail]
