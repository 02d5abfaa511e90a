"""Committing a turn: one transaction for the turn row, its file changes, messages, objective
and simulation updates — guarded by the lease token and the expected seq — and only after
the commit, applying its file changes to the workspace."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import orjson
import psycopg
from django.db import IntegrityError, connection, models, transaction
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
    turn = _turn(sim_id, seq, draft)
    turn.save(force_insert=True)
    return turn


def _turn(sim_id: int, seq: int, draft: TurnDraft) -> Turn:
    return Turn(
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


def _file_change_rows(sim_id: int, seq: int, turn: Turn | None, ops: list[FileOp]) -> list:
    return [
        FileChange(
            turn=turn,
            simulation_id=sim_id,
            seq=seq,
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
    ]


def _message_rows(sim_id: int, turn: Turn | None, draft: TurnDraft) -> list:
    return [
        Message(
            simulation_id=sim_id,
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
    ]


def _messages(turn: Turn, draft: TurnDraft) -> None:
    turn.new_messages = Message.objects.bulk_create(_message_rows(turn.simulation_id, turn, draft))
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


def _fits_one_statement(draft: TurnDraft) -> bool:
    """A turn that writes its row, at most one model call row, its file changes, messages
    and message updates, and simulation fields: nearly every turn of a run (submissions,
    objectives, scores, run signals and the end of a run take the ORM's transaction)."""
    updated = [u.id for u in draft.message_updates]
    return not (
        len(set(updated)) < len(updated)  # one statement may change a row only once
        or draft.submission is not None
        or draft.objective_plan is not None
        or draft.judged is not None
        or draft.run_signals
        or "state" in draft.simulation
        or sum(c.pk is None for c in draft.llm_calls) > 1
    )


def _insert_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


# Fields whose Python value is what the database driver binds (the ORM would only re-check it).
_AS_IS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.FloatField,
    models.BooleanField,
    models.ForeignKey,
)


_VALUE, _JSON, _ORM = range(3)  # how _prepped binds a field: as is, as JSON text, via the ORM


@functools.cache
def _binders(model) -> list[tuple[Any, int]]:
    def how(f) -> int:
        if isinstance(f, models.JSONField) and f.encoder is None:
            return _JSON
        if isinstance(f, _AS_IS) and not isinstance(f, models.DateTimeField):
            return _VALUE
        return _ORM

    return [(f, how(f)) for f in _insert_fields(model)]


def _prepped(obj, *, skip: str = "") -> list:
    """What the ORM would bind for an INSERT of ``obj`` (auto_now_add applied), without the
    column ``skip``. JSON goes as text for the column's ``::jsonb`` cast, encoded by orjson
    (the ORM's Jsonb wrapper ran json.dumps inside the driver); a value orjson refuses (an
    integer beyond 64 bits, say) takes the ORM's way."""
    values = []
    for f, how in _binders(type(obj)):
        if f.column == skip:
            continue
        value = getattr(obj, f.attname)
        if how == _JSON and value is not None:
            try:
                value = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
            except orjson.JSONEncodeError:
                value = f.get_db_prep_save(value, connection)
        elif how != _VALUE:
            value = f.get_db_prep_save(f.pre_save(obj, True), connection)
        values.append(value)
    return values


def _param(field) -> str:
    return f"%s::{field.cast_db_type(connection)}"


@functools.cache
def _statement(
    sim_fields: tuple[str, ...],
    with_call: bool,
    children: tuple[type, ...],
    updates: tuple[tuple[str, ...], ...],
) -> bytes:
    """The text of the one-statement commit for a turn of this shape (cached: a run has only
    a few shapes)."""
    qn = connection.ops.quote_name
    sets = "".join(
        f", {qn(f.column)} = {_param(f)}" for f in map(Simulation._meta.get_field, sim_fields)
    )
    sql = [
        f"WITH s AS (UPDATE {qn(Simulation._meta.db_table)} SET turn_count = %s::integer, "
        "prompt_tokens = prompt_tokens + %s::integer, "
        "completion_tokens = completion_tokens + %s::integer, "
        f"cost_usd = cost_usd + %s::double precision, attempts = 1{sets} "
        "WHERE id = %s::bigint AND lease_owner = %s::text AND turn_count = %s::integer "
        "RETURNING state, lease_owner, phase, turn_count)"
    ]
    turn_fields = _insert_fields(Turn)
    values = [_param(f) for f in turn_fields]
    if with_call:
        call_fields = _insert_fields(LLMCall)
        sql.append(
            f", c AS (INSERT INTO {qn(LLMCall._meta.db_table)} "
            f"({', '.join(qn(f.column) for f in call_fields)}) "
            f"SELECT {', '.join(_param(f) for f in call_fields)} FROM s RETURNING id)"
        )
        values[[f.column for f in turn_fields].index("llm_call_id")] = "(SELECT id FROM c)"
    sql.append(
        f", t AS (INSERT INTO {qn(Turn._meta.db_table)} "
        f"({', '.join(qn(f.column) for f in turn_fields)}) "
        f"SELECT {', '.join(values)} FROM s RETURNING id, llm_call_id)"
    )
    returned = []  # the ids of new messages (the world puts them in view without a query)
    for n, model in enumerate(children):
        fields = _insert_fields(model)
        exprs = ["t.id" if f.column == "turn_id" else _param(f) for f in fields]
        sql.append(
            f", i{n} AS (INSERT INTO {qn(model._meta.db_table)} "
            f"({', '.join(qn(f.column) for f in fields)}) SELECT {', '.join(exprs)} FROM t"
            + (" RETURNING id)" if model is Message else ")")
        )
        if model is Message:
            returned.append(f", (SELECT id FROM i{n})")
    for n, names in enumerate(updates):
        sets = ", ".join(
            f"{qn(f.column)} = {_param(f)}" for f in map(Message._meta.get_field, names)
        )
        sql.append(
            f", u{n} AS (UPDATE {qn(Message._meta.db_table)} SET {sets} WHERE id = %s::bigint "
            "AND simulation_id = %s::bigint AND EXISTS (SELECT 1 FROM t))"
        )
    sql.append(
        " SELECT t.id, t.llm_call_id, s.state, s.lease_owner, s.phase, s.turn_count"
        f"{''.join(returned)} FROM t, s"
    )
    # PostgreSQL's own numbered placeholders, for psycopg's RawCursor: the driver's parse
    # of ``%s`` placeholders is not cached for statements this long and was a quarter of
    # the commit's time.
    pieces = "".join(sql).split("%s")
    numbered = (f"{piece}${n}" for n, piece in enumerate(pieces[:-1], 1))
    return ("".join(numbered) + pieces[-1]).encode()


