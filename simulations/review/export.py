"""Export trajectories as training data: JSONL, one simulation per line, in the OpenAI chat
format with tool calls.

Each line holds

- ``messages``: what the worker agent saw and produced. The system prompt and the month
  message (who the worker is, its objectives) are taken from the worker's first model call
  as the gateway logged it (LLMCall request bodies); then every turn the worker could see,
  rendered exactly as the engine's ``memory.history_messages`` renders its history (tool
  results and event notes clipped as the worker saw them) — except the assistant messages,
  which carry the worker's full reasoning and full tool-call arguments, because those are what
  the model produced;
- ``tools``: the worker's tool specs; ``parallel_tool_calls``: false (one tool per turn);
- ``metadata``: persona, computer, objectives and rubric, models per role, the skill version,
  experiment arm and worker prompt variant the run had, the policy applied;
- ``signals``: process signals per turn (tool errors, retries, loops, invalid output, and the
  annotators' labels) and outcome signals per deliverable (judge scores against the rubric).

Trajectories any researcher flagged bad are excluded. Turns carrying a label marked "bad" are
handled by a policy: ``drop`` leaves the whole trajectory out, ``cut`` keeps the trajectory up
to (not including) the first such turn. The policy is written in every line's metadata and in
the manifest. Simulations are read in batches (simulations/review/export_batch.py: the turns of
a batch stream from one query, everything else is one query per batch) and records are built
one trajectory at a time: an export of any size holds one trajectory in memory. The parts of
the metadata that describe the run are simulations/review/export_metadata.py's. Lines are
compact JSON (orjson: no spaces after separators).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from itertools import islice
from typing import Any

import orjson
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from simulations.access import visible_simulations
from simulations.engine import memory
from simulations.engine.tools import TOOL_SPECS
from simulations.models import Simulation, Turn
from simulations.review import export_batch, export_metadata
from simulations.review.models import TrajectoryFlag
from simulations.review.selectors import SimulationFilters, simulations_filtered

FORMAT = "synthetic-computers/openai-chat-tools/v1"
SIMULATION_CHUNK = 10
# The worker never sees these: the objective agent's and the judge's work happens outside its
# computer, and "stop" is recorded after its last action.
UNSEEN_ACTORS = frozenset({Turn.Actor.OBJECTIVE, Turn.Actor.JUDGE})
UNSEEN_ACTIONS = memory.HIDDEN_ACTIONS | {"stop"}


class BadTurnPolicy(StrEnum):
    DROP = "drop"  # a trajectory with a bad-labelled turn is left out
    CUT = "cut"  # a trajectory is cut before its first bad-labelled turn


POLICY_TEXT = {
    BadTurnPolicy.DROP: "trajectories with a turn labelled bad are left out",
    BadTurnPolicy.CUT: "trajectories are cut before their first turn labelled bad",
}


@dataclass
class ExportStats:
    written: int = 0
    cut: int = 0
    dropped_bad_label: int = 0
    empty: int = 0  # nothing the worker did was left (cut at its first action)
    excluded_flagged_bad: int = 0
    messages: int = 0
    simulation_ids: list[int] = field(default_factory=list)


# -- which simulations ---------------------------------------------------------------------------


def _bad_flags():
    return TrajectoryFlag.objects.filter(simulation=OuterRef("pk"), flag=TrajectoryFlag.Flag.BAD)


def export_candidates(
    *, user=None, filters: SimulationFilters, simulation_ids: list[int] | None = None
) -> QuerySet[Simulation]:
    """The simulations the filters select (those ``user`` can see; all when None), before the
    flagged-bad ones are taken out."""
    base = Simulation.objects.all() if user is None else visible_simulations(user)
    sims = simulations_filtered(simulations=base, filters=filters)
    if simulation_ids:
        sims = sims.filter(pk__in=simulation_ids)
    return sims


def export_queryset(candidates: QuerySet[Simulation]) -> QuerySet[Simulation]:
    """The candidates minus every trajectory flagged bad, ready to stream."""
    return (
        candidates.filter(~Exists(_bad_flags()))
        .select_related("computer", "computer__persona", "skill_version", "experiment_run")
        .defer("memory", "summary", "briefing", "error_detail")
        .order_by("pk")
    )


def flagged_bad_count(candidates: QuerySet[Simulation]) -> int:
    return candidates.filter(Exists(_bad_flags())).count()


# -- one trajectory ------------------------------------------------------------------------------


def seen_by_worker(turn: export_batch.TurnRow) -> bool:
    return turn.actor not in UNSEEN_ACTORS and turn.action not in UNSEEN_ACTIONS


def turn_messages(turn: export_batch.TurnRow) -> list[dict[str, Any]]:
    """The messages one turn adds to the worker's conversation. Event notes and tool results
    are exactly what the engine showed the worker; assistant messages are what it produced."""
    messages = memory.history_messages([turn])
    if turn.actor != Turn.Actor.WORKER or not messages:
        return messages
    assistant = dict(messages[0])
    if turn.action:
        arguments = (
            turn.raw_arguments
            if turn.arguments is None
            else json.dumps(turn.arguments, ensure_ascii=False)
        )
        call = dict(assistant["tool_calls"][0])
        call["function"] = {"name": turn.action, "arguments": arguments}
        assistant["tool_calls"] = [call]
        assistant["content"] = turn.reasoning or None
    else:
        assistant["content"] = turn.reasoning or "…"
    return [assistant, *messages[1:]]


def trajectory_record(
    sim: Simulation,
    *,
    turns: Iterable[export_batch.TurnRow],
    batch: export_batch.Batch,
    policy: BadTurnPolicy,
    bad_label_names: list[str],
) -> tuple[dict[str, Any] | None, str]:
    """One JSONL record from the simulation's turns in seq order, or (None, why) when the
    policy leaves the trajectory out."""
    labels_by_seq = batch.labels.get(sim.pk, {})
    first_bad = batch.first_bad.get(sim.pk)
    if first_bad is not None and policy == BadTurnPolicy.DROP:
        return None, "bad_label"
    cut_before = first_bad if policy == BadTurnPolicy.CUT else None
    messages, context_source = export_metadata.first_context(
        sim, batch.requests.get(sim.pk), batch.objectives.get(sim.pk, [])
    )
    per_turn: list[dict[str, Any]] = []
    last_seq = 0
    assistant_turns = 0
    for turn in turns:
        if cut_before is not None and turn.seq >= cut_before:
            break
        last_seq = turn.seq
        index = None
        if seen_by_worker(turn):
            added = turn_messages(turn)
            if added:
                index = len(messages)
                messages.extend(added)
                assistant_turns += turn.actor == Turn.Actor.WORKER
        if (
            index is not None
            or turn.actor == Turn.Actor.WORKER
            or turn.signals
            or turn.error
            or turn.seq in labels_by_seq
        ):
            per_turn.append(
                {
                    "seq": turn.seq,
                    "actor": turn.actor,
                    "action": turn.action,
                    "message_index": index,
                    "flags": list(turn.signals or []),
                    "error": bool(turn.error),
                    "retry": turn.is_retry,
                    "sim_time": turn.sim_time.isoformat(),
                    "sim_minutes": turn.sim_minutes,
                    "tokens": turn.prompt_tokens + turn.completion_tokens,
                    "labels": labels_by_seq.get(turn.seq, []),
                }
            )
    if not assistant_turns:
        return None, "empty"
    objectives, deliverables = export_metadata.objectives(batch.objectives.get(sim.pk, []))
    outcome = sim.outcome or {}
    metadata = {
        "format": FORMAT,
        "simulation_id": sim.pk,
        "state": sim.state,
        "stop_reason": sim.stop_reason,
        "seed": sim.seed,
        "turns": {
            "total": sim.turn_count,
            "exported_up_to_seq": last_seq,
            "assistant_turns": assistant_turns,
        },
        "persona": export_metadata.persona(sim),
        "computer": export_metadata.computer(sim),
        "objectives": objectives,
        "models": {role: list(v) for role, v in batch.models.get(sim.pk, {}).items()},
        **export_metadata.learning(sim),
        "llm_backend": sim.llm_backend,
        "context_source": context_source,
        "policy": {
            "flagged_bad_trajectories": "excluded",
            "bad_turns": policy.value,
            "bad_turns_rule": POLICY_TEXT[policy],
            "bad_labels": bad_label_names,
            "cut_before_seq": cut_before,
            "truncated": cut_before is not None,
        },
        "flags": batch.flags.get(sim.pk, []),
    }
    signals = {
        "process": {"turns": per_turn, "totals": outcome.get("process") or {}},
        "outcome": {
            "applies_to": "the full run" if cut_before is not None else "this trajectory",
            "deliverables": deliverables,
            "objectives": [
                {k: o[k] for k in ("key", "title", "status", "score", "max_score")}
                for o in objectives
            ],
            "score": outcome.get("score"),
            "max_score": outcome.get("max_score"),
            "score_pct": outcome.get("score_pct"),
            "deliverables_submitted": outcome.get("deliverables_submitted"),
            "failure_modes": outcome.get("failure_modes", {}),
            "run_signals": batch.signals.get(sim.pk, []),
            "lessons": (sim.retrospective or {}).get("lessons", []),
        },
    }
    record = {
        "messages": messages,
        "tools": TOOL_SPECS,
        "parallel_tool_calls": False,
        "metadata": metadata,
        "signals": signals,
    }
    return record, "cut" if cut_before is not None else ""


# -- the stream ----------------------------------------------------------------------------------


def bad_label_names() -> list[str]:
    from simulations.review.models import Label

    return list(
        Label.objects.filter(is_bad=True).order_by("order", "name").values_list("name", flat=True)
    )


def export_records(
    simulations: QuerySet[Simulation], *, policy: BadTurnPolicy, stats: ExportStats | None = None
) -> Iterator[dict[str, Any]]:
    """The records in id order, one trajectory built at a time (JSONL lines and parquet rows
    are made of them). Simulations are read in batches: the turns of a batch stream from one
    query ordered by (simulation, seq), what else the records need is one query per batch."""
    stats = stats if stats is not None else ExportStats()
    names = bad_label_names()
    sims = (
        simulations.annotate(first_worker_call=export_batch.first_worker_call())
        .order_by("pk")
        .iterator(chunk_size=SIMULATION_CHUNK)
    )
    while chunk := list(islice(sims, SIMULATION_CHUNK)):
        batch = export_batch.batch_read(chunk)
        dropped = batch.first_bad if policy == BadTurnPolicy.DROP else {}
        groups = export_batch.turns_by_simulation(
            [sim.pk for sim in chunk if sim.pk not in dropped]
        )
        group = next(groups, None)
        for sim in chunk:
            while group is not None and group[0] < sim.pk:
                group = next(groups, None)
            turns = group[1] if group is not None and group[0] == sim.pk else iter(())
            record, why = trajectory_record(
                sim, turns=turns, batch=batch, policy=policy, bad_label_names=names
            )
            if record is None:
                if why == "bad_label":
                    stats.dropped_bad_label += 1
                else:
                    stats.empty += 1
                continue
            stats.written += 1
            stats.cut += why == "cut"
            stats.messages += len(record["messages"])
            stats.simulation_ids.append(sim.pk)
            yield record


def record_json(value: Any) -> str:
    """A record (or a part of one) as compact JSON text, as the JSONL lines and the parquet
    columns hold it: orjson, since encoding is a large share of an export's time."""
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def export_lines(
    simulations: QuerySet[Simulation], *, policy: BadTurnPolicy, stats: ExportStats | None = None
) -> Iterator[str]:
    """JSONL lines (each ending in a newline), one trajectory at a time."""
    for record in export_records(simulations, policy=policy, stats=stats):
        yield record_json(record) + "\n"


