"""The one module that calls models.

Every model call in the studio goes through :func:`structured` (a pydantic contract as the
response format) or :func:`chat` (free text or tool calls), with the official openai
client. Each role (persona, blueprint, artifact, objectives, worker, collaborator, judge)
has its base URL, key and model from settings, overridable per call (e.g. per simulation).
The client's own retry machinery handles 429/5xx/timeouts; this module re-asks only when a
model answered but not in the shape asked for. Every HTTP round trip is recorded as an
LLMCall row: role, model, tokens, cost, latency, outcome and (optionally) the bodies. A caller
that commits its own writes for the call (a simulation turn) passes a ledger in its CallTags:
the rows are then handed to it unsaved, to be inserted in the same transaction (so the calls
of a turn that never commits, its worker killed mid-turn, leave no record).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

import httpx2
import openai
import orjson
from django.conf import settings
from django.db import connection
from pydantic import BaseModel, ValidationError

from studio.fields import RawJSON

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
OFFLINE_BASE_URL = "http://offline-engine.invalid/v1"
OFFLINE_LABEL = "offline engine"


class LLMError(Exception):
    """A model call failed; ``str(exc)`` is fit to show a researcher."""


class LLMUnavailable(LLMError):
    """The endpoint could not be reached or kept failing after the client's retries."""


class LLMOutputError(LLMError):
    """The model answered, but not with what was asked for, even after re-asking."""


@dataclass(frozen=True)
class RoleConfig:
    role: str
    base_url: str
    api_key: str
    model: str

    @property
    def offline(self) -> bool:
        return self.base_url in ("", "offline") or self.base_url.startswith("offline")

    @property
    def label(self) -> str:
        if self.offline:
            return OFFLINE_LABEL
        return f"{self.model} @ {self.base_url}"


def role_config(role: str, overrides: Mapping[str, Any] | None = None) -> RoleConfig:
    if role not in settings.LLM_ROLE_CONFIG:
        raise ValueError(f"unknown LLM role {role!r}")
    merged = dict(settings.LLM_ROLE_CONFIG[role])
    for key, value in (overrides or {}).items():
        if value:
            merged[key] = value
    if merged["base_url"] in ("", "offline") and not str(merged["model"]).startswith("offline"):
        merged["model"] = "offline"
    return RoleConfig(role=role, **merged)


def backend_label(role: str = "artifact") -> str:
    """What a page says about the backend: 'offline engine' or 'model @ url'."""
    return role_config(role).label


@dataclass
class CallTags:
    """What a call is for, so its record can be found from the computer or simulation.

    ``ledger``: when a list, each call's LLMCall row is appended to it unsaved instead of
    being inserted, for the caller to insert with the writes the call led to (a turn)."""

    computer_id: int | None = None
    simulation_id: int | None = None
    ledger: list[Any] | None = None


@lru_cache(maxsize=32)
def _client(base_url: str, api_key: str, offline: bool) -> openai.OpenAI:
    timeout = settings.LLM_TIMEOUT
    retries = settings.LLM_MAX_RETRIES
    if offline:
        from studio.llm.offline.transport import OfflineTransport

        return openai.OpenAI(
            base_url=OFFLINE_BASE_URL,
            api_key="offline",
            timeout=timeout,
            max_retries=retries,
            http_client=httpx2.Client(transport=OfflineTransport()),
        )
    return openai.OpenAI(
        base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=retries
    )


def client_for(config: RoleConfig) -> openai.OpenAI:
    return _client(config.base_url, config.api_key, config.offline)


