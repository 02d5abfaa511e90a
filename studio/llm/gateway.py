"""The one module that calls models.

Every model call in the studio goes through :func:`structured` (a pydantic contract as the
response format) or :func:`chat` (free text or tool calls), with the official openai
client's ``chat.completions.create()``. Each role (persona, blueprint, artifact, objectives,
worker, collaborator, judge) has its base URL, key and model from settings, overridable per
call (e.g. per simulation). The client's own retry machinery handles 429/5xx/timeouts; this
module re-asks only when a model answered but not in the shape asked for. Every call is
recorded as an LLMCall row: role, model, tokens (cached and reasoning among them), cost,
latency, outcome, each HTTP round trip (retries included) and (optionally) the bodies
(stored by studio.llm.bodies, as deltas of the previous requests of the run). A
caller that commits its own writes for the call (a simulation turn) passes a ledger in its
CallTags: the rows are then handed to it unsaved, to be inserted in the same transaction (so
the calls of a turn that never commits, its worker killed mid-turn, leave no record).
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
from openai.types.chat import ChatCompletion
from openai.types.chat.chat_completion import Choice
from pydantic import BaseModel, ValidationError

from studio.llm import round_trips, server_quirks
from studio.llm.accounting import Tokens, cost_of
from studio.llm.roles import OFFLINE_LABEL as OFFLINE_LABEL
from studio.llm.roles import RoleConfig, role_config
from studio.llm.roles import backend_label as backend_label

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
OFFLINE_BASE_URL = "http://offline-engine.invalid/v1"


class LLMError(Exception):
    """A model call failed; ``str(exc)`` is fit to show a researcher."""


class LLMUnavailable(LLMError):
    """The endpoint could not be reached or kept failing after the client's retries."""


class LLMOutputError(LLMError):
    """The model answered, but not with what was asked for, even after re-asking."""


class LLMContextTooLong(LLMUnavailable):
    """The endpoint refused the prompt as longer than its context window."""


@dataclass
class CallTags:
    """What a call is for, so its record can be found from the computer or simulation.

    ``ledger``: when a list, each call's LLMCall row is appended to it unsaved instead of
    being inserted, for the caller to insert with the writes the call led to (a turn)."""

    computer_id: int | None = None
    simulation_id: int | None = None
    ledger: list[Any] | None = None


@lru_cache(maxsize=32)
def _client(base_url: str, api_key: str, offline_role: str) -> openai.OpenAI:
    """A client per endpoint; the offline engine is reached through its transport, which
    alone knows the role it plays (nothing meant for it goes over the wire)."""
    if offline_role:
        from studio.llm.offline.transport import OfflineTransport

        base_url, api_key, sender = OFFLINE_BASE_URL, "offline", OfflineTransport(offline_role)
    else:
        sender = httpx2.HTTPTransport(limits=openai.DEFAULT_CONNECTION_LIMITS)
    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key or "not-needed",
        timeout=settings.LLM_TIMEOUT,
        max_retries=settings.LLM_MAX_RETRIES,
        http_client=openai.DefaultHttpxClient(transport=round_trips.RecordingTransport(sender)),
    )


def client_for(config: RoleConfig) -> openai.OpenAI:
    return _client(config.base_url, config.api_key, config.role if config.offline else "")


@dataclass
class _Call:
    """One ``create()``: what was sent, the round trips it took and what came back."""

    config: RoleConfig
    tags: CallTags | None
    schema: str
    request: dict[str, Any]
    started: float = field(default_factory=time.perf_counter)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    completion: ChatCompletion | None = None

    def record(self, outcome: str, error: str = "") -> Any:
        from studio.models import LLMCall

        tokens = Tokens.of(self.completion, self.request)
        log_bodies = settings.LLM_LOG_BODIES
        record = LLMCall(
            role=self.config.role,
            model=self.config.model,
            backend=self.config.label,
            schema=self.schema,
            prompt_tokens=tokens.prompt,
            cached_tokens=tokens.cached,
            completion_tokens=tokens.completion,
            reasoning_tokens=tokens.reasoning,
            tokens_estimated=tokens.estimated,
            cost_usd=cost_of(self.config.model, tokens.prompt, tokens.cached, tokens.completion),
            latency_ms=_ms(self.started),
            attempts=self.attempts,
            outcome=outcome,
            error=error[:4000],
            request=self.request if log_bodies else None,
            response=self.completion.to_dict() if log_bodies and self.completion else None,
            computer_id=self.tags.computer_id if self.tags else None,
            simulation_id=self.tags.simulation_id if self.tags else None,
        )
        if self.tags is not None and self.tags.ledger is not None:
            self.tags.ledger.append(record)
        else:
            record.save(force_insert=True)
        return record

    @property
    def where(self) -> str:
        return f"the {self.config.role} model ({self.config.label})"

    def first_choice(self) -> Choice:
        try:
            return self.completion.choices[0]
        except (AttributeError, IndexError, TypeError) as exc:
            self.completion = None
            raise self.failed(f"{self.where} {_NOT_A_COMPLETION}") from exc

    def failed(self, message: str) -> LLMUnavailable:
        self.record("error", error=message)
        return LLMUnavailable(message)


_NOT_A_COMPLETION = "answered with something that is not a chat completion"


