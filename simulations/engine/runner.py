"""One step of a simulation: decide what happens next and build its turn (not yet committed).

The next step follows from the state in the database alone, so any worker can take over:

    objectives -> work (condense | compose a reply | deliver mail | start the day | worker acts)
               -> stop (budget, turn limit, month over; or the worker finished)
               -> judge each objective -> retrospective -> done
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db.models import Count, Q

from simulations.engine import agents, clock, findings, mailbox, memory, tools, worker_prompt
from simulations.engine.computer_objectives import computer_objectives_plan
from simulations.engine.detectors import PastAction, turn_signals
from simulations.engine.draft import MessageDraft, MessageUpdate, TurnDraft
from simulations.engine.sandbox import FileOp, SandboxError
from simulations.engine.texts import text_of
from simulations.engine.world import World
from simulations.learning.plans import shared_plan_of
from simulations.models import FileChange, Message, Objective, Simulation, Turn
from studio.models import ComputerFile

Phase = Simulation.Phase
LOOKAHEAD_WORKDAYS = 5


def stop_reason(world: World) -> str:
    sim = world.sim
    options = sim.options
    if sim.turn_count >= options.max_turns:
        return f"turn limit reached ({options.max_turns:,} turns)"
    if options.max_tokens and sim.tokens >= options.max_tokens:
        return f"token budget reached ({sim.tokens:,} of {options.max_tokens:,} tokens)"
    if options.max_cost_usd and sim.cost_usd >= options.max_cost_usd:
        return f"cost budget reached (${sim.cost_usd:.2f} of ${options.max_cost_usd:.2f})"
    if sim.sim_now >= world.month_end:
        return "the month is over"
    return ""


def next_step(world: World) -> str:
    sim = world.sim
    if sim.phase == Phase.OBJECTIVES:
        return "objectives"
    if sim.phase == Phase.WORK:
        if stop_reason(world):
            return "stop"
        if _turns_to_fold(world):
            return "condense"
        if world.pending_reply():
            return "compose"
        if world.due_deliveries():
            return "deliver"
        if sim.workday < world.current_workday():
            return "day_start"
        return "worker"
    if sim.phase in (Phase.JUDGING, Phase.RETROSPECTIVE):
        if any(o.status != Objective.Status.JUDGED for o in world.objectives):
            return "judge"
        return "retrospective"
    return "done"


def build_turn(world: World, step: str, *, seq: int) -> TurnDraft:
    attempt = world.sim.model_errors
    builder = _STEPS[step]
    draft = builder(world, seq=seq, attempt=attempt)
    draft.workday = draft.simulation.get("workday") or world.sim.workday
    draft.is_retry = draft.is_retry or attempt > 0
    retried_calls = any(len(call.attempts) > 1 for call in draft.llm_calls)
    if (draft.is_retry or retried_calls) and "retry" not in draft.signals:
        draft.signals.append("retry")
    return draft


# -- failures of a model call ----------------------------------------------------------------


def _model_error(
    world: World, *, actor: str, step: str, error: str, usage=None, actor_name: str = ""
) -> TurnDraft:
    draft = TurnDraft(
        actor=actor,
        action="model_error",
        actor_name=actor_name,
        sim_time=world.now,
        arguments={"step": step},
        error=error[:4000],
        signals=["model_error"],
        simulation={"model_errors": world.sim.model_errors + 1},
    )
    if usage is not None:
        _usage(draft, usage)
    return draft


def _usage(draft: TurnDraft, usage: agents.Usage) -> None:
    draft.model_usage(usage)
    if usage.invalid:
        draft.signals.append("reask")


# -- the objective agent ---------------------------------------------------------------------------


def objectives_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    # An experiment's follower works on the plan its computer's leader run was given.
    plan, usage, lines = shared_plan_of(simulation=world.sim), agents.Usage(), []
    if plan is not None:
        lines.append(f"(shared plan {world.sim.shared_plan_id}, as the other arms have it)")
    elif world.sim.options.computer_objectives:
        plan = computer_objectives_plan(
            computer=world.sim.computer,
            start=world.sim.sim_started_at,
            workdays=world.sim.options.workdays,
        )
        lines.append("(the computer's own monthly objectives)")
    else:
        plan, usage, error = agents.write_objectives(world, seq=seq, attempt=attempt)
        if plan is None:
            return _model_error(
                world, actor="objective", step="objectives", error=error, usage=usage
            )
    for n, objective in enumerate(plan.objectives, start=1):
        outputs = ", ".join(d.path for d in objective.deliverables)
        lines.append(
            f"O{n} {objective.title} (workday {objective.target_workday}, reviewer "
            f"{objective.reviewer}): {outputs}"
        )
    draft = TurnDraft(
        actor="objective",
        action="write_objectives",
        sim_time=world.now,
        observation="\n".join(lines),
        objective_plan=plan,
        simulation={"phase": Phase.WORK, "model_errors": 0},
    )
    _usage(draft, usage)
    return draft


# -- the worker --------------------------------------------------------------------------------------


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
        failed = _model_error(
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


# -- the day, mail and memory -------------------------------------------------------------------------


def _briefing(world: World, workday: int) -> str:
    sim, now = world.sim, world.now
    previous = (
        Turn.objects.filter(simulation=sim, action="day_start")
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    ) or 0
    lines = [f"Good morning. It is {now:%A %d %B %Y}, workday {workday} of {sim.options.workdays}."]
    if workday == 1:
        lines.append(
            "This is the first day of the month's work: your objectives are in `objectives`."
        )
    if now.weekday() == 0 or workday == 1:
        lines.append(
            "A new week begins: write this week's plan with update_memory(key='weekly_plan')."
        )
    arrived = list(
        Message.objects.filter(
            simulation=sim, direction=Message.Direction.INCOMING, delivered_seq__gt=previous
        ).values_list("sender", "subject")[:8]
    )
    unread = world.unread_count()
    if arrived:
        lines.append(
            "Mail since your last session: "
            + "; ".join(f"{s}: {subj!r}" for s, subj in arrived)
            + f" ({unread} unread)."
        )
    elif unread:
        lines.append(f"{unread} unread message(s) in your inbox.")
    shared = list(
        FileChange.objects.filter(
            simulation=sim, op=FileChange.Op.SHARE, seq__gt=previous
        ).values_list("path", flat=True)[:8]
    )
    if shared:
        lines.append("Files shared with you: " + ", ".join(shared) + ".")
    if previous:
        actions = dict(
            Turn.objects.filter(simulation=sim, actor=Turn.Actor.WORKER, seq__gt=previous)
            .exclude(action__in=["", "model_error"])
            .values_list("action")
            .annotate(n=Count("id"))
            .order_by()
        )
        written = sorted(
            set(
                FileChange.objects.filter(simulation=sim, seq__gt=previous)
                .exclude(op=FileChange.Op.SHARE)
                .values_list("path", flat=True)
            )
        )[:8]
        if actions:
            summary = ", ".join(
                f"{n} {a}" for a, n in sorted(actions.items(), key=lambda kv: -kv[1])
            )
            lines.append(f"In your last session you did: {summary}.")
        if written:
            lines.append("Files you changed: " + ", ".join(written) + ".")
    horizon = clock.nth_workday(sim.sim_started_at, workday + LOOKAHEAD_WORKDAYS)
    due = [d for d in world.deliverables if d.status != "submitted" and d.due_date <= horizon]
    if due:
        lines.append(
            "Due soon: "
            + "; ".join(f"{d.key} {d.title} ({d.path}) due {d.due_date:%a %d %b}" for d in due)
            + "."
        )
    lines.append(f"The month ends on {world.month_end:%A %d %B}.")
    return "\n".join(lines)


def day_start_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    workday = world.current_workday()
    briefing = _briefing(world, workday)
    return TurnDraft(
        actor=Turn.Actor.SYSTEM,
        action="day_start",
        sim_time=world.now,
        observation=briefing,
        arguments={"workday": workday},
        simulation={"workday": workday, "briefing": briefing},
    )


def compose_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    message, recipient = world.pending_reply()
    person = world.collaborator(recipient["name"])
    reply, usage, error = agents.collaborator_reply(
        world, message, person, seq=seq, attempt=attempt
    )
    if reply is None:
        return _model_error(
            world,
            actor=Turn.Actor.COLLABORATOR,
            step="compose",
            error=error,
            usage=usage,
            actor_name=person["name"],
        )
    arrives = clock.within_office_hours(world.now + dt.timedelta(minutes=reply.reply_after_minutes))
    shares = [{"owner": person["name"], "path": path} for path in dict.fromkeys(reply.share_files)]
    answered_by = [*message.meta.get("answered_by", []), person["name"]]
    everyone = {r["name"] for r in message.recipients if world.collaborator(r["name"])}
    draft = TurnDraft(
        actor=Turn.Actor.COLLABORATOR,
        action="compose_reply",
        actor_name=person["name"],
        sim_time=world.now,
        arguments={"message": message.pk, "reply_after_minutes": reply.reply_after_minutes},
        reasoning=reply.body,
        observation=(
            f"{person['name']} answers {message.subject!r}; the reply arrives "
            f"{arrives:%a %d %b %H:%M}" + (f" with {len(shares)} shared file(s)" if shares else "")
        ),
        messages=[
            MessageDraft(
                direction=Message.Direction.INCOMING,
                sender=person["name"],
                sender_email=person.get("email", ""),
                recipients=[{"name": world.user.name, "email": world.user.email}],
                subject=mailbox.reply_subject(message.subject),
                body=reply.body,
                sent_at=arrives,
                deliverable_key=message.deliverable_key,
                in_reply_to_id=message.pk,
                meta={
                    "corrections": [c.model_dump() for c in reply.corrections],
                    "shares": shares,
                    **mailbox.mail_headers_new(
                        simulation_id=world.sim.pk, parent=mailbox.mail_parent_of(message)
                    ),
                },
            )
        ],
        message_updates=[
            MessageUpdate(
                message.pk,
                {
                    "meta": {**message.meta, "answered_by": answered_by},
                    "answered": everyone <= set(answered_by),
                },
            )
        ],
        simulation={"model_errors": 0},
    )
    _usage(draft, usage)
    return draft


def _mail_file(world: World, message: Message, taken: set[str]) -> FileOp:
    mail = mailbox.Mail(
        subject=message.subject,
        body=message.body,
        sender=(message.sender, message.sender_email),
        to=[(r["name"], r.get("email", "")) for r in message.recipients],
        date=message.sent_at,
        meta={
            "message_id": mailbox.message_id_of(message),
            "references": message.meta.get("references", []),
        },
    )
    return mailbox.mail_stage(world.workspace, mail=mail, folder=world.mail_folder, taken=taken)


def deliver_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    due = world.due_deliveries()
    ops: list[FileOp] = []
    updates: list[MessageUpdate] = []
    lines: list[str] = []
    taken: set[str] = set()
    for message in due:
        arrived = []
        for share in message.meta.get("shares", []):
            try:
                source = world.private_file_path(share["owner"], share["path"])
                name = source.name
                dest = f"{world.shared_folder(share['owner'])}/{name}"
                while dest.lower() in taken:
                    dest = f"{world.shared_folder(share['owner'])}/{len(taken)} {name}"
                op = world.workspace.stage_share(source, dest)
            except (OSError, SandboxError, ValueError) as exc:
                lines.append(f"(a file {message.sender} meant to share could not be copied: {exc})")
                continue
            op.source_path = f"{share['owner']}:{share['path']}"
            taken.add(op.path.lower())
            ops.append(op)
            arrived.append(op.path)
        mail = _mail_file(world, message, taken)
        ops.append(mail)
        updates.append(
            MessageUpdate(
                message.pk,
                {
                    "delivered_at": message.sent_at,
                    "delivered_seq": seq,
                    "attachments": arrived,
                    "meta": {**message.meta, "mail_file": mail.path},
                },
            )
        )
        lines.append(
            f"New mail from {message.sender}: {message.subject!r}"
            + (f" — shared: {', '.join(arrived)}" if arrived else "")
        )
    senders = ", ".join(dict.fromkeys(m.sender for m in due))
    return TurnDraft(
        actor=Turn.Actor.COLLABORATOR,
        action="deliver_mail",
        actor_name=senders[:200],
        sim_time=world.now,
        observation="\n".join(lines),
        arguments={"messages": [m.pk for m in due]},
        file_ops=ops,
        message_updates=updates,
    )


def _turns_to_fold(world: World) -> list[Turn]:
    options = world.sim.options
    return memory.turns_to_fold(
        world.history(),
        max_chars=options.history_max_chars,
        keep_chars=options.history_keep_chars,
    )


def condense_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    folded = _turns_to_fold(world)
    result, usage, error = agents.condense(world, folded, seq=seq, attempt=attempt)
    if result is None:
        return _model_error(
            world, actor=Turn.Actor.SYSTEM, step="condense", error=error, usage=usage
        )
    draft = TurnDraft(
        actor=Turn.Actor.SYSTEM,
        action="condense",
        sim_time=world.now,
        arguments={"from_seq": folded[0].seq, "to_seq": folded[-1].seq},
        observation=result.summary,
        simulation={
            "summary": result.summary,
            "summary_upto_seq": folded[-1].seq,
            "model_errors": 0,
        },
    )
    _usage(draft, usage)
    return draft


# -- the end: stop, judge, retrospective --------------------------------------------------------------


def stop_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    reason = stop_reason(world)
    return TurnDraft(
        actor=Turn.Actor.SYSTEM,
        action="stop",
        sim_time=world.now,
        observation=reason,
        simulation={"phase": Phase.JUDGING, "stop_reason": reason},
    )


def judge_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    objective = next(o for o in world.objectives if o.status != Objective.Status.JUDGED)
    scores, usage, error = agents.judge_objective(world, objective, seq=seq, attempt=attempt)
    if scores is None:
        return _model_error(world, actor=Turn.Actor.JUDGE, step="judge", error=error, usage=usage)
    items = list(objective.rubric.order_by("order"))
    awarded = {s.item: s for s in scores.scores}
    lines = []
    total = 0.0
    for n, item in enumerate(items, start=1):
        score = awarded.get(n)
        points = min(item.points, score.awarded) if score else 0.0
        total += points
        lines.append(
            f"{n}. [{item.tag}] {points:g}/{item.points:g} — "
            f"{score.reason if score else 'not scored by the judge'}"
        )
    maximum = sum(i.points for i in items)
    draft = TurnDraft(
        actor=Turn.Actor.JUDGE,
        action="score_objective",
        sim_time=world.now,
        arguments={"objective": objective.key},
        observation=f"{objective.key} {objective.title}: {total:g} / {maximum:g}\n"
        + "\n".join(lines),
        reasoning=scores.summary,
        judged=(objective.pk, scores),
        simulation={"model_errors": 0},
    )
    _usage(draft, usage)
    return draft


def retrospective_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    found = findings.gather_findings(world)
    report, usage, error = agents.write_retrospective(
        world, found.context, seq=seq, attempt=attempt
    )
    if report is None:
        return _model_error(
            world, actor=Turn.Actor.JUDGE, step="retrospective", error=error, usage=usage
        )
    outcome = {**found.outcome, "lessons": report.lessons}
    draft = TurnDraft(
        actor=Turn.Actor.JUDGE,
        action="retrospective",
        sim_time=world.now,
        observation=report.summary,
        run_signals=found.signals,
        simulation={
            "phase": Phase.DONE,
            "state": Simulation.State.COMPLETED,
            "retrospective": report.model_dump(),
            "outcome": outcome,
            "model_errors": 0,
        },
    )
    _usage(draft, usage)
    return draft


_STEPS = {
    "objectives": objectives_step,
    "worker": worker_step,
    "day_start": day_start_step,
    "compose": compose_step,
    "deliver": deliver_step,
    "condense": condense_step,
    "stop": stop_step,
    "judge": judge_step,
    "retrospective": retrospective_step,
}