def _cost(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    prices = settings.LLM_PRICE_PER_MTOK.get(model)
    if not prices:
        return 0.0
    return (prompt_tokens * prices[0] + completion_tokens * prices[1]) / 1_000_000


def _record(
    *,
    config: RoleConfig,
    tags: CallTags | None,
    schema: str,
    outcome: str,
    latency_ms: int,
    usage: Any = None,
    error: str = "",
    request: Any = None,
    response: Any = None,
) -> Any:
    from studio.models import LLMCall

    prompt_tokens = getattr(usage, "prompt_tokens", 0) or 0
    completion_tokens = getattr(usage, "completion_tokens", 0) or 0
    log_bodies = settings.LLM_LOG_BODIES
    record = LLMCall(
        role=config.role,
        model=config.model,
        backend=config.label,
        schema=schema,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost_usd=_cost(config.model, prompt_tokens, completion_tokens),
        latency_ms=latency_ms,
        outcome=outcome,
        error=error[:4000],
        request=request if log_bodies else None,
        response=response if log_bodies else None,
        computer_id=tags.computer_id if tags else None,
        simulation_id=tags.simulation_id if tags else None,
    )
    if tags is not None and tags.ledger is not None:
        tags.ledger.append(record)
    else:
        record.save(force_insert=True)
    return record


# Dates and dataclasses in a context read as str() makes them (as json.dumps(default=str)).
_CONTEXT_JSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_CONTEXT_JSON |= orjson.OPT_NON_STR_KEYS


def context_message(text: str, context: Mapping[str, Any]) -> str:
    """A user message: instructions, then the inputs as JSON inside <context> tags."""
    data = orjson.dumps(context, default=str, option=_CONTEXT_JSON).decode()
    return f"{text}\n\n<context>\n{data}\n</context>"


def _encode(config: RoleConfig, **body: Any) -> bytes:
    """The request body as sent, once: the same bytes go to the model and into the call's
    record (RawJSON), where the SDK and the record used to serialise it each. orjson: with
    prompts of 50-80 KB, json.dumps was a tenth of a simulated worker's CPU."""
    return orjson.dumps({"model": config.model, **body})


@dataclass
class Completion:
    """What the studio uses of a chat completion."""

    content: str
    finish_reason: str
    tool_calls: list[tuple[str, str, str]]  # (id, function name, arguments as sent)
    prompt_tokens: int
    completion_tokens: int


def _completion(config: RoleConfig, raw: bytes) -> Completion:
    """Read a chat completion straight from its JSON. The SDK's ChatCompletion model, built
    field by field, was a third of the client's time per call; a reply that is not a chat
    completion is an error the researcher sees, not a crash."""
    try:
        data = orjson.loads(raw)
        choice = data["choices"][0]
        message = choice["message"]
        usage = data.get("usage") or {}
        return Completion(
            content=message.get("content") or "",
            finish_reason=choice.get("finish_reason") or "stop",
            tool_calls=[
                (c["id"], c["function"]["name"], c["function"].get("arguments") or "")
                for c in message.get("tool_calls") or []
            ],
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        )
    except (ValueError, LookupError, TypeError, AttributeError) as exc:
        raise LLMUnavailable(
            f"the {config.role} model ({config.label}) answered with something that is not a "
            f"chat completion ({type(exc).__name__}: {_short(str(exc))})"
        ) from exc


def _create(config: RoleConfig, content: bytes) -> Completion:
    """POST /chat/completions through the client's own request machinery (auth, retries,
    timeouts, errors). The body goes as built: ``chat.completions.create``
    would first run it through the SDK's type-driven transform, which for chat requests
    renames and reformats nothing (``tests/llm/test_gateway.py`` checks the bodies we send
    are left unchanged by it) yet costs about 0.5 ms per history message, which over a long
    run was most of a turn's CPU."""
    client = client_for(config)
    if settings.LLM_RELEASE_DB_DURING_CALLS and not connection.in_atomic_block:
        connection.close()  # back to the pool while the model thinks (the next query reopens)
    try:
        raw = client.post(
            "/chat/completions",
            content=content,
            cast_to=bytes,
            options={"headers": {"X-Studio-Role": config.role}},
        )
    except openai.APITimeoutError as exc:
        raise LLMUnavailable(
            f"the {config.role} model ({config.label}) timed out after retries"
        ) from exc
    except openai.APIConnectionError as exc:
        raise LLMUnavailable(f"cannot reach the {config.role} model at {config.label}") from exc
    except openai.RateLimitError as exc:
        raise LLMUnavailable(
            f"the {config.role} model ({config.label}) kept rate-limiting after retries"
        ) from exc
    except openai.APIStatusError as exc:
        raise LLMUnavailable(
            f"the {config.role} model ({config.label}) answered HTTP {exc.status_code}: "
            f"{_short(exc.message)}"
        ) from exc
    return _completion(config, raw)


@lru_cache(maxsize=128)
def _response_format(schema: type[BaseModel], name: str) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {"name": name, "schema": schema.model_json_schema(), "strict": False},
    }


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _validation_feedback(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors()[:12]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "(root)"
        lines.append(f"- {where}: {err.get('msg')}")
    return "\n".join(lines)


def structured(
    *,
    role: str,
    schema: type[T],
    system: str,
    prompt: str,
    context: Mapping[str, Any],
    seed: int = 0,
    tags: CallTags | None = None,
    overrides: Mapping[str, Any] | None = None,
    schema_name: str | None = None,
    check: Callable[[T], None] | None = None,
) -> T:
    """Ask for a JSON object matching ``schema``; re-ask with the errors when it doesn't.

    ``check`` adds rules the schema cannot express (e.g. references to known keys); it
    raises ValueError with a message the model can act on.
    """
    config = role_config(role, overrides)
    name = schema_name or schema.__name__
    response_format = _response_format(schema, name)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system},
        {"role": "user", "content": context_message(prompt, context)},
    ]
    problem = ""
    for attempt in range(settings.LLM_MAX_REASKS + 1):
        started = time.perf_counter()
        sent = _encode(config, messages=messages, response_format=response_format, seed=seed)
        try:
            completion = _create(config, sent)
        except LLMUnavailable as exc:
            _record(
                config=config,
                tags=tags,
                schema=name,
                outcome="error",
                error=str(exc),
                latency_ms=_ms(started),
                request=RawJSON(sent),
            )
            raise
        text = completion.content
        try:
            if completion.finish_reason == "length":
                raise ValueError("the reply was cut off (finish_reason=length)")
            result = schema.model_validate_json(text)
            if check is not None:
                check(result)
        except (ValidationError, ValueError) as exc:
            problem = _validation_feedback(exc) if isinstance(exc, ValidationError) else f"- {exc}"
            _record(
                config=config,
                tags=tags,
                schema=name,
                outcome="invalid",
                usage=completion,
                latency_ms=_ms(started),
                error=problem,
                request=RawJSON(sent),
                response=text,
            )
            log.info("%s reply to %s invalid (attempt %d): %s", role, name, attempt + 1, problem)
            messages = messages[:2] + [
                {"role": "assistant", "content": text},
                {
                    "role": "user",
                    "content": (
                        f"Your reply was not a valid {name} JSON object:\n{problem}\n"
                        "Reply again with only the corrected JSON object."
                    ),
                },
            ]
            continue
        _record(
            config=config,
            tags=tags,
            schema=name,
            outcome="ok",
            usage=completion,
            latency_ms=_ms(started),
            request=RawJSON(sent),
            response=text,
        )
        return result
    raise LLMOutputError(
        f"the {role} model ({config.label}) did not return a valid {name} after "
        f"{settings.LLM_MAX_REASKS + 1} attempts; last problem:\n{problem}"
    )


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any] | None  # None: the model sent arguments that are not JSON
    raw_arguments: str