def export_chunks(lines: Iterator[str], *, chunk_bytes: int = 256 * 1024) -> Iterator[str]:
    """Lines grouped into chunks of about ``chunk_bytes`` (fewer, larger writes)."""
    buffer: list[str] = []
    size = 0
    for line in lines:
        buffer.append(line)
        size += len(line)
        if size >= chunk_bytes:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def manifest(
    *,
    policy: BadTurnPolicy,
    filters: SimulationFilters,
    stats: ExportStats | None = None,
    candidates: int | None = None,
    flagged_bad: int | None = None,
) -> dict[str, Any]:
    """What an export holds and how it was made; the CLI writes it beside the file."""
    tools_digest = hashlib.sha256(json.dumps(TOOL_SPECS, sort_keys=True).encode()).hexdigest()
    out: dict[str, Any] = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "policy": {
            "flagged_bad_trajectories": "excluded",
            "bad_turns": policy.value,
            "bad_turns_rule": POLICY_TEXT[policy],
            "bad_labels": bad_label_names(),
        },
        "filters": {k: v for k, v in asdict(filters).items() if v not in ("", None)},
        "tools_sha256": tools_digest,
        "messages": "system + the worker's first situation message, then every turn the worker "
        "saw, with its own full tool calls (see simulations/review/export.py)",
    }
    if candidates is not None:
        out["candidates"] = candidates
    if flagged_bad is not None:
        out["excluded_flagged_bad"] = flagged_bad
    if stats is not None:
        out |= {
            "written": stats.written,
            "cut": stats.cut,
            "dropped_bad_label": stats.dropped_bad_label,
            "empty_after_policy": stats.empty,
            "messages_total": stats.messages,
            "simulation_ids": stats.simulation_ids,
        }
    return out


def export_filename(now: dt.datetime | None = None) -> str:
    return f"trajectories-{(now or timezone.now()):%Y%m%d-%H%M%S}.jsonl"
