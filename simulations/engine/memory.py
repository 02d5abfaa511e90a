"""Keeping the worker's context bounded over thousands of turns.

The turns since the condensed summary are shown verbatim but clipped (see
simulations.engine.worker_prompt for where they sit in the prompt). Once their messages pass
``history_max_chars``, one condensation turn folds the oldest of them into the summary until
at most ``history_keep_chars`` are left: the history only grows between these rare, large
steps, so a provider's prefix cache keeps serving it. Every part has a fixed ceiling, so the
prompt at turn 2,000 is no larger than at turn 100.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from simulations.models import Turn

OBSERVATION_CHARS = 1_500
EVENT_CHARS = 700
ARGUMENT_CHARS = 600
SUMMARY_CHARS = 3_000
BRIEFING_CHARS = 1_800
FOLD_LINE_CHARS = 240


def clip(text: str, limit: int) -> str:
    text = text or ""
    if len(text) <= limit:
        return text
    return text[: limit - 40].rstrip() + f"\n… [{len(text) - limit + 40:,} more characters]"


def _safe(text: str) -> str:
    # The offline engine (and some proxies) look for the <context> tag; file text must not fake it.
    return text.replace("<context>", "‹context›").replace("</context>", "‹/context›")


def clipped_arguments(arguments: dict[str, Any] | None) -> str:
    """Arguments as JSON, long values shortened so the JSON stays valid and small. Keys are
    sorted: a JSON column gives them back in its own order (PostgreSQL's jsonb does), and the
    prompt must read the same whether the turn came from memory or from the database."""
    if arguments is None:
        return "{}"
    text = json.dumps(arguments, ensure_ascii=False, default=str, sort_keys=True)
    if len(text) <= ARGUMENT_CHARS:
        return text
    short: dict[str, Any] = {}
    for key, value in sorted(arguments.items()):
        raw = (
            value
            if isinstance(value, str)
            else json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
        )
        short[key] = raw if len(raw) <= 160 else f"{raw[:120]}… [{len(raw):,} characters]"
    return json.dumps(short, ensure_ascii=False, default=str)


# Turns the worker never sees: failed model calls, its own memory upkeep, the objective
# agent and the collaborators composing (only the mail that arrives is visible).
HIDDEN_ACTIONS = frozenset({"model_error", "condense", "compose_reply", "write_objectives"})


def is_model_failure(turn: Turn) -> bool:
    """A turn recording a model call that failed: not part of what the agent saw or did."""
    return turn.action == "model_error"


def history_messages(turns: Iterable[Turn]) -> list[dict[str, Any]]:
    """The turns since the summary as chat messages: the worker's own tool calls and their
    results, and everything else (mornings, mail arriving) as short event notes.

    A turn's messages never change, and the same turns make up the next thirty prompts, so
    each turn object keeps its own (treat them as read-only)."""
    messages: list[dict[str, Any]] = []
    for turn in turns:
        cached = turn.__dict__.get("_chat_messages")
        if cached is None:
            cached = turn._chat_messages = _turn_messages(turn)
        messages += cached
    return messages


def history_chars(turns: Iterable[Turn]) -> tuple[int, int]:
    """(how many messages, their JSON characters) that ``history_messages`` makes of
    ``turns``; each turn keeps its count."""
    count = chars = 0
    for turn in turns:
        cached = turn.__dict__.get("_chat_chars")
        if cached is None:
            messages = history_messages([turn])
            cached = turn._chat_chars = (len(messages), sum(map(json_chars, messages)))
        count += cached[0]
        chars += cached[1]
    return count, chars


def json_chars(message: dict[str, Any]) -> int:
    return len(json.dumps(message, ensure_ascii=False, default=str))


def turn_arguments(turn: Turn) -> str:
    """``clipped_arguments`` of a turn, kept on the turn object."""
    cached = turn.__dict__.get("_clipped_arguments")
    if cached is None:
        cached = turn._clipped_arguments = clipped_arguments(turn.arguments)
    return cached


def _turn_messages(turn: Turn) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    if turn.action in HIDDEN_ACTIONS:
        return messages
    if turn.actor == Turn.Actor.WORKER:
        call_id = turn.tool_call_id or f"call_{turn.seq}"
        if turn.action:
            raw = turn.raw_arguments if turn.arguments is None else turn_arguments(turn)
            messages.append(
                {
                    "role": "assistant",
                    "content": _safe(clip(turn.reasoning, 400)) or None,
                    "tool_calls": [
                        {
                            "id": call_id,
                            "type": "function",
                            "function": {
                                "name": turn.action,
                                "arguments": raw[:ARGUMENT_CHARS],
                            },
                        }
                    ],
                }
            )
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": call_id,
                    "content": _safe(clip(turn.observation, OBSERVATION_CHARS)),
                }
            )
        else:
            messages.append(
                {"role": "assistant", "content": _safe(clip(turn.reasoning, 400)) or "…"}
            )
            messages.append({"role": "user", "content": _safe(clip(turn.observation, EVENT_CHARS))})
    else:
        who = turn.actor_name or turn.actor
        messages.append(
            {
                "role": "user",
                "content": _safe(
                    f"[{turn.sim_time:%a %H:%M}] {who} — {turn.action}: "
                    f"{clip(turn.observation, EVENT_CHARS)}"
                ),
            }
        )
    return messages


def fold_line(turn: Turn) -> str:
    """One line per turn for the condensation prompt."""
    who = turn.actor if turn.actor == Turn.Actor.WORKER else (turn.actor_name or turn.actor)
    args = clipped_arguments(turn.arguments)[:120] if turn.arguments else ""
    outcome = ("ERROR " + turn.error) if turn.error else turn.observation
    line = f"#{turn.seq} | {turn.sim_time:%a %d %b %H:%M} | {who} | {turn.action} | {args} -> {outcome}"
    return " ".join(line.split())[:FOLD_LINE_CHARS]


def turns_to_fold(history: list[Turn], *, max_chars: int, keep_chars: int) -> list[Turn]:
    """Once the history's messages pass ``max_chars``, its oldest turns, as many as must go
    for at most ``keep_chars`` to remain; else none. Whole turns go, so a tool call never
    loses its result."""
    _, chars = history_chars(history)
    if chars <= max_chars:
        return []
    for n, turn in enumerate(history):
        if chars <= keep_chars:
            return history[:n]
        chars -= history_chars([turn])[1]
    return list(history)


CONTEXT_NOTE = "(Earlier turns are left out here: they no longer fit the model's context window.)"


def without_oldest_half(messages: list[dict[str, Any]], *, head: int, tail: int):
    """``messages`` with the older half of the history between the first ``head`` and the
    last ``tail`` messages left out (whole tool exchanges: a tool result never loses its
    call), and a note where they were; None when there is no history left to shorten. For a
    prompt an endpoint refused as too long: the turn goes on with less, and the next
    condensation folds the history for good."""
    history = messages[head : len(messages) - tail]
    if history and history[0].get("content") == CONTEXT_NOTE:
        history = history[1:]
    if not history:
        return None
    cut = len(history) // 2 or 1
    while cut < len(history) and history[cut].get("role") == "tool":
        cut += 1
    note = {"role": "user", "content": CONTEXT_NOTE}
    return [*messages[:head], note, *history[cut:], *messages[len(messages) - tail :]]
