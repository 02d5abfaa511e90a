"""The offline engine: a deterministic stand-in for a chat-completions server.

It answers the real wire format (request JSON in, response JSON and HTTP status out), so
the openai client talks to it exactly as to OpenAI, vLLM or Ollama: in-process through
an HTTP transport (:mod:`studio.llm.offline.transport`) or over a socket
(``manage.py offline_engine``). Content comes from the responders in the registry.

Faults and latency are chosen by the model name, so they travel with a simulation's
settings into any worker process, e.g. ``offline:faults=429@0.1,500@0.05;latency=2000``.
Faults hit only a request's first attempt (``x-stainless-retry-count: 0``), so the
client's own retries recover, as they would from a real transient error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from studio.llm.offline import prefix_cache, quirks, registry

OFFLINE_MODEL = "offline"
FAULT_KINDS = ("429", "500", "hang", "truncate", "badjson")
# The largest value each option takes: a model name typed on the launch form must not be able
# to stall a worker for days (the client's timeout cuts a call short in any case).
OPTION_LIMITS = {"latency": 600_000.0, "hang": 600.0, "retry_after": 600.0}


class EngineSpecError(ValueError):
    pass


@dataclass(frozen=True)
class EngineSpec:
    faults: dict[str, float] = field(default_factory=dict)
    latency_ms: int = 0
    hang_s: float = 30.0
    retry_after_s: float = 0.0
    quirks: frozenset[str] = frozenset()
    context_limit: int = 0

    @classmethod
    def parse(cls, model: str) -> EngineSpec:
        """``offline[:key=value;key=value]`` -> spec; anything malformed is refused."""
        if model == OFFLINE_MODEL or not model.startswith(OFFLINE_MODEL):
            return cls()
        rest = model[len(OFFLINE_MODEL) :]
        if not rest.startswith(":"):
            raise EngineSpecError(
                f"offline model spec must look like 'offline:k=v;…', got {model!r}"
            )
        faults: dict[str, float] = {}
        options: dict[str, float] = {}
        server_quirks: tuple[frozenset[str], int] = (frozenset(), 0)
        for part in filter(None, rest[1:].split(";")):
            key, _, value = part.partition("=")
            if key == "faults":
                for item in filter(None, value.split(",")):
                    kind, _, prob = item.partition("@")
                    if kind not in FAULT_KINDS:
                        raise EngineSpecError(
                            f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}"
                        )
                    faults[kind] = _number(prob or "1", item, limit=1.0)
            elif key == "quirks":
                try:
                    server_quirks = quirks.parse(value)
                except ValueError as exc:
                    raise EngineSpecError(str(exc)) from None
            elif key in OPTION_LIMITS:
                options[key] = _number(value, part, limit=OPTION_LIMITS[key])
            else:
                raise EngineSpecError(f"unknown offline option {key!r}")
        return cls(
            faults=faults,
            latency_ms=int(options.get("latency", 0)),
            hang_s=options.get("hang", 30.0),
            retry_after_s=options.get("retry_after", 0.0),
            quirks=server_quirks[0],
            context_limit=server_quirks[1],
        )


def _number(raw: str, where: str, *, limit: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise EngineSpecError(f"not a number in {where!r}") from None
    if not 0 <= value <= limit:  # (NaN fails this too)
        raise EngineSpecError(f"{where!r} is out of range: 0 to {limit:g}")
    return value


def latency_s(body: Mapping[str, Any]) -> float:
    """How long the engine takes to answer this body: whoever serves it (the in-process
    transport, the socket server) waits, so that the client's timeout can cut it short."""
    try:
        return EngineSpec.parse(str(body.get("model", OFFLINE_MODEL))).latency_ms / 1000
    except EngineSpecError:
        return 0.0  # handle_chat answers 400


@dataclass
class EngineReply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    hang_s: float = 0.0  # >0: the caller should stall this long instead of answering


def _uniform(digest: bytes, salt: int) -> float:
    return (
        int.from_bytes(
            hashlib.blake2b(digest, digest_size=8, salt=bytes([salt]) * 8).digest(), "big"
        )
        / 2**64
    )


