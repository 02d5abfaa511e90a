"""Real model servers' quirks, played by the offline engine for reliability tests.

Chosen by the model name beside faults, e.g. ``offline:quirks=think,multitool,nousage``:

- ``reasoning``: the reply carries its thinking in a ``reasoning_content`` field (vLLM, DeepSeek).
- ``think``: the content starts with a ``<think>…</think>`` block (Qwen, DeepSeek-R1 served raw).
- ``multitool``: several tool calls in one message (a second call to the same tool).
- ``text``: text beside the tool calls (a model that narrates what it does).
- ``nousage``: no ``usage`` object (some llama.cpp / proxy builds).
- ``fences``: JSON answers wrapped in a Markdown code fence.
- ``noschema``: ``response_format`` json_schema refused with a 400 (older llama.cpp, some
  proxies); a schema given in the prompt is followed instead.
- ``noseed``: the ``seed`` parameter refused with a 400, OpenAI's way (``param`` names it).
- ``ctx=N``: a 400 context-length error for a request over N tokens (vLLM's wording).
"""

from __future__ import annotations

import re
from typing import Any

QUIRK_KINDS = (
    "reasoning", "think", "multitool", "text", "nousage", "fences", "noschema", "noseed",
)  # fmt: skip
THINKING = "Let me look at what is asked before I answer."
_PROMPT_SCHEMA = re.compile(r'<json_schema name="([A-Za-z0-9_.-]+)">')


def parse(value: str) -> tuple[frozenset[str], int]:
    """``think,multitool,ctx=4000`` -> (quirks, context limit in tokens or 0)."""
    kinds: set[str] = set()
    context_limit = 0
    for item in filter(None, value.split(",")):
        if item.startswith("ctx="):
            try:
                context_limit = int(item[4:])
            except ValueError:
                raise ValueError(f"not a number in {item!r}") from None
        elif item in QUIRK_KINDS:
            kinds.add(item)
        else:
            known = ", ".join(QUIRK_KINDS)
            raise ValueError(f"unknown quirk {item!r}; known: {known}, ctx=N")
    return frozenset(kinds), context_limit


def refusal(
    quirks: frozenset[str], context_limit: int, body: dict[str, Any], prompt_tokens: int
) -> tuple[str, str | None] | None:
    """(message, param) of the 400 this server gives ``body``, or None if it answers."""
    response_format = body.get("response_format") or {}
    if "noschema" in quirks and response_format.get("type") == "json_schema":
        return "response_format of type json_schema is not supported by this server", None
    if "noseed" in quirks and "seed" in body:
        return "Unsupported parameter: 'seed' is not supported with this model.", "seed"
    if context_limit and prompt_tokens > context_limit:
        return (
            f"This model's maximum context length is {context_limit} tokens. However, you "
            f"requested {prompt_tokens} tokens in the messages. Please reduce the length "
            "of the messages.",
            None,
        )
    return None


def prompt_schema_name(messages: list[dict[str, Any]]) -> str | None:
    """The schema a prompt-only JSON request names (what a model reads in its prompt)."""
    for message in messages:
        content = message.get("content")
        if isinstance(content, str) and (found := _PROMPT_SCHEMA.search(content)):
            return found.group(1)
    return None


def apply(quirks: frozenset[str], body: dict[str, Any]) -> dict[str, Any]:
    """The reply body as a server with ``quirks`` would shape it."""
    message = body["choices"][0]["message"]
    calls = message.get("tool_calls")
    if "fences" in quirks and message.get("content") and not calls:
        message["content"] = f"```json\n{message['content']}\n```"
    if "text" in quirks and calls and not message.get("content"):
        message["content"] = "I will do that now."
    if "multitool" in quirks and calls:
        second = {**calls[0], "id": calls[0]["id"] + "_2"}
        message["tool_calls"] = [*calls, second]
    if "think" in quirks:
        message["content"] = f"<think>{THINKING}</think>\n" + (message.get("content") or "")
    if "reasoning" in quirks:
        message["reasoning_content"] = THINKING
    if "nousage" in quirks:
        body.pop("usage", None)
    return body
