"""The working day's bookkeeping: the morning briefing, and condensing the history when it
outgrows the prompt."""

from __future__ import annotations

from django.db.models import Count

from simulations.engine import agents, clock, memory
from simulations.engine.draft import TurnDraft
from simulations.engine.steps.failures import add_usage, model_error
from simulations.engine.world import World
from simulations.models import FileChange, Message, Turn

LOOKAHEAD_WORKDAYS = 5


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


def turns_to_fold(world: World) -> list[Turn]:
    options = world.sim.options
    return memory.turns_to_fold(
        world.history(),
        max_chars=options.history_max_chars,
        keep_chars=options.history_keep_chars,
    )


def condense_step(world: World, *, seq: int, attempt: int) -> TurnDraft:
    folded = turns_to_fold(world)
    result, usage, error = agents.condense(world, folded, seq=seq, attempt=attempt)
    if result is None:
        return model_error(
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
    add_usage(draft, usage)
    return draft