def _create(config: RoleConfig, tags: CallTags | None, schema: str, **request: Any) -> _Call:
    """``chat.completions.create()`` through the client's own machinery (auth, retries,
    timeouts, errors, response models)."""
    call = _Call(config, tags, schema, {"model": config.model, **request})
    client = client_for(config)
    endpoint = server_quirks.endpoint(config.base_url, config.model)
    server_quirks.adapt(call.request, endpoint)
    if settings.LLM_RELEASE_DB_DURING_CALLS and not connection.in_atomic_block:
        connection.close()  # back to the pool while the model thinks (the next query reopens)
    where = call.where
    with round_trips.recording() as call.attempts:
        try:
            call.completion = _send(client, config, call.request, endpoint)
        except openai.APITimeoutError as exc:
            raise call.failed(f"{where} timed out after retries") from exc
        except openai.APIConnectionError as exc:
            raise call.failed(f"cannot reach {where}") from exc
        except openai.RateLimitError as exc:
            raise call.failed(f"{where} kept rate-limiting after retries") from exc
        except openai.BadRequestError as exc:
            if not server_quirks.is_context_length(exc):
                raise call.failed(f"{where} answered HTTP 400: {_short(exc.message)}") from exc
            call.record("error", error=f"{where}: {exc.message}")
            raise LLMContextTooLong(f"{where} refused a prompt too long for its context") from exc
        except openai.APIStatusError as exc:
            raise call.failed(
                f"{where} answered HTTP {exc.status_code}: {_short(exc.message)}"
            ) from exc
        except (openai.APIResponseValidationError, ValueError) as exc:
            raise call.failed(f"{where} {_NOT_A_COMPLETION}") from exc
    return call


def _send(
    client: openai.OpenAI,
    config: RoleConfig,
    request: dict[str, Any],
    endpoint: server_quirks.Endpoint,
) -> ChatCompletion:
    """create(); an optional parameter the server refuses is dropped, remembered for the
    endpoint, and the call sent again (each pass drops one, so this ends)."""
    while True:
        try:
            # The body goes as built in extra_body, which create() sends as given: its typed
            # transform leaves chat bodies unchanged (tests/llm checks) yet walked every history
            # message's type union, the largest CPU cost of a turn at 500 runs
            # (bench/simulation.py part 2, profiled with py-spy).
            return client.chat.completions.create(
                model=config.model, messages=(), extra_body=request
            )
        except openai.BadRequestError as exc:
            refused = server_quirks.refused_parameter(exc, request)
            if refused is None:
                raise
            log.warning("%s does not take %r: sending without it", config.label, refused)
            endpoint.dropped.add(refused)
            server_quirks.adapt(request, endpoint)


# Dates and dataclasses in a context read as str() makes them (as json.dumps(default=str)).
_CONTEXT_JSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_CONTEXT_JSON |= orjson.OPT_NON_STR_KEYS


def context_message(text: str, context: Mapping[str, Any]) -> str:
    """A user message: instructions, then the inputs as JSON inside <context> tags."""
    data = orjson.dumps(context, default=str, option=_CONTEXT_JSON).decode()
    return f"{text}\n\n<context>\n{data}\n</context>"


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
        call = _create(
            config,
            tags,
            name,
            messages=list(messages),
            response_format=response_format,
            seed=seed,
        )
        choice = call.first_choice()
        text = server_quirks.unfence(server_quirks.split_reasoning(choice.message)[0])
        try:
            if choice.finish_reason == "length":
                raise ValueError("the reply was cut off (finish_reason=length)")
            result = schema.model_validate_json(text)
            if check is not None:
                check(result)
        except (ValidationError, ValueError) as exc:
            problem = _validation_feedback(exc) if isinstance(exc, ValidationError) else f"- {exc}"
            call.record("invalid", error=problem)
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
        call.record("ok")
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
    content: str  # without any <think> block
    tool_calls: list[ToolCall] = field(default_factory=list)
    reasoning: str = ""  # the model's thinking, from reasoning_content or <think> blocks
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None  # None: the model has no price
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
    request: dict[str, Any] = {"messages": list(messages), "seed": seed}
    if tools:
        request["tools"] = list(tools)
    call = _create(config, tags, "", **request)
    choice = call.first_choice()
    calls = []
    bad = False
    for tool_call in choice.message.tool_calls or []:
        raw = tool_call.function.arguments or ""
        try:
            args = json.loads(raw) if raw.strip() else {}
            if not isinstance(args, dict):
                raise ValueError
        except ValueError:
            args, bad = None, True
        calls.append(
            ToolCall(
                id=tool_call.id, name=tool_call.function.name, arguments=args, raw_arguments=raw
            )
        )
    problem = ""
    if bad:
        problem = "tool call arguments are not a JSON object"
        if choice.finish_reason == "length":
            problem += " (the reply was cut off: finish_reason=length)"
    record = call.record("invalid" if bad else "ok", error=problem)
    content, reasoning = server_quirks.split_reasoning(choice.message)
    return ChatResult(
        content=content,
        tool_calls=calls,
        reasoning=reasoning,
        finish_reason=choice.finish_reason or "stop",
        prompt_tokens=record.prompt_tokens,
        completion_tokens=record.completion_tokens,
        cost_usd=record.cost_usd,
        latency_ms=record.latency_ms,
        record=record,
    )


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
