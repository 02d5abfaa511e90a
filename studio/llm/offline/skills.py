"""Offline answer to the review app's SkillDistillation contract.

Deterministic: the lessons (already ranked by recurrence) are sorted into themed sections by
the words they use, each section's guidance is its lessons in rank order, and the checklist
is the most recurrent lessons, as the imperatives they are (the list is headed "before
submitting"). Nothing is invented beyond the input.
"""

from __future__ import annotations

import re
from typing import Any

from studio.llm.offline.registry import OfflineRequest, structured

THEMES = (
    ("Keep figures consistent", ("figure", "workbook", "number", "source", "total", "consistent")),
    ("Act on feedback", ("correction", "feedback", "checklist", "resubmit", "review", "requested")),
    ("Plan the month", ("plan", "due", "date", "early", "draft", "deadline", "week")),
    ("Communicate with collaborators", ("message", "send", "reply", "ask", "collaborator", "mail")),
    ("Use time and tools well", ("wait", "clock", "re-reading", "repeat", "tool", "search")),
)
OTHER = "Keep a sound process"


def _theme(text: str) -> str:
    words = set(re.findall(r"[a-z-]+", text.lower()))
    best, hits = OTHER, 0
    for title, keys in THEMES:
        found = sum(1 for key in keys if any(word.startswith(key) for word in words))
        if found > hits:
            best, hits = title, found
    return best


def _sentence(text: str) -> str:
    text = " ".join(text.split()).rstrip(".")
    return text[:1].upper() + text[1:] + "."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _span(ctx: dict[str, Any]) -> str:
    workdays, days = int(ctx.get("workdays") or 0), int(ctx.get("days") or 0)
    text = _count(workdays, "simulated workday")
    return text + (f" over {_count(days, 'calendar day')}" if days and days != workdays else "")


@structured("SkillDistillation")
def skill_distillation(req: OfflineRequest) -> dict[str, Any]:
    ctx = req.context
    occupation = str(ctx.get("occupation") or "this occupation")
    lessons = list(ctx.get("lessons") or [])
    runs = int(ctx.get("runs") or 0)
    sections: dict[str, dict[str, Any]] = {}
    for item in lessons:
        title = _theme(item["lesson"])
        section = sections.setdefault(title, {"title": title, "guidance": [], "lessons": []})
        if len(section["guidance"]) < 8:
            weight = f" (taught by {item['runs']} run{'s' if item['runs'] != 1 else ''})"
            section["guidance"].append(_sentence(item["lesson"])[:-1] + weight + ".")
            section["lessons"].append(item["number"])
    order = [title for title, _ in THEMES] + [OTHER]
    ordered = sorted(sections.values(), key=lambda s: (order.index(s["title"]), s["lessons"][0]))
    if not ordered:
        ordered = [{"title": OTHER, "guidance": ["No lessons were recorded yet."], "lessons": []}]
    checklist = [_sentence(item["lesson"]) for item in lessons[:6]]
    titles = ", ".join(ctx.get("job_titles") or [])[:200]
    summary = (
        f"Lessons from {_count(runs, 'run')} of {occupation.lower()} work "
        f"({_span(ctx)})"
        + (f", as {titles}" if titles else "")
        + f": {_count(len(lessons), 'distinct lesson')} in {_count(len(ordered), 'practice')}, "
        "most recurrent first."
    )
    return {
        "title": f"{occupation}: what the runs taught",
        "summary": summary,
        "sections": ordered[:10],
        "checklist": checklist[:12] or ["Review every deliverable against its objective."],
    }
