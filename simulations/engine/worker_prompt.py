"""The worker's prompt, laid out for providers' prefix caches.

OpenAI, Anthropic, vLLM, SGLang and llama.cpp reuse (and bill at a fraction, or skip
prefilling) only the part of a prompt that repeats the previous one from its first token. So
what changes least comes first and what changes every turn comes last:

1. the system prompt (the tools go beside it, always in the same order);
2. the month as it stands: who you are, the collaborators, the skill document if the run has
   one, the objectives with their deliverables' state and latest review (these change on a
   draft, a review or a submission), and the summary of earlier turns (it changes when the
   history is condensed);
3. the turns since the summary, append-only between condensations (memory.turns_to_fold);
4. the situation now: clock, budget, mail status, the notes the worker keeps and this
   morning's briefing — rebuilt every turn and never stored in the history.

Between two condensations a call's messages, the last one aside, are thus a prefix of the
next call's.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from simulations.engine import clock, memory
from simulations.engine.world import World
from studio.llm import gateway
from studio.llm.prompts import Prompt, load_prompt, worker_prompt_name

STATE_MESSAGES = 1  # the messages after the history: the situation now


class Intros(NamedTuple):
    who: str
    objectives: str
    now: str


def worker_prompt(variant: str = "") -> Prompt:
    """The run's worker prompt: worker.md, or the variant its config names."""
    return load_prompt(worker_prompt_name(variant))


def intros(variant: str = "") -> Intros:
    """The worker prompt's instruction holds three parts separated by '---' lines: the
    openings of who-you-are, of the objectives, and of the situation now."""
    name = worker_prompt_name(variant)
    parts = load_prompt(name).instruction.split("\n---\n")
    if len(parts) != 3:
        raise ValueError(f"{name}.md's instruction needs three parts separated by '---' lines")
    return Intros(*(part.strip() for part in parts))


SKILLS_HEADING = "Skills from earlier runs"


def _skills_section(world: World) -> str:
    """The skill version the run was launched with, verbatim, after who-you-are ('' for none):
    the one place a learned skill enters the worker's prompt. It never changes during a run,
    so providers' prefix caches keep it."""
    version = world.sim.skill_version
    if version is None:
        return ""
    return (
        f"\n\n## {SKILLS_HEADING} ({version.occupation}, version {version.version})\n\n"
        f"Lessons distilled from earlier simulated months of this work. Follow them where they "
        f"apply.\n\n{version.text.strip()}\n"
    )


def _who(world: World) -> dict[str, Any]:
    profile = world.profile
    fields = (
        "full_name", "email", "job_title", "department", "employer", "industry", "location",
        "writing_style", "naming_convention",
    )  # fmt: skip
    return {
        "you": {k: profile.get(k) for k in fields}
        | {"responsibilities": (profile.get("responsibilities") or [])[:6]},
        "collaborators": [
            {k: c.get(k, "") for k in ("name", "email", "role", "relationship")}
            for c in world.collaborator_profiles
        ],
    }


def _feedback_by_deliverable(world: World) -> dict[str, list[dict]]:
    """The latest review of each deliverable. Its text is shown while it may still need work
    (not submitted yet, or received after the submission); afterwards only who and when."""
    submitted = {d.key: d.submitted_at for d in world.deliverables}
    out: dict[str, list[dict]] = {}
    delivered = [m for m in world.mail.incoming if m.delivered_at and m.deliverable_key]
    for m in sorted(delivered, key=lambda m: (m.delivered_at, m.pk), reverse=True):
        if m.deliverable_key in out:
            continue
        entry = {"id": m.pk, "from": m.sender, "received": f"{m.delivered_at:%a %Y-%m-%d %H:%M}"}
        handed_in = submitted.get(m.deliverable_key)
        if handed_in is None or m.delivered_at >= handed_in:
            entry["excerpt"] = memory.clip(m.body, 1200)
        out[m.deliverable_key] = [entry]
    return out


def _drafts(world: World) -> dict[str, bool]:
    """Which deliverables have a draft in the workspace. Their paths were sanitised when the
    objectives were stored and tools never create symlinks, so a plain stat tells."""
    return {d.key: (world.workspace.home / d.path).is_file() for d in world.deliverables}


