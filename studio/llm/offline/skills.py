"""Offline answer to the review app's SkillDistillation contract.

Deterministic: the lessons (already ranked by recurrence) are sorted into themed sections by
the words they use, each section's guidance is its lessons in rank order, and the checklist
is the most recurrent lessons restated as checks. Nothing is invented beyond the input.
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
    top = lessons[:6]
    checklist = [
        f"Did I {item['lesson'][:1].lower()}{item['lesson'][1:].rstrip('.')}?" for item in top
    ]
    titles = ", ".join(ctx.get("job_titles") or [])[:200]
    summary = (
        f"What {runs} simulated month(s) of {occupation} work taught"
        + (f" ({titles})" if titles else "")
        + f": {len(lessons)} distinct lesson(s), grouped into {len(ordered)} practice(s), "
        "most recurrent first."
    )
    return {
        "title": f"Skills for {occupation}",
        "summary": summary,
        "sections": ordered[:10],
        "checklist": checklist[:12] or ["Review every deliverable against its objective."],
    }