def _extract_context(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Every <context> block's JSON in the messages, merged in order (a later key wins): a
    prompt may spread its inputs over several blocks, e.g. the worker's month before its
    history and its situation now after it. (str.find: a lazy regex over a long prompt cost
    more than the parse.)"""
    merged: dict[str, Any] = {}
    for message in messages:
        content = message.get("content")
        if not isinstance(content, str):
            continue
        start = content.find("<context>")
        while start >= 0:
            end = content.find("</context>", start)
            if end < 0:
                break
            try:
                block = orjson.loads(content[start + len("<context>") : end])
            except orjson.JSONDecodeError:
                block = None
            if isinstance(block, dict):
                merged.update(block)
            start = content.find("<context>", end)
    return merged


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _error(
    status: int, message: str, kind: str, headers: dict[str, str] | None = None
) -> EngineReply:
    return EngineReply(
        status, {"error": {"message": message, "type": kind, "code": None}}, headers or {}
    )


def handle_chat(body: Mapping[str, Any], headers: Mapping[str, str]) -> EngineReply:
    """Answer one POST /v1/chat/completions body."""
    model = str(body.get("model", OFFLINE_MODEL))
    try:
        spec = EngineSpec.parse(model)
    except EngineSpecError as exc:
        return _error(400, str(exc), "invalid_request_error")
    messages = list(body.get("messages") or [])
    if not messages:
        return _error(400, "messages must be a non-empty list", "invalid_request_error")
    response_format = body.get("response_format") or {}
    schema_name = None
    if response_format.get("type") == "json_schema":
        schema_name = (response_format.get("json_schema") or {}).get("name")
    elif not body.get("tools"):  # a schema given in the prompt, as a model would read it
        schema_name = quirks.prompt_schema_name(messages)
    tools = list(body.get("tools") or [])
    role = headers.get("x-studio-role", "")
    seed = int(body.get("seed") or 0)

    canonical = orjson.dumps(
        [messages, schema_name, seed], default=str, option=orjson.OPT_SORT_KEYS
    )
    digest = hashlib.blake2b(canonical, digest_size=16).digest()
    prompt_tokens = max(1, len(canonical) // 4)  # the request's JSON, already serialised once
    refused = quirks.refusal(spec.quirks, spec.context_limit, dict(body), prompt_tokens)
    if refused is not None:
        message, param = refused
        reply = _error(400, message, "invalid_request_error")
        reply.body["error"]["param"] = param
        return reply

    fault = None
    if headers.get("x-stainless-retry-count", "0") == "0":
        for salt, kind in enumerate(FAULT_KINDS):
            if kind in spec.faults and _uniform(digest, salt) < spec.faults[kind]:
                fault = kind
                break
    if fault == "429":
        return _error(
            429,
            "offline engine: injected rate limit",
            "rate_limit_error",
            {"retry-after": f"{spec.retry_after_s:g}"},
        )
    if fault == "500":
        return _error(500, "offline engine: injected server error", "server_error")
    if fault == "hang":
        return EngineReply(0, {}, hang_s=spec.hang_s)

    request = registry.make_request(
        context=_extract_context(messages),
        messages=messages,
        schema_name=schema_name,
        tools=tools,
        seed=int.from_bytes(digest[:6], "big"),
    )
    finish_reason = "stop"
    tool_calls = None
    if schema_name:
        responder = registry.STRUCTURED.get(schema_name)
        if responder is None:
            return _error(
                400,
                f"offline engine has no responder for schema {schema_name!r}",
                "invalid_request_error",
            )
        content: str | None = json.dumps(responder(request), default=str)
    elif tools:
        responder = registry.AGENTS.get(role)
        if responder is None:
            return _error(
                400,
                f"offline engine has no policy for agent role {role!r}",
                "invalid_request_error",
            )
        action: registry.AgentAction = responder(request)
        content = action.content or None
        if action.tool_name:
            call_id = "call_" + hashlib.blake2b(canonical, digest_size=8).hexdigest()
            tool_calls = [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {
                        "name": action.tool_name,
                        "arguments": json.dumps(action.arguments),
                    },
                }
            ]
            finish_reason = "tool_calls"
    else:
        responder = registry.AGENTS.get(role) or registry.AGENTS.get("chat")
        if responder is None:
            content = "(offline engine) Noted."
        else:
            content = responder(request).content or "(offline engine) Noted."

    if fault == "truncate":
        text = content or ""
        content = text[: max(1, len(text) // 2)]
        finish_reason = "length"
    elif fault == "badjson":
        if tool_calls:
            tool_calls[0]["function"]["arguments"] = (
                tool_calls[0]["function"]["arguments"][:-3] + "'}"
            )
        else:
            content = (content or "")[:-2] + ",}"

    completion_text = (content or "") + json.dumps(tool_calls or "")
    cached_tokens = prefix_cache.cached_tokens(canonical)
    completion_tokens = _estimate_tokens(completion_text)
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    reply_body = {
        "id": "chatcmpl-offline-" + digest.hex()[:16],
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "system_fingerprint": "offline-engine",
        "choices": [
            {"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached_tokens},
        },
    }
    return EngineReply(200, quirks.apply(spec.quirks, reply_body))


def handle_models() -> EngineReply:
    return EngineReply(
        200,
        {
            "object": "list",
            "data": [
                {"id": OFFLINE_MODEL, "object": "model", "owned_by": "offline-engine", "created": 0}
            ],
        },
    )
