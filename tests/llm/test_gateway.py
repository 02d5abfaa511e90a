"""The gateway against the offline engine, through the real openai client."""

import json
import threading

import pytest
from django.core.management import call_command
from pydantic import BaseModel, Field

from studio.llm import gateway
from studio.llm.offline.engine import EngineSpec, EngineSpecError
from studio.llm.offline.registry import AgentAction, agent, structured
from studio.models import LLMCall
from studio.project import runtime


class Widget(BaseModel):
    name: str = Field(min_length=1)
    size: int = Field(ge=0)


@structured("Widget")
def _widget(req):
    return {"name": req.context.get("name", "gear"), "size": req.rng.randint(1, 100)}


@structured("BrokenWidget")
def _broken(req):
    return {"name": "", "size": -1}


@agent("worker")
def _worker(req):
    return AgentAction(content="looking", tool_name="list_dir", arguments={"path": "."})


def ask(model="offline", schema=Widget, schema_name=None, **kw):
    return gateway.structured(
        role="persona",
        schema=schema,
        schema_name=schema_name,
        system="You make widgets.",
        prompt="Make a widget.",
        context={"name": "sprocket"},
        seed=7,
        overrides={"model": model},
        **kw,
    )


pytestmark = pytest.mark.django_db


def test_structured_output_is_validated_and_recorded():
    widget = ask()
    assert widget.name == "sprocket" and 1 <= widget.size <= 100
    call = LLMCall.objects.get()
    assert call.outcome == "ok" and call.role == "persona" and call.schema == "Widget"
    assert call.prompt_tokens > 0 and call.completion_tokens > 0
    assert call.backend == "offline engine"
    assert call.request["model"] == "offline" and call.request["seed"] == 7
    assert "sprocket" in call.request["messages"][1]["content"]


def test_same_seed_same_answer_different_seed_differs():
    first, second = ask(), ask()
    assert first == second
    other = gateway.structured(
        role="persona", schema=Widget, system="s", prompt="p", context={"name": "sprocket"}, seed=8
    )
    assert (other.name, other.size) != (first.name, first.size) or other.size != first.size


def test_invalid_output_is_reasked_then_fails_clearly(settings):
    settings.LLM_MAX_REASKS = 2
    with pytest.raises(gateway.LLMOutputError) as info:
        ask(schema=Widget, schema_name="BrokenWidget")
    assert "did not return a valid BrokenWidget after 3 attempts" in str(info.value)
    assert "name" in str(info.value)
    calls = list(LLMCall.objects.order_by("id"))
    assert [c.outcome for c in calls] == ["invalid"] * 3
    # the error was fed back to the model on the re-ask
    assert "not a valid BrokenWidget" in calls[1].request["messages"][-1]["content"]


def test_check_hook_feeds_rule_violations_back():
    def check(widget):
        raise ValueError("size must be prime")

    with pytest.raises(gateway.LLMOutputError, match="size must be prime"):
        ask(check=check)


@pytest.mark.parametrize("fault", ["429", "500"])
def test_transient_http_faults_are_retried_by_the_client(fault):
    """Every first attempt faults; the openai client's own retry recovers."""
    widget = ask(model=f"offline:faults={fault}@1")
    assert widget.name == "sprocket"
    (call,) = LLMCall.objects.all()
    assert call.outcome == "ok"
    assert [(a["attempt"], a["status"]) for a in call.attempts] == [(1, int(fault)), (2, 200)]
    assert all(a["latency_ms"] >= 0 for a in call.attempts)


def test_retries_that_run_out_are_an_error_on_the_record(settings):
    settings.LLM_MAX_RETRIES = 0
    gateway._client.cache_clear()
    try:
        with pytest.raises(gateway.LLMUnavailable, match="rate-limiting"):
            ask(model="offline:faults=429@1")
    finally:
        gateway._client.cache_clear()
    (call,) = LLMCall.objects.all()
    assert call.outcome == "error" and [a["status"] for a in call.attempts] == [429]


@pytest.mark.parametrize("fault", ["truncate", "badjson"])
def test_malformed_replies_are_reasked(fault):
    """Replies cut off or not JSON are re-asked; the re-ask (a new request) recovers."""
    names = [f"w{i}" for i in range(8)]
    for name in names:
        got = gateway.structured(
            role="persona",
            schema=Widget,
            system="s",
            prompt="p",
            context={"name": name},
            overrides={"model": f"offline:faults={fault}@0.4"},
        )
        assert got.name == name
    assert LLMCall.objects.filter(outcome="invalid").count() > 0
    assert LLMCall.objects.filter(outcome="ok").count() == len(names)


