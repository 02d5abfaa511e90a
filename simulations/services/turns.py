"""Committing a turn: one transaction for the turn row, its file changes, messages, objective
and simulation updates — guarded by the lease token and the expected seq — and only after
the commit, applying its file changes to the workspace."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from simulations import broadcast
from simulations.engine.draft import TurnDraft
from simulations.engine.sandbox import FileOp, Workspace
from simulations.models import Deliverable, FileChange, Message, Objective, Signal, Simulation, Turn
from simulations.services.objectives import (
    objective_record_scores,
    objective_refresh_status,
    objectives_create,
)
from studio.models import LLMCall


class LeaseLost(Exception):
    """Another worker holds the simulation now (or the turn was already committed)."""


def _create_turn(sim_id: int, seq: int, draft: TurnDraft) -> Turn:
    calls = [c for c in draft.llm_calls if c.pk is None]
    if calls:
        LLMCall.objects.bulk_create(calls)
    return Turn.objects.create(
        simulation_id=sim_id,
        seq=seq,
        actor=draft.actor,
        actor_name=draft.actor_name[:200],
        action=draft.action[:64],
        arguments=draft.arguments,
        raw_arguments=draft.raw_arguments[:20_000],
        tool_call_id=draft.tool_call_id,
        observation=draft.observation,
        reasoning=draft.reasoning,
        error=draft.error,
        is_retry=draft.is_retry,
        sim_time=draft.sim_time,
        sim_minutes=draft.sim_minutes,
        workday=draft.workday,
        prompt_tokens=draft.prompt_tokens,
        completion_tokens=draft.completion_tokens,
        cost_usd=draft.cost_usd,
        latency_ms=draft.latency_ms,
        prompt_chars=draft.prompt_chars,
        llm_call_id=draft.llm_calls[-1].pk if draft.llm_calls else None,
        signals=draft.signals,
    )


def _file_changes(turn: Turn, ops: list[FileOp]) -> None:
    FileChange.objects.bulk_create(
        FileChange(
            turn=turn,
            simulation_id=turn.simulation_id,
            seq=turn.seq,
            index=i,
            op=op.op,
            path=op.path,
            source_path=op.source_path,
            kind=op.kind,
            before_sha256=op.before_sha256,
            after_sha256=op.after_sha256,
            size=op.size,
            diff=op.diff,
        )
        for i, op in enumerate(ops)
    )


def _messages(turn: Turn, draft: TurnDraft) -> None:
    Message.objects.bulk_create(
        Message(
            simulation_id=turn.simulation_id,
            turn=turn,
            direction=m.direction,
            sender=m.sender[:200],
            sender_email=m.sender_email[:254],
            recipients=m.recipients,
            subject=m.subject[:500],
            body=m.body,
            attachments=m.attachments,
            in_reply_to_id=m.in_reply_to_id,
            deliverable_key=m.deliverable_key,
            sent_at=m.sent_at,
            delivered_at=m.delivered_at,
            meta=m.meta,
        )
        for m in draft.messages
    )
    for update in draft.message_updates:
        Message.objects.filter(pk=update.id, simulation_id=turn.simulation_id).update(
            **update.fields
        )


def _submission(turn: Turn, draft: TurnDraft) -> None:
    sub = draft.submission
    if sub is None:
        return
    deliverable = Deliverable.objects.get(simulation_id=turn.simulation_id, key=sub.key)
    Deliverable.objects.filter(pk=deliverable.pk).update(
        status=Deliverable.Status.SUBMITTED,
        submitted_path=sub.path,
        submitted_sha256=sub.sha256,
        submitted_seq=turn.seq,
        submitted_at=turn.sim_time + dt.timedelta(minutes=turn.sim_minutes),
        submissions=F("submissions") + 1,
        note=sub.note,
    )
    objective_refresh_status(objective_id=deliverable.objective_id)


def _signals(turn: Turn, draft: TurnDraft) -> None:
    if not draft.run_signals:
        return
    Signal.objects.filter(simulation_id=turn.simulation_id).delete()
    seqs = {s.seq for s in draft.run_signals if s.seq}
    turn_ids = dict(
        Turn.objects.filter(simulation_id=turn.simulation_id, seq__in=seqs).values_list("seq", "id")
    )
    Signal.objects.bulk_create(
        [
            Signal(
                simulation_id=turn.simulation_id,
                turn_id=turn_ids.get(s.seq),
                kind=s.kind,
                severity=s.severity,
                message=s.message,
                detail=s.detail,
            )
            for s in draft.run_signals
        ]
    )


def turn_commit(*, simulation: Simulation, lease_token: str, seq: int, draft: TurnDraft) -> Turn:
    """Record ``draft`` as turn ``seq`` in one transaction, then apply the turn's file ops to
    the workspace. Raises LeaseLost, writing nothing, if the lease moved on or turn ``seq``
    exists already."""
    fields = {k: v for k, v in draft.simulation.items() if k != "state"}
    new_state = draft.simulation.get("state")
    try:
        with transaction.atomic():
            updated = Simulation.objects.filter(
                pk=simulation.pk, lease_owner=lease_token, turn_count=seq - 1
            ).update(
                turn_count=seq,
                prompt_tokens=F("prompt_tokens") + draft.prompt_tokens,
                completion_tokens=F("completion_tokens") + draft.completion_tokens,
                cost_usd=F("cost_usd") + draft.cost_usd,
                attempts=1,
                updated_at=timezone.now(),
                **fields,
            )
            if updated != 1:
                raise LeaseLost(f"simulation {simulation.pk}: turn {seq} is not ours to commit")
            turn = _create_turn(simulation.pk, seq, draft)
            _file_changes(turn, draft.file_ops)
            _messages(turn, draft)
            _submission(turn, draft)
            if draft.objective_plan is not None:
                objectives_create(
                    simulation=simulation,
                    plan=draft.objective_plan,
                    start=simulation.sim_started_at,
                )
            if draft.judged is not None:
                objective_id, scores = draft.judged
                objective_record_scores(
                    objective=Objective.objects.get(pk=objective_id), scores=scores
                )
            _signals(turn, draft)
            if new_state:  # the run ends with this turn: its lease goes in the same commit
                Simulation.objects.filter(
                    pk=simulation.pk, state__in=Simulation.ACTIVE_STATES
                ).update(
                    state=new_state,
                    finished_at=timezone.now(),
                    lease_owner="",
                    lease_expires_at=None,
                    attempts=0,
                )
            transaction.on_commit(lambda: broadcast.turn_committed(turn))
            if new_state or "phase" in fields:
                transaction.on_commit(lambda: broadcast.simulation_changed(simulation.pk))
    except IntegrityError as exc:  # (simulation, seq) exists: someone else committed it
        raise LeaseLost(f"simulation {simulation.pk}: turn {seq} was already committed") from exc
    if draft.file_ops:
        end = draft.sim_time + dt.timedelta(minutes=draft.sim_minutes)
        _apply(simulation, lease_token, draft.file_ops, end)
    return turn


def _apply(simulation: Simulation, lease_token: str, ops: list[FileOp], end) -> None:
    """Apply committed ops only while the lease is still ours (checked under the workspace's
    lock): after it moved on, the next holder replays them and may have written since."""
    applied = Workspace(simulation.workspace_root).apply(
        ops,
        mtime=end.timestamp(),
        still_ours=lambda: Simulation.objects.filter(
            pk=simulation.pk, lease_owner=lease_token
        ).exists(),
    )
    if not applied:
        raise LeaseLost(f"simulation {simulation.pk}: the lease moved on before the files")


def workspace_replay_last_turn(*, simulation: Simulation, lease_token: str) -> int:
    """Re-apply the file changes of the last committed turn (idempotent). A process that died
    between a turn's commit and its apply left the workspace one turn behind; this repairs it."""
    changes = list(
        FileChange.objects.filter(simulation=simulation, seq=simulation.turn_count).order_by(
            "index"
        )
    )
    if not changes:
        return 0
    ops = [
        FileOp(
            op=c.op,
            path=c.path,
            source_path=c.source_path if c.op == "move" else "",
            kind=c.kind,
            before_sha256=c.before_sha256,
            after_sha256=c.after_sha256,
            size=c.size,
        )
        for c in changes
    ]
    turn = changes[0].turn
    _apply(simulation, lease_token, ops, turn.sim_time + dt.timedelta(minutes=turn.sim_minutes))
    return len(ops)