def _commit_one_statement(
    simulation: Simulation, lease_token: str, seq: int, draft: TurnDraft, fields: dict
) -> Turn:
    """The same writes as the transaction in ``turn_commit``, as one statement (PostgreSQL):
    the lease-guarded UPDATE, the call row, the turn row, its file changes, messages and
    message updates in data-modifying CTEs that write nothing unless the guard matched,
    returning the simulation's control fields, which spares the next turn its read of them.
    One round trip and one commit per turn, where the ORM took five round trips or more and,
    with the call's own autocommit, two commits.

    It binds its parameters on the server (psycopg's raw cursor, typed numbered
    placeholders): the ORM's client-side binding quoted the call's compressed body and the
    turn's texts into the SQL; the statement's text is built once per shape."""
    call = next((c for c in draft.llm_calls if c.pk is None), None)
    turn = _turn(simulation.pk, seq, draft)
    sim_fields = {"updated_at": timezone.now(), **fields}
    children = [
        *_file_change_rows(simulation.pk, seq, None, draft.file_ops),
        *_message_rows(simulation.pk, None, draft),
    ]
    sql = _statement(
        tuple(sim_fields),
        call is not None,
        tuple(type(row) for row in children),
        tuple(tuple(u.fields) for u in draft.message_updates),
    )
    params: list = [
        seq,
        draft.prompt_tokens,
        draft.completion_tokens,
        draft.cost_usd,
        *(
            Simulation._meta.get_field(name).get_db_prep_save(value, connection)
            for name, value in sim_fields.items()
        ),
        simulation.pk,
        lease_token,
        seq - 1,
    ]
    if call is not None:
        params += _prepped(call)
    params += _prepped(turn, skip="llm_call_id" if call is not None else "")
    for row in children:
        params += _prepped(row, skip="turn_id")
    for update in draft.message_updates:
        params += [
            Message._meta.get_field(name).get_db_prep_save(value, connection)
            for name, value in update.fields.items()
        ]
        params += [update.id, simulation.pk]
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.RawCursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise LeaseLost(f"simulation {simulation.pk}: turn {seq} is not ours to commit")
    turn.pk, turn.llm_call_id = row[0], row[1]
    if call is not None:
        call.pk = row[1]
    turn.control = row[2:6]
    turn.new_messages = [child for child in children if type(child) is Message]
    for message, pk in zip(turn.new_messages, row[6:], strict=True):
        message.pk, message.turn_id = pk, turn.pk
    return turn


def turn_commit(*, simulation: Simulation, lease_token: str, seq: int, draft: TurnDraft) -> Turn:
    """Record ``draft`` as turn ``seq``. Raises LeaseLost, writing nothing, if the lease moved
    on or turn ``seq`` exists already; then applies the turn's file ops to the workspace.

    The returned turn carries what the commit learnt for the engine's cached world:
    ``new_messages``, the Message rows it inserted (with their ids), and on the one-statement
    path ``control``, the simulation's state, lease owner, phase and turn count after it."""
    fields = {k: v for k, v in draft.simulation.items() if k != "state"}
    if (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and _fits_one_statement(draft)
    ):
        try:
            turn = _commit_one_statement(simulation, lease_token, seq, draft, fields)
        except IntegrityError as exc:
            raise LeaseLost(
                f"simulation {simulation.pk}: turn {seq} was already committed"
            ) from exc
        broadcast.turn_committed(turn)
        if "phase" in fields:
            broadcast.simulation_changed(Simulation.objects.get(pk=simulation.pk))
    else:
        turn = _commit_in_transaction(simulation, lease_token, seq, draft, fields)
    if draft.file_ops:
        end = draft.sim_time + dt.timedelta(minutes=draft.sim_minutes)
        Workspace(simulation.workspace_root).apply(draft.file_ops, mtime=end.timestamp())
    return turn


def _commit_in_transaction(
    simulation: Simulation, lease_token: str, seq: int, draft: TurnDraft, fields: dict
) -> Turn:
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
            FileChange.objects.bulk_create(
                _file_change_rows(simulation.pk, seq, turn, draft.file_ops)
            )
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
                transaction.on_commit(
                    lambda: broadcast.simulation_changed(Simulation.objects.get(pk=simulation.pk))
                )
    except IntegrityError as exc:  # (simulation, seq) exists: someone else committed it
        raise LeaseLost(f"simulation {simulation.pk}: turn {seq} was already committed") from exc
    return turn


def workspace_replay_last_turn(*, simulation: Simulation) -> int:
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
    end = turn.sim_time + dt.timedelta(minutes=turn.sim_minutes)
    Workspace(simulation.workspace_root).apply(ops, mtime=end.timestamp())
    return len(ops)
