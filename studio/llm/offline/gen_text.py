"""TextContent (md, txt), EmailContent and CalendarContent responders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from studio.llm.offline import locales
from studio.llm.offline.gen_common import cap_first, collaborators, day_label, lower_first, to_date
from studio.llm.offline.gen_context import ArtifactCtx, artifact_ctx
from studio.llm.offline.gen_docs import dependency_lines
from studio.llm.offline.gen_names import category_of
from studio.llm.offline.registry import OfflineRequest, structured

# -- TextContent -------------------------------------------------------------------------------


def _md_facts(ctx: ArtifactCtx) -> list[str]:
    if not ctx.facts:
        return []
    lines = ["## Figures", "", "| Figure | Value |", "| --- | --- |"]
    lines += [f"| {label} | {value} |" for label, value in ctx.facts.items()]
    return [*lines, ""]


def _md_minutes(ctx: ArtifactCtx) -> list[str]:
    t, rng = ctx.text, ctx.rng
    people = rng.sample(t.people, k=min(4, len(t.people)))
    items = [cap_first(t.fill("{topic}")) for _ in range(3)]
    lines = [
        f"# {ctx.title}",
        "",
        f"**Date:** {day_label(ctx.date.date())}  ",
        "**Attendees:** " + ", ".join(p["name"] for p in people),
        "",
        "## Agenda",
        "",
        *[f"{i}. {item}" for i, item in enumerate(items, start=1)],
        "",
        "## Discussion",
        "",
    ]
    for item in items:
        lines += [f"### {item}", "", t.paragraph(3), ""]
    lines += ["## Decisions", "", *[f"- {s}" for s in t.sentences(2)], ""]
    lines += ["## Action items", ""]
    for action in t.bullets(rng.randint(3, 5)):
        lines.append(f"- [ ] {action} — {t.person()['name'].split()[0]}")
    return [*lines, "", *_md_facts(ctx)]


def _md_todo(ctx: ArtifactCtx) -> list[str]:
    t, rng = ctx.text, ctx.rng
    lines = [f"# {ctx.title}", "", "## This week", ""]
    lines += [f"- [{'x' if rng.random() < 0.3 else ' '}] {b}" for b in t.bullets(rng.randint(4, 7))]
    lines += ["", "## Waiting on", ""]
    for p in rng.sample(t.people, k=min(2, len(t.people))):
        lines.append(f"- {p['name']} ({p.get('role', '')}): {t.fill('{topic}')}")
    lines += ["", "## Numbers to double-check", ""]
    lines += [f"- {label}: {value}" for label, value in ctx.facts.items()]
    return [*lines, ""]


def _md_readme(ctx: ArtifactCtx) -> list[str]:
    t = ctx.text
    project = ctx.project or {}
    folder = str(ctx.file.get("path", "")).rpartition("/")[0] or "this folder"
    lines = [
        f"# {ctx.title}",
        "",
        t.situate(str(project["description"])) if project.get("description") else t.paragraph(2),
        "",
        "## What is where",
        "",
        f"- `{folder}/Drafts` – work in progress, not for circulation",
        f"- `{folder}/Final` – only signed-off versions",
        f"- `{folder}/Data` – exports; never edit these by hand",
        "",
        "## Current files",
        "",
        *[f"- {line}" for line in dependency_lines(ctx) or ["Nothing signed off yet."]],
        "",
        "## Contacts",
        "",
    ]
    lines += [f"- {p['name']} – {p.get('role', '')} – {p.get('email', '')}" for p in t.people[:5]]
    return [*lines, "", *_md_facts(ctx)]


def _md_notes(ctx: ArtifactCtx) -> list[str]:
    t, rng = ctx.text, ctx.rng
    lines = [f"# {ctx.title}", "", t.paragraph(), "", "## Points", ""]
    lines += [f"- {s}" for s in t.sentences(rng.randint(3, 5))]
    lines += ["", "## Open questions", ""]
    lines += [f"- {b}?" for b in t.bullets(2)]
    deps = dependency_lines(ctx)
    if deps:
        lines += ["", "## Sources", "", *[f"- {d}" for d in deps]]
    return [*lines, "", *_md_facts(ctx)]


def _txt(ctx: ArtifactCtx) -> list[str]:
    t, rng = ctx.text, ctx.rng
    lines = [ctx.title.lower(), day_label(ctx.date.date()), ""]
    for sentence in t.sentences(rng.randint(4, 7)):
        lines.append(("- " if rng.random() < 0.6 else "") + sentence)
    lines.append("")
    lines += [f"{label}: {value}" for label, value in ctx.facts.items()]
    lines += ["", "todo:"] + [f"  {lower_first(b)}" for b in t.bullets(rng.randint(2, 3))]
    person = t.person()
    lines += ["", f"{person['name']} – {person.get('email', '')}"]
    return lines


_MD = {"minutes": _md_minutes, "agenda": _md_minutes, "todo": _md_todo, "readme": _md_readme}


@structured("TextContent")
def text_content(req: OfflineRequest) -> dict:
    ctx = artifact_ctx(req)
    kind = str(ctx.file.get("kind") or "md")
    category = category_of(ctx.title, kind)
    lines = _txt(ctx) if kind == "txt" else _MD.get(category, _md_notes)(ctx)
    return {
        "summary": f"{cap_first(category)} ({kind}): {ctx.title}.",
        "facts": dict(ctx.facts),
        "text": "\n".join(lines).strip() + "\n",
    }


# -- EmailContent ------------------------------------------------------------------------------

_STYLE_WORDS = (
    ("terse", ("terse", "brief", "short", "curt")),
    ("formal", ("formal", "polite", "careful")),
    ("chatty", ("chatty", "friendly", "warm", "informal")),
    ("detail", ("detail", "thorough", "meticulous", "structured", "numbered")),
    ("direct", ("direct", "concise")),
    ("late", ("last-minute", "late")),
    ("visual", ("visual", "table", "chart")),
)


def _style(text: str) -> str:
    low = text.lower()
    for style, words in _STYLE_WORDS:
        if any(w in low for w in words):
            return style
    return "plain"


def _sender(ctx: ArtifactCtx, envelope: dict) -> tuple[dict, str, bool]:
    """(sender person, their style, whether the sender is the user)."""
    sender = envelope.get("sender") or {}
    email = str(sender.get("email", "")).lower()
    prof = ctx.profile
    if email and email == str(prof.get("email", "")).lower():
        return sender, _style(str(prof.get("writing_style", ""))), True
    for c in collaborators(prof):
        if email and c.get("email", "").lower() == email or c.get("name") == sender.get("name"):
            return sender or c, _style(str(c.get("communication_style", ""))), False
    if not sender:
        return {"name": prof.get("full_name", ""), "email": prof.get("email", "")}, "plain", True
    return sender, "plain", False


def _strip_re(subject: str) -> str:
    while subject.lower().startswith(("re:", "fw:", "fwd:")):
        subject = subject.split(":", 1)[1].strip()
    return subject


def _figures_line(ctx: ArtifactCtx) -> str:
    items = [(k, v) for k, v in ctx.facts.items() if k != "subject"]
    items = ctx.rng.sample(items, k=min(3, len(items)))  # each mail quotes its own few
    return "; ".join(f"{lower_first(k)}: {v}" for k, v in items)


def _body(ctx: ArtifactCtx, style: str, sender: dict, to: dict, thread: list[dict]) -> str:
    """A mail in the sender's style, worded from the language pack's phrasings."""
    t, rng = ctx.text, ctx.rng
    slots = t.slots()
    slots.update(
        first=str(sender.get("name", "")).split(" ")[0] or "Me",
        to=str(to.get("name", "")).split(" ")[0] or "there",
        figures=_figures_line(ctx),
        ask=lower_first(t.fill(rng.choice(ctx.family.actions))),
    )
    if thread:
        slots["last"] = lower_first(str(thread[-1].get("summary", "")).rstrip("."))
    phrases = locales.current().pack["email"]

    def say(key: str) -> str:
        return t.fill(phrases[key], slots)

    context = say("reply") + " " if thread else ""
    core = context + t.paragraph(rng.randint(2, 3))
    figures = say("figures") if slots["figures"] else ""
    if style == "terse":
        return f"{slots['to']} –\n\n{t.sentences(1)[0]} {figures}\n{say('ask')}\n\n{slots['first'][0]}."
    if style == "formal":
        slots["first"] = str(sender.get("name") or slots["first"])
        slots["to"] = str(to.get("name") or slots["to"])
        return f"{say('formal_greeting')}\n\n{core}\n\n{figures}\n\n{say('ask')}\n\n{say('formal_closing')}"
    opening = {"chatty": "chatty", "late": "late"}.get(style)
    parts = [say("greeting"), (say(opening) + " " if opening else "") + core]
    if style == "detail":
        parts.append("\n".join(f"{i}. {s}" for i, s in enumerate(t.sentences(3), start=1)))
    if style == "visual":
        rows = [f"  {k:<28} {v}" for k, v in ctx.facts.items() if k != "subject"]
        parts.append("\n".join(rows))
    elif figures:
        parts.append(figures)
    parts += [say("ask"), say("closing")]
    return "\n\n".join(parts)


@structured("EmailContent")
def email_content(req: OfflineRequest) -> dict:
    ctx = artifact_ctx(req)
    c = req.context or {}
    envelope = c.get("envelope") or {}
    thread = [m for m in c.get("thread") or [] if isinstance(m, dict)]
    sender, style, _ = _sender(ctx, envelope)
    to = (envelope.get("to") or [{}])[0] or {}
    base = _strip_re(str(thread[0].get("subject") or "")) if thread else ""
    subject = f"Re: {base}" if base else ctx.title
    body = _body(ctx, style, sender, to, thread)
    facts = {k: v for k, v in ctx.facts.items() if k != "subject"}
    facts["subject"] = subject
    who = sender.get("name", "the sender")
    return {
        "subject": subject,
        "body": body,
        "summary": f"{who} to {to.get('name', 'the team')} about {_strip_re(subject)}.",
        "facts": facts,
    }


# -- CalendarContent ---------------------------------------------------------------------------

_DAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays")
_PLACES = ("Teams", "Zoom", "Room 2.14", "Conference room B", "Main office", "On site")


def _event(title: str, start: dt.datetime, minutes: int, where: str, people: list[str], note: str):
    end = start + dt.timedelta(minutes=minutes)
    return {
        "title": title,
        "start": start.isoformat(timespec="minutes"),
        "end": end.isoformat(timespec="minutes"),
        "location": where,
        "attendees": people,
        "description": note,
    }


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _recurring(
    start: dt.date, end: dt.date, weekday: int, hour: int, every: int
) -> list[dt.datetime]:
    day = _weekday_on_or_after(start, weekday)
    out = []
    while day <= end:
        out.append(dt.datetime(day.year, day.month, day.day, hour, 0))
        day += dt.timedelta(days=7 * every)
    return out


@structured("CalendarContent")
def calendar_content(req: OfflineRequest) -> dict:
    ctx = artifact_ctx(req)
    rng, t = ctx.rng, ctx.text
    policy = (req.context or {}).get("policy") or {}
    end = to_date(policy.get("timeline_end"), ctx.date.date())
    start = to_date(policy.get("timeline_start"), end - dt.timedelta(days=rng.randint(100, 170)))
    me = str(ctx.profile.get("email", "me@example.com"))
    people = t.people
    team = [p["email"] for p in people if p.get("email")][:6]
    manager = next((p for p in people if p.get("relationship") == "line manager"), people[0])
    events: list[dict[str, Any]] = []
    meeting = ctx.family.meetings[0]
    team_day, one_day = rng.choice((0, 1, 2)), rng.choice((2, 3, 4))
    every = 1 if (end - start).days < 120 else 2
    for when in _recurring(start, end, team_day, rng.choice((9, 10)), every):
        events.append(
            _event(
                meeting,
                when.replace(minute=30),
                45,
                rng.choice(_PLACES[:3]),
                [me, *team],
                t.fill("Standing {meeting}: updates on {topic}."),
            )
        )
    for when in _recurring(start + dt.timedelta(days=7), end, one_day, 14, 2):
        events.append(
            _event(
                f"1:1 {ctx.profile.get('first_name', '')} / {manager['name']}",
                when,
                30,
                "Teams",
                [me, manager.get("email", "")],
                "Priorities and blockers.",
            )
        )
    for project in ctx.profile.get("projects") or []:
        span = max((end - start).days, 1)
        day = start + dt.timedelta(days=rng.randint(span // 3, span))
        when = dt.datetime(day.year, day.month, day.day, 16, 0)
        events.append(
            _event(
                f"Milestone: {project.get('name', '')} review",
                when,
                60,
                rng.choice(_PLACES),
                [me, *team[:3]],
                t.situate(str(project.get("description", ""))),
            )
        )
    for _ in range(rng.randint(4, 9)):
        day = start + dt.timedelta(days=rng.randint(0, max((end - start).days, 1)))
        day = _weekday_on_or_after(day, rng.randint(0, 4))
        when = dt.datetime(day.year, day.month, day.day, rng.choice((9, 11, 13, 15)), 0)
        p = t.person()
        events.append(
            _event(
                rng.choice(ctx.family.meetings),
                when,
                rng.choice((30, 45, 60)),
                rng.choice(_PLACES),
                [me, p.get("email", "")],
                t.fill("{topic}: {dep}"),
            )
        )
    events.sort(key=lambda e: e["start"])
    events = _cap(events, rng)
    return {
        "summary": f"{len(events)} calendar events from {day_label(start)} to {day_label(end)}.",
        "facts": {
            "Events": str(len(events)),
            meeting: f"{_DAYS[team_day]} " + ("weekly" if every == 1 else "every two weeks"),
            f"1:1 with {manager['name']}": f"{_DAYS[one_day]} 14:00, every two weeks",
        },
        "events": events,
    }


def _cap(events: list[dict], rng: Any) -> list[dict]:
    """At most 40 events; drop at random so no stretch of the timeline goes empty."""
    while len(events) > 40:
        events.pop(rng.randrange(len(events)))
    return events
