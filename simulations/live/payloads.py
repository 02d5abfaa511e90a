"""The JSON the live page speaks: one builder per thing a researcher watches.

The same functions build what the broadcast sends after a commit, what the consumer replays
from the database, what the HTTP endpoints return and what the page embeds on its first
render — so a turn looks the same however it reached the browser. Everything generated
(observations, reasoning, arguments, mail) is untrusted text: the browser inserts it with
``textContent`` only. Long texts are cut here, with their full length, so a 10,000-turn
replay stays small; the full turn is one HTTP request away.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

OBSERVATION_PREVIEW = 2_000
REASONING_PREVIEW = 2_000
ERROR_PREVIEW = 2_000
ARGUMENT_PREVIEW = 600  # each string inside a turn's arguments
RAW_ARGUMENTS_PREVIEW = 1_000
BODY_PREVIEW = 2_000
REASON_PREVIEW = 400

# Turns after which objectives or deliverables may have changed (the engine's own names).
OBJECTIVE_ACTIONS = frozenset(
    {"write_objectives", "submit_deliverable", "score_objective", "retrospective"}
)


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _cut(text: str | None, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[:limit]


def _cut_json(value: Any, limit: int = ARGUMENT_PREVIEW, depth: int = 0) -> Any:
    """Arguments as sent by the model, with long strings and deep nesting cut."""
    if isinstance(value, str):
        if len(value) <= limit:
            return value
        return f"{value[:limit]}… ({len(value) - limit:,} more characters)"
    if depth >= 6:
        return "…"
    if isinstance(value, dict):
        items = list(value.items())
        cut = {str(k): _cut_json(v, limit, depth + 1) for k, v in items[:50]}
        if len(items) > 50:
            cut["…"] = f"{len(items) - 50} more keys"
        return cut
    if isinstance(value, list):
        cut = [_cut_json(v, limit, depth + 1) for v in value[:50]]
        if len(value) > 50:
            cut.append(f"… {len(value) - 50} more items")
        return cut
    return value


def _text(obj, field: str, limit: int) -> tuple[str, int]:
    """A text field cut to ``limit``, and its full length. A selector may have fetched only a
    prefix (``<field>_prefix``) and the length (``<field>_length``) instead of the field."""
    prefix = getattr(obj, f"{field}_prefix", None)
    if prefix is None:
        full = getattr(obj, field) or ""
        return _cut(full, limit), len(full)
    return _cut(prefix, limit), getattr(obj, f"{field}_length", None) or len(prefix)


def file_change_payload(change) -> dict[str, Any]:
    diff_length = getattr(change, "diff_length", None)
    if diff_length is None:
        diff_length = len(change.diff or "")
    return {
        "id": change.pk,
        "seq": change.seq,
        "op": change.op,
        "path": change.path,
        "source_path": change.source_path,
        "kind": change.kind,
        "size": change.size,
        "has_diff": bool(diff_length),
    }


def file_change_detail_payload(change) -> dict[str, Any]:
    return {
        **file_change_payload(change),
        "before_sha256": change.before_sha256,
        "after_sha256": change.after_sha256,
        "diff": change.diff,
    }


def message_payload(message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "seq": getattr(message, "turn_seq", None),  # the turn that wrote it (annotated)
        "direction": message.direction,
        "sender": message.sender,
        "recipients": [
            r.get("name") or r.get("email") or ""
            for r in (message.recipients or [])
            if isinstance(r, dict)
        ],
        "subject": message.subject,
        "body": _cut(message.body, BODY_PREVIEW),
        "body_length": len(message.body or ""),
        "attachments": [str(a) for a in (message.attachments or [])][:20],
        "deliverable": message.deliverable_key,
        "sent_at": _iso(message.sent_at),
        "delivered_at": _iso(message.delivered_at),
        "delivered_seq": message.delivered_seq,
        "read": message.read_at is not None,
    }


def turn_payload(turn, *, file_changes: Iterable = (), messages: Iterable = ()) -> dict[str, Any]:
    """One turn as the timeline shows it; ``file_changes`` are the turn's FileChange rows and
    ``messages`` the Message rows it created or delivered."""
    arguments = _cut_json(turn.arguments) if turn.arguments is not None else None
    observation, observation_length = _text(turn, "observation", OBSERVATION_PREVIEW)
    reasoning, reasoning_length = _text(turn, "reasoning", REASONING_PREVIEW)
    raw_arguments, _ = _text(turn, "raw_arguments", RAW_ARGUMENTS_PREVIEW)
    error, _ = _text(turn, "error", ERROR_PREVIEW)
    return {
        "seq": turn.seq,
        "actor": turn.actor,
        "actor_name": turn.actor_name,
        "action": turn.action,
        "arguments": arguments,
        "raw_arguments": "" if arguments is not None else raw_arguments,
        "observation": observation,
        "observation_length": observation_length,
        "reasoning": reasoning,
        "reasoning_length": reasoning_length,
        "error": error,
        "is_retry": turn.is_retry,
        "sim_time": _iso(turn.sim_time),
        "sim_minutes": turn.sim_minutes,
        "workday": turn.workday,
        "prompt_tokens": turn.prompt_tokens,
        "completion_tokens": turn.completion_tokens,
        "cost_usd": round(turn.cost_usd, 6),
        "latency_ms": turn.latency_ms,
        "signals": [str(s) for s in (turn.signals or [])],
        "file_changes": [file_change_payload(c) for c in file_changes],
        "messages": [message_payload(m) for m in messages],
    }


def turn_detail_payload(turn) -> dict[str, Any]:
    """The whole turn, uncut (the page asks for it when a reader expands a long turn)."""
    return {
        "seq": turn.seq,
        "arguments": turn.arguments,
        "raw_arguments": turn.raw_arguments,
        "observation": turn.observation,
        "reasoning": turn.reasoning,
        "error": turn.error,
    }


STATUS_FIELDS = (
    "id",
    "state",
    "phase",
    "turn_count",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "sim_now",
    "workday",
    "error",
    "stop_reason",
    "finished_at",
)


def status_payload(values: dict[str, Any]) -> dict[str, Any]:
    """The header's figures, from a Simulation row or ``.values(*STATUS_FIELDS)``."""
    return {
        "simulation": values["id"],
        "state": values["state"],
        "phase": values["phase"],
        "turn_count": values["turn_count"],
        "prompt_tokens": values["prompt_tokens"],
        "completion_tokens": values["completion_tokens"],
        "tokens": values["prompt_tokens"] + values["completion_tokens"],
        "cost_usd": round(values["cost_usd"], 6),
        "sim_now": _iso(values["sim_now"]),
        "workday": values["workday"],
        "error": _cut(values["error"], ERROR_PREVIEW),
        "stop_reason": values["stop_reason"],
        "finished": values["state"] in ("completed", "failed", "cancelled"),
    }