@dataclass
class ChatResult:
    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: int = 0
    record: Any = None  # the LLMCall row (unsaved if the call's tags carry a ledger)


def chat(
    *,
    role: str,
    messages: Sequence[Mapping[str, Any]],
    tools: Sequence[Mapping[str, Any]] | None = None,
    seed: int = 0,
    tags: CallTags | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ChatResult:
    """One chat completion, optionally with tools. Malformed tool arguments are reported
    on the ToolCall (arguments=None), for the agent loop to feed back as an observation."""
    config = role_config(role, overrides)
    started = time.perf_counter()
    kwargs: dict[str, Any] = {"messages": list(messages), "seed": seed}
    if tools:
        kwargs["tools"] = list(tools)
    sent = _encode(config, **kwargs)
    try:
        completion = _create(config, sent)
    except LLMUnavailable as exc:
        _record(
            config=config,
            tags=tags,
            schema="",
            outcome="error",
            error=str(exc),
            latency_ms=_ms(started),
            request=RawJSON(sent),
        )
        raise
    calls = []
    bad = False
    for call_id, name, raw in completion.tool_calls:
        try:
            args = json.loads(raw) if raw.strip() else {}
            if not isinstance(args, dict):
                raise ValueError
        except ValueError:
            args, bad = None, True
        calls.append(ToolCall(id=call_id, name=name, arguments=args, raw_arguments=raw))
    usage = completion
    latency = _ms(started)
    content = completion.content
    record = _record(
        config=config,
        tags=tags,
        schema="",
        outcome="invalid" if bad else "ok",
        usage=usage,
        latency_ms=latency,
        request=RawJSON(sent),
        response={"content": content, "tool_calls": [c.raw_arguments for c in calls]},
        error="tool call arguments are not a JSON object" if bad else "",
    )
    return ChatResult(
        content=content,
        tool_calls=calls,
        finish_reason=completion.finish_reason,
        prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        cost_usd=record.cost_usd,
        latency_ms=latency,
        record=record,
    )


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
