"""The gateway against the offline engine, through the real openai client."""

import json
import threading

import pytest
from django.core.management import call_command
from pydantic import BaseModel, Field

from studio import runtime
from studio.llm import gateway
from studio.llm.offline.engine import EngineSpec, EngineSpecError
from studio.llm.offline.registry import AgentAction, agent, structured
from studio.models import LLMCall


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
    assert list(LLMCall.objects.values_list("outcome", flat=True)) == ["ok"]


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


@pytest.mark.parametrize(
    "reply",
    [b'{"id": "x", "object": "chat.completion"}', b'{"choices": []}', b"not json at all"],
)
def test_a_reply_that_is_not_a_chat_completion_is_a_clear_error(settings, reply):
    """A server that answers 200 with something else: an error naming the model, recorded."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server hook's name
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.LLM_MAX_RETRIES = 0
    gateway._client.cache_clear()
    try:
        with pytest.raises(gateway.LLMUnavailable, match="not a chat completion") as info:
            gateway.chat(
                role="worker",
                messages=[{"role": "user", "content": "go"}],
                overrides={"base_url": f"http://127.0.0.1:{server.server_port}/v1", "model": "m"},
            )
    finally:
        server.shutdown()
        gateway._client.cache_clear()
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


def test_bodies_are_what_the_sdk_would_send(monkeypatch):
    """The gateway posts its bodies as built, skipping ``chat.completions.create``'s typed
    transform; that is only sound while the transform would leave them unchanged."""
    from openai._utils import maybe_transform
    from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming

    from studio.llm.offline import transport

    sent = []
    real = transport.OfflineTransport.handle_request

    def recording(self, request):
        sent.append((json.loads(request.read()), request.headers))
        return real(self, request)

    monkeypatch.setattr(transport.OfflineTransport, "handle_request", recording)
    tools = [
        {
            "type": "function",
            "function": {
                "name": "list_dir",
                "description": "List a folder.",
                "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
            },
        }
    ]
    history = [
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
    gateway.chat(role="worker", messages=history, tools=tools, seed=3)
    ask()
    assert len(sent) == 2
    for body, headers in sent:
        assert maybe_transform(body, CompletionCreateParamsNonStreaming) == body
        assert headers["authorization"] == "Bearer offline"
    assert sent[0][0]["messages"] == history and sent[0][0]["tools"] == tools
    assert sent[0][0]["model"] == "offline" and sent[0][0]["seed"] == 3
    assert sent[0][1]["x-studio-role"] == "worker"
    assert sent[1][0]["response_format"]["json_schema"]["name"] == "Widget"


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
