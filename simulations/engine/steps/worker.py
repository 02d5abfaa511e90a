"""The worker's turn: its prompt, one model call, the first tool it called, the clock it moved
and the mail it sent."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db.models import Q

from simulations.engine import agents, clock, mailbox, memory, tools, worker_prompt
from simulations.engine.detectors import PastAction, turn_signals
from simulations.engine.draft import MessageDraft, MessageUpdate, TurnDraft
from simulations.engine.steps.failures import model_error
from simulations.engine.texts import text_of
from simulations.engine.world import World
from simulations.models import FileChange, Message, Simulation, Turn
from studio.models import ComputerFile

Phase = Simulation.Phase


def _search_index(world: World, query: str, limit: int) -> list[tuple[str, str]]:
    words = [w for w in query.split() if len(w) >= 2][:5]
    if not words:
        return []
    changed = set()
    for path, source in FileChange.objects.filter(simulation=world.sim).values_list(
        "path", "source_path"
    ):
        changed.add(path)
        if source and ":" not in source:
            changed.add(source)
    condition = Q()
    for word in words:
        condition &= Q(text__icontains=word)
    hits = []
    rows = (
        ComputerFile.objects.filter(
            condition, computer=world.sim.computer, scope=ComputerFile.Scope.HOME
        )
        .exclude(path__in=changed)
        .only("path", "text")[:limit]
    )
    for row in rows:
        hits.append((row.path, _snippet(row.text, words[0])))
    for path in sorted(changed):
        if len(hits) >= limit:
            break
        try:
            target = world.workspace.resolve(path)
            if not target.is_file():
                continue
            text = text_of(target, target.suffix.lstrip(".").lower(), max_chars=50_000)
        except Exception:  # noqa: BLE001, S112 - an unreadable file simply does not match
            continue
        if all(w.lower() in text.lower() for w in words):
            hits.append((path, _snippet(text, words[0])))
    return hits


def _snippet(text: str, word: str) -> str:
    at = text.lower().find(word.lower())
    start = max(0, at - 60)
    return " ".join(text[start : start + 160].split())


def tool_context(world: World, now: dt.datetime) -> tools.ToolContext:
    return tools.ToolContext(
        workspace=world.workspace,
        now=now,
        user=world.user,
        collaborators=world.collaborators,
        deliverables=world.deliverable_refs(),
        memory=dict(world.sim.memory or {}),
        inbox=world.inbox,
        search_index=partial(_search_index, world),
        text_of=text_of,
        mail_parent=lambda message_id: mailbox.mail_parent_get(
            simulation_id=world.sim.pk, message_id=message_id
        ),
        calendar_path=partial(mailbox.calendar_path_of, computer_id=world.sim.computer_id),
    )


def advance_clock(
    world: World, start: dt.datetime, minutes: int, mode: str, wait: int
) -> dt.datetime:
    now = start + dt.timedelta(minutes=minutes)
    if mode == "end_of_day":
        return clock.next_session_start(now)
    if mode == "next_message":
        arrival = world.next_delivery_at()
        if arrival is None or arrival > clock.day_end(now):
            return clock.next_session_start(now)
        now = max(now, arrival)
    elif mode == "wait":
        now += dt.timedelta(minutes=wait)
    if now >= clock.day_end(start):
        return clock.next_session_start(now)
    return now


def worker_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    history = world.history()
    messages = worker_prompt.worker_messages(world, history)
    start = world.now
    draft = TurnDraft(
        actor=Turn.Actor.WORKER,
        action="",
        actor_name=world.user.name,
        sim_time=start,
        prompt_chars=worker_prompt.prompt_chars(messages, history),
    )
    usage = agents.Usage()
    try:
        result = agents.worker_act(world, messages, seq=seq, attempt=attempt, usage=usage)
    except agents.gateway.LLMError as exc:
        failed = model_error(
            world,
            actor=Turn.Actor.WORKER,
            step="worker",
            error=str(exc),
            actor_name=world.user.name,
            usage=usage,
        )
        failed.prompt_chars = draft.prompt_chars
        return failed
    draft.model_usage(usage)
    if result.finish_reason == "length" or any(c.arguments is None for c in result.tool_calls):
        draft.signals.append("invalid_output")
    draft.reasoning = result.content or ""
    outcome = tools.ToolResult(observation="")
    minutes = 1
    if not result.tool_calls:
        draft.observation = (
            "(No tool was called. Act through the tools; to stop for today call "
            "advance_clock with until='end_of_day'.)"
        )
        draft.signals.append("no_action")
    else:
        call = result.tool_calls[0]
        draft.action = call.name[:64]
        draft.arguments = call.arguments
        draft.raw_arguments = call.raw_arguments if call.arguments is None else ""
        draft.tool_call_id = call.id[:100]
        outcome = tools.run_tool(
            tool_context(world, start), call.name, call.arguments, call.raw_arguments
        )
        if len(result.tool_calls) > 1:
            outcome.observation += (
                f"\n(Only the first of your {len(result.tool_calls)} tool calls "
                "ran: one tool per turn.)"
            )
        draft.observation = outcome.observation
        draft.error = outcome.error
        minutes = tools.minutes_for(call.name, call.arguments, outcome)
        recent = [
            PastAction(
                t.action,
                memory.turn_arguments(t) if t.arguments is not None else None,
                t.observation,
            )
            for t in history
            if t.actor == Turn.Actor.WORKER and t.action
        ]
        draft.signals += turn_signals(
            action=call.name,
            arguments=call.arguments,
            observation=outcome.observation,
            error=outcome.error,
            recent=recent,
        )
    done_at = start + dt.timedelta(minutes=minutes)
    draft.sim_minutes = minutes
    draft.file_ops = list(outcome.file_ops)
    for out in outcome.outgoing:
        headers = mailbox.mail_headers_new(simulation_id=world.sim.pk, parent=out.reply_to)
        sent = mailbox.Mail(
            subject=out.subject,
            body=out.body,
            sender=(world.user.name, world.user.email),
            to=[(p.name, p.email) for p in out.to],
            date=done_at,
            meta=headers,
        )
        folder = mailbox.sent_folder(world.mail_folder)
        sent_file = mailbox.mail_stage(world.workspace, mail=sent, folder=folder, taken=set())
        draft.file_ops.append(sent_file)
        draft.messages.append(
            MessageDraft(
                direction=Message.Direction.OUTGOING,
                sender=world.user.name,
                sender_email=world.user.email,
                recipients=[{"name": p.name, "email": p.email} for p in out.to],
                subject=out.subject,
                body=out.body,
                attachments=out.attachments,
                sent_at=done_at,
                delivered_at=done_at,
                deliverable_key=out.deliverable_key,
                in_reply_to_id=out.reply_to.id if out.reply_to else None,
                meta={**headers, "mail_file": sent_file.path},
            )
        )
    for message_id in outcome.read_message_ids:
        draft.message_updates.append(MessageUpdate(message_id, {"read_at": done_at}))
    draft.submission = outcome.submission
    draft.simulation = {
        "sim_now": advance_clock(world, start, minutes, outcome.clock, outcome.wait_minutes),
        "model_errors": 0,
    }
    if outcome.memory is not None:
        draft.simulation["memory"] = outcome.memory
    if outcome.finished:
        draft.simulation.update(phase=Phase.JUDGING, stop_reason="the worker finished its work")
    return draft
