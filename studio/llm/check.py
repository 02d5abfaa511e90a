"""Probing the configured model endpoints, role by role (``manage.py llm_check`` and the
home page's check): reachable, the model listed (GET /models), tool calls for the roles that
act through tools, structured output (json_schema or the prompt-only fallback), cached tokens
reported for a repeated long prefix, latency. Each probe is a real call through the gateway,
recorded like any other."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import openai
from django.conf import settings
from pydantic import BaseModel

from studio.llm import gateway, server_quirks

TOOL_ROLES = ("worker",)
REACH_TIMEOUT_S = 5.0
# Long enough for a provider's prefix cache (OpenAI caches from 1,024 tokens).
CACHE_PREFIX = "You check that a model endpoint works. " * 160

OK, DEGRADED, FAILING = "ok", "degraded", "failing"


class LLMCheckProbe(BaseModel):
    colour: str
    number: int


@dataclass
class RoleVerdict:
    role: str
    endpoint: str
    status: str = OK
    notes: list[str] = field(default_factory=list)
    latency_ms: int | None = None

    def degrade(self, note: str) -> None:
        self.notes.append(note)
        if self.status == OK:
            self.status = DEGRADED

    def fail(self, note: str) -> None:
        self.notes.append(note)
        self.status = FAILING

    @property
    def line(self) -> str:
        latency = f", {self.latency_ms} ms per call" if self.latency_ms is not None else ""
        notes = "; ".join(self.notes)
        return f"{self.role}: {self.status.upper()} ({self.endpoint}{latency}){': ' if notes else ''}{notes}"


def _reach(config: gateway.RoleConfig, verdict: RoleVerdict) -> bool:
    client = gateway.client_for(config).with_options(timeout=REACH_TIMEOUT_S, max_retries=0)
    try:
        listed = [m.id for m in client.models.list()]
    except (openai.APIConnectionError, openai.APITimeoutError) as exc:
        verdict.fail(f"cannot reach {config.base_url} ({type(exc).__name__})")
        return False
    except openai.AuthenticationError:
        verdict.fail("the API key was refused (HTTP 401)")
        return False
    except openai.APIStatusError as exc:
        verdict.notes.append(f"GET /models answered HTTP {exc.status_code}")
        return True
    if config.model not in listed and not config.offline:
        verdict.degrade(f"model {config.model!r} not listed by GET /models")
    return True


def _probe_tools(config, verdict: RoleVerdict) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "list_dir",
            "description": "List a folder's files.",
            "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
        },
    }
    messages = [{"role": "user", "content": "List the current folder ('.') with list_dir."}]
    result = gateway.chat(
        role=config.role, messages=messages, tools=[tool], overrides=_overrides(config)
    )
    if not result.tool_calls:
        verdict.fail("no tool call came back")
    elif any(c.arguments is None for c in result.tool_calls):
        verdict.fail("tool call arguments are not JSON")
    elif len(result.tool_calls) > 1:
        verdict.degrade("several tool calls in one message (the first runs)")
    if result.reasoning:
        verdict.notes.append("sends reasoning text (kept apart)")


def _probe_structured(config, verdict: RoleVerdict) -> None:
    for _ in range(2):  # the second, identical call should find its long prefix cached
        gateway.structured(
            role=config.role,
            schema=LLMCheckProbe,
            system=CACHE_PREFIX,
            prompt="Reply with a colour and a number.",
            context={},
            overrides=_overrides(config),
        )


def _overrides(config: gateway.RoleConfig) -> dict[str, str]:
    return {"base_url": config.base_url, "api_key": config.api_key, "model": config.model}


def _judge_calls(config, verdict: RoleVerdict, since: int) -> None:
    from studio.models import LLMCall

    calls = list(LLMCall.objects.filter(pk__gt=since, role=config.role).order_by("pk"))
    if calls:
        verdict.latency_ms = int(statistics.median(c.latency_ms for c in calls))
    dropped = server_quirks.endpoint(config.base_url, config.model).dropped
    if "response_format" in dropped:
        verdict.degrade("no json_schema response format: the schema goes in the prompt")
    for name in sorted(dropped - {"response_format"}):
        verdict.degrade(f"does not take {name!r}: sent without it")
    if any(c.tokens_estimated for c in calls):
        verdict.degrade("replies carry no usage: tokens estimated from characters")
    structured = [c for c in calls if c.schema == LLMCheckProbe.__name__ and c.outcome == "ok"]
    if len(structured) >= 2 and not structured[-1].cached_tokens:
        verdict.degrade("no cached tokens reported for a repeated prefix")
    if any(c.cost_usd is None for c in calls) and not config.offline:
        verdict.notes.append(f"no price for {config.model!r} (LLM_PRICES)")


def llm_check(*, roles: tuple[str, ...] | None = None) -> list[RoleVerdict]:
    """One verdict per role: ok, degraded (which fallback) or failing (why)."""
    from studio.models import LLMCall

    verdicts = []
    for role in roles or settings.LLM_ROLES:
        config = gateway.role_config(role)
        verdict = RoleVerdict(role=role, endpoint=config.label)
        verdicts.append(verdict)
        if not _reach(config, verdict):
            continue
        since = LLMCall.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        try:
            if role in TOOL_ROLES:
                _probe_tools(config, verdict)
            _probe_structured(config, verdict)
        except gateway.LLMError as exc:
            verdict.fail(str(exc).splitlines()[0])
        _judge_calls(config, verdict, since)
    return verdicts