def status_payload_of(simulation) -> dict[str, Any]:
    return status_payload({f: getattr(simulation, "pk" if f == "id" else f) for f in STATUS_FIELDS})


def deliverable_payload(deliverable) -> dict[str, Any]:
    return {
        "key": deliverable.key,
        "title": deliverable.title,
        "kind": deliverable.kind,
        "path": deliverable.path,
        "status": deliverable.status,
        "due_date": _iso(deliverable.due_date),
        "submitted_at": _iso(deliverable.submitted_at),
        "submitted_path": deliverable.submitted_path,
        "submitted_seq": deliverable.submitted_seq,
        "submissions": deliverable.submissions,
        "score": deliverable.score,
        "max_score": deliverable.max_score,
        "judge_reasons": [
            {
                "item": r.get("item"),
                "tag": r.get("tag"),
                "awarded": r.get("awarded"),
                "points": r.get("points"),
                "reason": _cut(str(r.get("reason") or ""), REASON_PREVIEW),
            }
            for r in (deliverable.judge_reasons or [])
            if isinstance(r, dict)
        ],
    }


def objective_payload(objective, deliverables: Iterable) -> dict[str, Any]:
    return {
        "key": objective.key,
        "title": objective.title,
        "status": objective.status,
        "target_date": _iso(objective.target_date),
        "reviewer": objective.reviewer,
        "score": objective.score,
        "max_score": objective.max_score,
        "deliverables": [deliverable_payload(d) for d in deliverables],
    }


# -- the messages on the socket (see README: Live) -------------------------------------------


def turn_message(turn: dict[str, Any]) -> dict[str, Any]:
    return {"type": "turn", "turn": turn}


def status_message(status: dict[str, Any]) -> dict[str, Any]:
    return {"type": "status", "status": status}


def objectives_message(objectives: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "objectives", "objectives": objectives}


def replay_message(*, after: int, upto: int, more: bool) -> dict[str, Any]:
    return {"type": "replay", "after": after, "upto": upto, "more": more}