def _objectives(world: World, drafts: dict[str, bool]) -> list[dict[str, Any]]:
    feedback = _feedback_by_deliverable(world)
    objectives = []
    for o in world.objectives:
        deliverables = []
        for d in (d for d in world.deliverables if d.objective_id == o.pk):
            deliverables.append(
                {
                    "key": d.key,
                    "title": d.title,
                    "kind": d.kind,
                    "path": d.path,
                    "due": d.due_date.isoformat(),
                    "status": d.status,
                    "draft_exists": drafts[d.key],
                    "submitted_at": f"{d.submitted_at:%Y-%m-%d %H:%M}" if d.submitted_at else None,
                    "feedback": feedback.get(d.key, []),
                }
            )
        objectives.append(
            {
                "key": o.key,
                "title": o.title,
                "description": memory.clip(o.description, 900),
                "target_date": o.target_date.isoformat(),
                "reviewer": o.reviewer,
                "inputs": o.inputs,
                "references": [
                    {"owner": r["owner"], "description": r["description"]} for r in o.references
                ],
                "milestones": o.milestones,
                "deliverables": deliverables,
            }
        )
    return objectives


def _mail_status(world: World) -> dict[str, Any]:
    mail = world.mail
    replied = {m.in_reply_to_id for m in mail.incoming if m.delivered_at}
    awaiting = [
        {
            "to": ", ".join(r["name"] for r in m.recipients),
            "subject": m.subject,
            "sent": f"{m.sent_at:%a %Y-%m-%d %H:%M}",
        }
        for m in mail.outgoing[:10]
        if m.pk not in replied
    ]
    return {
        "unread": world.unread_count(),
        "awaiting_replies": awaiting[:6],
        "shared_with_me": [{"path": p, "from": s.split(":", 1)[0]} for p, s in mail.shares],
        "recently_sent_subjects": [m.subject for m in mail.outgoing],
    }


def state_now(world: World) -> dict[str, Any]:
    """What changes from turn to turn: it goes in the last message only."""
    sim = world.sim
    now = sim.sim_now
    return {
        "clock": {
            "now": f"{now:%a %Y-%m-%d %H:%M}",
            "date": now.date().isoformat(),
            "weekday": now.strftime("%A"),
            "workday": sim.workday,
            "workdays": sim.options.workdays,
            "minutes_left_today": clock.minutes_left_today(now),
            "month_ends": world.month_end.date().isoformat(),
        },
        "budget": {"turns_left": max(0, sim.options.max_turns - sim.turn_count)},
        "mail": _mail_status(world),
        # Sorted: a JSON column (PostgreSQL's jsonb) gives its keys back in its own order,
        # and the prompt must not depend on whether the memory came from the database.
        "memory": dict(sorted((sim.memory or {}).items())),
        "briefing": memory.clip(sim.briefing, memory.BRIEFING_CHARS),
    }


def month_message(world: World) -> str:
    """Who you are, the skill document, the objectives as they stand, the summary. Rendered
    again only when one of its inputs changed: the objectives or the mail in view as read
    (a re-read makes new lists), the summary, or which deliverables have a draft."""
    drafts = _drafts(world)
    inputs = (world.objectives, world.deliverables, world.mail.incoming)
    kept = world.month_rendered
    if (
        kept is not None
        and all(a is b for a, b in zip(kept[0], inputs, strict=True))
        and kept[1] == (world.sim.summary, drafts)
    ):
        return kept[2]
    text = _render_month(world, drafts)
    world.month_rendered = (inputs, (world.sim.summary, drafts), text)
    return text


def _render_month(world: World, drafts: dict[str, bool]) -> str:
    intro = intros(world.sim.options.worker_prompt_variant)
    month = {
        "objectives": _objectives(world, drafts),
        "summary": memory.clip(world.sim.summary, memory.SUMMARY_CHARS),
    }
    return (
        gateway.context_message(intro.who, _who(world))
        + _skills_section(world)
        + "\n\n"
        + gateway.context_message(intro.objectives, month)
    )


def worker_messages(world: World, history) -> list[dict[str, Any]]:
    variant = world.sim.options.worker_prompt_variant
    return [
        {"role": "system", "content": worker_prompt(variant).system},
        {"role": "user", "content": month_message(world)},
        *memory.history_messages(history),
        {"role": "user", "content": gateway.context_message(intros(variant).now, state_now(world))},
    ]


def prompt_chars(messages: list[dict[str, Any]], history=()) -> int:
    """``len(json.dumps(messages))``; the part ``history`` (the turns whose messages come
    just before the last STATE_MESSAGES) makes up is summed from lengths the turns keep, not
    serialised again each turn."""
    count, chars = memory.history_chars(history)
    before = len(messages) - count - STATE_MESSAGES
    rest = messages[:before] + messages[len(messages) - STATE_MESSAGES :]
    chars += sum(memory.json_chars(message) for message in rest)
    return chars + 2 * len(messages) if messages else 2  # "[", "]" and ", " between