def test_hang_past_timeout_is_retried_then_reported(settings):
    settings.LLM_TIMEOUT = 0.2
    settings.LLM_MAX_RETRIES = 1
    gateway._client.cache_clear()
    try:
        # the hang hits only first attempts; the retry succeeds
        assert ask(model="offline:faults=hang@1;hang=5").name == "sprocket"
    finally:
        gateway._client.cache_clear()
    (call,) = LLMCall.objects.all()
    assert [a["status"] for a in call.attempts] == ["timeout", 200]


def test_unreachable_endpoint_is_a_clear_error(settings):
    settings.LLM_MAX_RETRIES = 0
    gateway._client.cache_clear()
    port = runtime.free_port()
    with pytest.raises(gateway.LLMUnavailable, match="cannot reach"):
        gateway.structured(
            role="persona",
            schema=Widget,
            system="s",
            prompt="p",
            context={},
            overrides={"base_url": f"http://127.0.0.1:{port}/v1", "model": "m"},
        )
    assert LLMCall.objects.get().outcome == "error"


class Provider:
    """A stand-in for a real provider on a socket: it keeps what it was sent and answers
    ``reply`` (bytes, or a function of the request body)."""

    def __init__(self, reply):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server hook's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                received.append((body, {k.lower(): v for k, v in self.headers.items()}))
                data = reply(body) if callable(reply) else reply
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"

    def close(self):
        self.server.shutdown()
        gateway._client.cache_clear()


@pytest.mark.parametrize(
    "reply",
    [b'{"id": "x", "object": "chat.completion"}', b'{"choices": []}', b"not json at all"],
)
def test_a_reply_that_is_not_a_chat_completion_is_a_clear_error(settings, reply):
    """A server that answers 200 with something else: an error naming the model, recorded."""
    provider = Provider(reply)
    settings.LLM_MAX_RETRIES = 0
    gateway._client.cache_clear()
    try:
        with pytest.raises(gateway.LLMUnavailable, match="not a chat completion") as info:
            gateway.chat(
                role="worker",
                messages=[{"role": "user", "content": "go"}],
                overrides={"base_url": provider.url, "model": "m"},
            )
    finally:
        provider.close()
    assert "worker model (m @ http://127.0.0.1:" in str(info.value)
    call = LLMCall.objects.get()
    assert call.outcome == "error" and "not a chat completion" in call.error


def test_tool_calls_and_invalid_tool_json():
    result = gateway.chat(
        role="worker",
        messages=[{"role": "user", "content": "go"}],
        tools=[
            {"type": "function", "function": {"name": "list_dir", "parameters": {"type": "object"}}}
        ],
    )
    assert result.tool_calls[0].name == "list_dir"
    assert result.tool_calls[0].arguments == {"path": "."}
    bad = gateway.chat(
        role="worker",
        messages=[{"role": "user", "content": "go"}],
        tools=[{"type": "function", "function": {"name": "list_dir"}}],
        overrides={"model": "offline:faults=badjson@1"},
    )
    assert bad.tool_calls[0].arguments is None
    assert LLMCall.objects.filter(outcome="invalid").count() == 1


def test_engine_spec_parsing():
    spec = EngineSpec.parse("offline:faults=429@0.1,hang;latency=2000")
    assert spec.faults == {"429": 0.1, "hang": 1.0} and spec.latency_ms == 2000
    for bad in ("offline:faults=explode@1", "offline:latency=fast", "offline:wat=1", "offlinex"):
        with pytest.raises(EngineSpecError):
            EngineSpec.parse(bad)


def test_real_socket_server(settings):
    """The same engine over HTTP: any OpenAI-compatible client can use it."""
    port = runtime.free_port()
    thread = threading.Thread(
        target=call_command, args=("offline_engine",), kwargs={"port": port}, daemon=True
    )
    thread.start()
    runtime.wait_for_port(port)
    gateway._client.cache_clear()
    widget = gateway.structured(
        role="persona",
        schema=Widget,
        system="s",
        prompt="p",
        context={"name": "socket"},
        overrides={"base_url": f"http://127.0.0.1:{port}/v1", "model": "offline"},
    )
    assert widget.name == "socket"
    assert LLMCall.objects.get().backend == f"offline @ http://127.0.0.1:{port}/v1"


def completion(model, content="{}", usage=None, tool_calls=None):
    message = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            **({"usage": usage} if usage else {}),
        }
    ).encode()


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "list_dir",
            "description": "List a folder.",
            "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
        },
    }
]
HISTORY = [
    {"role": "system", "content": "You are the user."},
    {"role": "user", "content": [{"type": "text", "text": "Start the day."}]},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "list_dir", "arguments": '{"path": "."}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "Documents/\nMail/"},
    {"role": "assistant", "content": "Looking at the budget next."},
    {"role": "user", "content": "Go on.", "name": "briefing"},
]
STANDARD_KEYS = {"model", "messages", "tools", "seed", "response_format"}


