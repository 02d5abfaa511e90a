"""What real OpenAI-compatible servers send and refuse, handled once for every call.

- Reasoning text, as a ``reasoning_content`` (or ``reasoning``) field or ``<think>`` blocks
  at the head of the content, is taken out of the content and kept apart.
- JSON answers in a Markdown code fence are unwrapped before validation.
- A reply without ``usage`` gets tokens estimated from characters, marked as estimated.
- A 400 naming a parameter the server does not take (``seed``, ``response_format``…) drops it
  and sends again; the endpoint (base URL + model) remembers, for this process, so later calls
  go without it. Without json_schema, the schema goes into the system prompt instead and the
  reply is validated with pydantic as before.
- A context-length error becomes :class:`ContextTooLong`, for the caller to shorten and retry.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import openai

# Optional parameters a call can go without; never the messages, the model or the tools.
DROPPABLE = ("seed", "response_format", "parallel_tool_calls", "tool_choice", "temperature")
CHARS_PER_TOKEN = 4  # the usual rough figure for English text and JSON

_THINK = re.compile(r"^\s*<think>(.*?)(?:</think>\s*|$)", re.S)
_FENCE = re.compile(r"^\s*```[A-Za-z]*[ \t]*\n(.*?)\n?\s*```\s*$", re.S)
_REFUSAL_WORDS = ("unsupported", "not supported", "unrecognized", "unknown", "extra", "not allowed")
_CONTEXT_WORDS = re.compile(
    r"context length|context window|maximum context|too many tokens|prompt is too long"
    r"|exceeds the (?:model's )?(?:maximum|context)",
    re.I,
)


@dataclass
class Endpoint:
    """What one endpoint was found not to take."""

    dropped: set[str] = field(default_factory=set)


_endpoints: dict[tuple[str, str], Endpoint] = {}
_lock = threading.Lock()


def endpoint(base_url: str, model: str) -> Endpoint:
    with _lock:
        return _endpoints.setdefault((base_url, model), Endpoint())


def forget_endpoints() -> None:
    """For tests and llm_check: probe endpoints afresh."""
    with _lock:
        _endpoints.clear()


def split_reasoning(message: Any) -> tuple[str, str]:
    """(content without ``<think>`` blocks, reasoning text) of a reply message."""
    content = message.content or ""
    extra = message.model_extra or {}
    parts = [str(extra.get("reasoning_content") or extra.get("reasoning") or "")]
    while found := _THINK.match(content):
        parts.append(found.group(1).strip())
        content = content[found.end() :]
    return content, "\n\n".join(p for p in parts if p)


def unfence(text: str) -> str:
    found = _FENCE.match(text)
    return found.group(1) if found else text


def estimated_tokens(request: dict[str, Any], reply: Any) -> tuple[int, int]:
    """(prompt, completion) tokens from characters, for a reply that reports none."""
    prompt = len(json.dumps(request.get("messages", []), default=str)) // CHARS_PER_TOKEN
    choices = getattr(reply, "choices", None) or []
    text = ""
    if choices:
        message = choices[0].message
        text = (message.content or "") + json.dumps([c.to_dict() for c in message.tool_calls or []])
    return max(1, prompt), max(1, len(text) // CHARS_PER_TOKEN)


def refused_parameter(exc: openai.BadRequestError, request: dict[str, Any]) -> str | None:
    """The optional parameter a 400 says the server does not take, if any."""
    body = exc.body if isinstance(exc.body, dict) else {}
    param = body.get("param")
    if param in DROPPABLE and param in request:
        return param
    message = str(exc.message).lower()
    if "json_schema" in message and "response_format" in request:
        return "response_format"
    if any(word in message for word in _REFUSAL_WORDS):
        for name in DROPPABLE:
            if name in request and re.search(rf"\b{name}\b", message):
                return name
    return None


def is_context_length(exc: openai.BadRequestError) -> bool:
    body = exc.body if isinstance(exc.body, dict) else {}
    return body.get("code") == "context_length_exceeded" or bool(
        _CONTEXT_WORDS.search(str(exc.message))
    )


def adapt(request: dict[str, Any], ep: Endpoint) -> None:
    """Shape ``request`` (in place) for what the endpoint takes."""
    for name in ep.dropped & set(request):
        value = request.pop(name)
        if name == "response_format" and value.get("type") == "json_schema":
            _schema_into_prompt(request, value["json_schema"])


def _schema_into_prompt(request: dict[str, Any], spec: dict[str, Any]) -> None:
    schema = json.dumps(spec["schema"], ensure_ascii=False)
    instruction = (
        "Reply with only one JSON object, no prose around it, matching this JSON schema:\n"
        f'<json_schema name="{spec["name"]}">\n{schema}\n</json_schema>'
    )
    messages = [dict(m) for m in request["messages"]]
    if messages and messages[0].get("role") == "system":
        messages[0]["content"] = f"{messages[0]['content']}\n\n{instruction}"
    else:
        messages.insert(0, {"role": "system", "content": instruction})
    request["messages"] = messages