def test_a_real_provider_gets_the_request_as_built_and_nothing_meant_for_the_offline_engine():
    """Bodies go as built (create()'s extra_body), which is sound while the SDK's typed
    transform would leave them unchanged: checked here on a chat and a structured body."""
    from openai._utils import maybe_transform
    from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming

    call = {"id": "c9", "type": "function", "function": {"name": "list_dir", "arguments": "{}"}}

    def reply(body):
        if "response_format" in body:
            return completion("gpt-4o", content='{"name": "gear", "size": 3}')
        return completion("gpt-4o", content="", tool_calls=[call])

    provider = Provider(reply)
    overrides = {"base_url": provider.url, "model": "gpt-4o", "api_key": "sk-test"}
    try:
        result = gateway.chat(
            role="worker", messages=HISTORY, tools=TOOLS, seed=3, overrides=overrides
        )
        widget = gateway.structured(
            role="persona", schema=Widget, system="s", prompt="p", context={}, overrides=overrides
        )
    finally:
        provider.close()
    assert result.tool_calls[0].name == "list_dir" and result.tool_calls[0].arguments == {}
    assert widget == Widget(name="gear", size=3)
    (body, headers), (structured_body, _) = provider.received
    for sent in (body, structured_body):
        assert maybe_transform(sent, CompletionCreateParamsNonStreaming) == sent
    assert structured_body["response_format"]["json_schema"]["name"] == "Widget"
    assert body == {"model": "gpt-4o", "messages": HISTORY, "tools": TOOLS, "seed": 3}
    assert headers["authorization"] == "Bearer sk-test"
    assert not [h for h in headers if "studio" in h or "offline" in h]
    assert not [k for k in body if k not in STANDARD_KEYS]
    recorded = LLMCall.objects.order_by("id").first()
    assert recorded.request == body  # the request as sent
    assert recorded.response["choices"][0]["message"]["tool_calls"] == [call]


def test_cached_and_reasoning_tokens_are_recorded_and_priced(settings):
    settings.LLM_PRICES = {"gpt-4o-mini": (0.15, 0.075, 0.6)}
    usage = {
        "prompt_tokens": 1_000_000,
        "completion_tokens": 200_000,
        "total_tokens": 1_200_000,
        "prompt_tokens_details": {"cached_tokens": 600_000},
        "completion_tokens_details": {"reasoning_tokens": 50_000},
    }
    provider = Provider(lambda body: completion(body["model"], usage=usage))
    try:
        for model in ("gpt-4o-mini-2024-07-18", "someones-own-model"):
            gateway.chat(
                role="worker",
                messages=[{"role": "user", "content": "go"}],
                overrides={"base_url": provider.url, "model": model},
            )
    finally:
        provider.close()
    priced, unpriced = LLMCall.objects.order_by("id")
    for call in (priced, unpriced):
        assert (call.prompt_tokens, call.cached_tokens) == (1_000_000, 600_000)
        assert (call.completion_tokens, call.reasoning_tokens) == (200_000, 50_000)
    # 400k uncached at 0.15, 600k cached at 0.075, 200k out at 0.6 (per 1M)
    assert priced.cost_usd == pytest.approx(0.4 * 0.15 + 0.6 * 0.075 + 0.2 * 0.6)
    assert unpriced.cost_usd is None


def test_prices_from_the_environment(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from studio.project.env import env_prices

    defaults = {"gpt-4o": (2.5, 1.25, 10.0)}
    monkeypatch.setenv("LLM_PRICES", '{"mine": [1, 0.1, 2], "gpt-4o": [3, 1, 12]}')
    assert env_prices("LLM_PRICES", defaults) == {
        "gpt-4o": (3.0, 1.0, 12.0),
        "mine": (1.0, 0.1, 2.0),
    }
    for bad in ('["gpt-4o"]', '{"mine": [1, 2]}', '{"mine": [1, -1, 2]}', "{nope"):
        monkeypatch.setenv("LLM_PRICES", bad)
        with pytest.raises(ImproperlyConfigured, match="LLM_PRICES"):
            env_prices("LLM_PRICES", defaults)


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a worker thread runs
def test_the_db_connection_is_given_back_while_the_model_thinks(settings, monkeypatch):
    from django.db import connection

    from studio.llm.offline import transport

    held = []
    real = transport.OfflineTransport.handle_request

    def noting(self, request):
        held.append(connection.connection is not None)
        return real(self, request)

    monkeypatch.setattr(transport.OfflineTransport, "handle_request", noting)
    settings.LLM_RELEASE_DB_DURING_CALLS = True
    LLMCall.objects.exists()  # the thread has an open connection
    ask()
    settings.LLM_RELEASE_DB_DURING_CALLS = False
    LLMCall.objects.exists()
    ask()
    assert held == [False, True]
    assert LLMCall.objects.count() == 2  # recorded on a fresh connection after each call
