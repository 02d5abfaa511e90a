"""The offline judge, retrospective writer and memory condenser.

The judge checks each rubric item against the evidence it is given (submitted text, timing,
messages, corrections, shared references) with explicit rules, and says which evidence
decided the score. The retrospective maps the run's measured signals to strengths, failures,
root causes and lessons. The condenser folds old turns into a bounded second-person summary.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from studio.llm.offline.agents_common import PLACEHOLDERS, figures_in, get, number_of
from studio.llm.offline.registry import OfflineRequest, structured


def _applied(correction: dict, text: str) -> bool:
    low = text.lower()
    must, find, replace = (
        correction.get(k, "").strip() for k in ("must_include", "find", "replace")
    )
    if must and must.lower() not in low:
        return False
    if find and replace:
        a, b = number_of(find), number_of(replace)
        if a is not None and b is not None:
            shown = {number_of(v) for _, v in figures_in(text, limit=200)}
            shown |= {
                number_of(t) for t in text.replace("\t", " ").split() if number_of(t) is not None
            }
            return b in shown and a not in shown
        return replace.lower() in low and find.lower() not in low
    return True


def _score_item(item: dict, ctx: dict) -> tuple[float, str]:
    points = float(item["points"])
    deliverables = {d["key"]: d for d in get(ctx, "deliverables", [])}
    targets = (
        [deliverables[item["deliverable"]]]
        if item.get("deliverable") in deliverables
        else list(deliverables.values())
    )
    submitted = [d for d in targets if d["status"] == "submitted"]
    text = "\n".join(d.get("text", "") for d in submitted)
    tag = item["tag"]
    if not submitted:
        return 0.0, f"{', '.join(d['key'] for d in targets)} not submitted"
    if tag == "spec":
        fraction = 0.6 * len(submitted) / len(targets)
        notes = [f"{len(submitted)}/{len(targets)} submitted"]
        if all(d["submitted_path"] == d["expected_path"] for d in submitted):
            fraction += 0.2
            notes.append("at the expected path")
        if len(text) >= 800:
            fraction += 0.2
            notes.append(f"{len(text):,} characters of content")
        if any(d.get("late") for d in submitted):
            fraction -= 0.2
            notes.append("late")
        return round(points * max(0.0, min(1.0, fraction)), 2), "; ".join(notes)
    if tag == "interaction":
        messages = get(ctx, "messages", [])
        reviewer = get(get(ctx, "objective", {}), "reviewer", "")
        asked = [
            m
            for m in messages
            if m["direction"] == "outgoing" and reviewer in m["to"] and m["attachments"]
        ]
        corrections = [
            c for m in messages if m["direction"] == "incoming" for c in m.get("corrections", [])
        ]
        if not asked:
            return 0.0, f"no draft was sent to {reviewer} for review"
        applied = [c for c in corrections if _applied(c, text)]
        if not corrections:
            return round(points * 0.7, 2), f"draft sent to {reviewer}; no corrections came back"
        share = len(applied) / len(corrections)
        return round(
            points * (0.4 + 0.6 * share), 2
        ), f"draft reviewed by {reviewer}; {len(applied)} of {len(corrections)} corrections applied"
    if tag == "reference":
        refs = get(ctx, "references", [])
        shared = [r for r in refs if r.get("shared")]
        if not shared:
            return 0.0, "the reference material was never obtained"
        cited = [
            r
            for r in shared
            if r["owner"].split()[0].lower() in text.lower()
            or r["path"].rsplit("/", 1)[-1].rsplit(".", 1)[0].lower() in text.lower()
        ]
        return round(
            points * (0.5 + 0.5 * (len(cited) > 0)), 2
        ), f"reference obtained from {shared[0]['owner']}" + (
            "; cited in the file" if cited else "; not cited"
        )
    if tag == "expertise":
        figures = [f for f in figures_in(text, limit=20) if number_of(f[1]) is not None]
        fraction = 1.0 if len(figures) >= 4 else 0.7 if len(figures) >= 2 else 0.3
        return round(points * fraction, 2), f"{len(figures)} labelled figures used"
    if tag == "quality":
        problems = [p for p in PLACEHOLDERS if p in text.lower()]
        values: dict[str, set[str]] = {}
        for d in submitted:
            for label, value in figures_in(d.get("text", ""), limit=30):
                number = number_of(value)
                values.setdefault(label.lower(), set()).add(
                    f"{number:.6g}" if number is not None else value
                )
        clashes = [label for label, vs in values.items() if len(vs) > 1]
        fraction = 1.0 - 0.5 * bool(problems) - 0.5 * bool(clashes)
        notes = []
        if problems:
            notes.append(f"placeholders: {', '.join(problems)}")
        if clashes:
            notes.append(f"figures differ between files: {', '.join(clashes[:3])}")
        return round(points * max(0.0, fraction), 2), "; ".join(
            notes
        ) or "consistent figures, no placeholders"
    return round(points * 0.5, 2), "no rule for this tag; half credit"


@structured("RubricScores")
def rubric_scores(req: OfflineRequest) -> dict[str, Any]:
    ctx = req.context
    scores = []
    for item in get(ctx, "rubric", []):
        awarded, reason = _score_item(item, ctx)
        scores.append({"item": item["item"], "awarded": awarded, "reason": reason})
    total = sum(s["awarded"] for s in scores)
    maximum = sum(float(i["points"]) for i in get(ctx, "rubric", []))
    return {
        "scores": scores or [{"item": 1, "awarded": 0, "reason": "no rubric"}],
        "summary": f"{total:g} of {maximum:g} points.",
    }


ROOT_CAUSES = {
    "stale_workbook": (
        "A workbook kept an old figure after the narrative changed it",
        "corrections were applied to the reviewed file only, not to every file carrying "
        "the same figure",
        "After a correction, search every file of the package for the old figure",
    ),
    "inconsistent_figure": (
        "The same figure differs between deliverables of one package",
        "figures were copied by hand into each file instead of kept in one place",
        "Keep each figure in one source (the workbook) and re-check all files before submitting",
    ),
    "feedback_not_applied": (
        "A collaborator's correction never reached the submitted file",
        "feedback was not tracked to completion against the submitted version",
        "Keep a checklist of requested changes and resubmit after applying them",
    ),
    "blank_message": (
        "A message went out with an empty body",
        "the message was sent before its content was written",
        "Read a message back before sending it",
    ),
    "loop": (
        "The agent repeated actions with the same result",
        "no progress check while waiting for replies",
        "When waiting, advance the clock instead of re-reading the same files",
    ),
}


@structured("Retrospective")
def retrospective(req: OfflineRequest) -> dict[str, Any]:
    ctx = req.context
    objectives = get(ctx, "objectives", [])
    process = get(ctx, "process", {})
    modes = Counter(m["kind"] for m in get(ctx, "failure_modes", []))
    deliverables = [d for o in objectives for d in o["deliverables"]]
    submitted = [d for d in deliverables if d["status"] == "submitted"]
    late = [d for d in submitted if d.get("late")]
    strengths = [
        f"Submitted {len(submitted)} of {len(deliverables)} deliverables"
        + (" on time" if not late else f" ({len(late)} late)")
    ]
    best = max(
        objectives, key=lambda o: (o.get("score") or 0) / (o.get("max_score") or 1), default=None
    )
    if best and best.get("max_score"):
        strengths.append(
            f"Best objective: {best['key']} {best['title']} ({best['score']:g}/{best['max_score']:g})"
        )
    if process.get("tool_errors", 0) <= max(2, process.get("turns", 0) // 50):
        strengths.append(
            f"Few tool errors ({process.get('tool_errors', 0)} in {process.get('turns', 0)} turns)"
        )
    failures, causes, lessons = [], [], []
    missing = [d for d in deliverables if d["status"] != "submitted"]
    if missing:
        failures.append(f"Not submitted: {', '.join(d['key'] for d in missing)}")
        causes.append(f"the run stopped first ({get(ctx, 'stop_reason', 'unknown reason')})")
        lessons.append("Plan the month backwards from the due dates and submit early drafts")
    if late:
        failures.append(f"Late: {', '.join(d['key'] for d in late)}")
    for kind, count in modes.most_common():
        failure, cause, lesson = ROOT_CAUSES.get(
            kind, (f"{kind} detected", "unclassified", "Investigate")
        )
        failures.append(f"{failure} ({count}×)")
        causes.append(cause)
        lessons.append(lesson)
    for o in objectives:
        for item in (o.get("weakest_items") or [])[:1]:
            if item.get("awarded") is not None and item["awarded"] < item["points"]:
                failures.append(
                    f"{o['key']} [{item['tag']}] {item['awarded']:g}/{item['points']:g}: {item['reason']}"
                )
    if process.get("model_errors"):
        causes.append(f"{process['model_errors']} model calls failed and were retried")
    if not lessons:
        lessons.append(
            "Keep the same process: inputs first, references early, review before submitting"
        )
    summary = (
        f"Scored {get(ctx, 'score_pct', 0)}% of the rubric; {len(submitted)}/{len(deliverables)} "
        f"deliverables submitted over {get(ctx, 'workdays_used', 0)} workdays; stopped because "
        f"{get(ctx, 'stop_reason', 'unknown')}."
    )
    return {
        "summary": summary,
        "strengths": strengths[:10],
        "failures": failures[:10],
        "root_causes": list(dict.fromkeys(causes))[:10],
        "lessons": list(dict.fromkeys(lessons))[:10],
    }


@structured("Condensation")
def condensation(req: OfflineRequest) -> dict[str, Any]:
    ctx = req.context
    limit = int(get(ctx, "max_chars", 2500))
    lines = list(get(ctx, "turns", []))
    read, wrote, sent, arrived, errors = [], [], [], [], 0
    for line in lines:
        parts = line.split(" | ", 4)  # seq | time | who | action | args -> outcome
        action = parts[3] if len(parts) > 3 else ""
        if " -> ERROR " in line:
            errors += 1
        path = ""
        if '"path": "' in line:
            path = line.split('"path": "', 1)[1].split('"', 1)[0]
        if action == "read_file" and path:
            read.append(path)
        elif action in ("write_file", "edit_file") and path:
            wrote.append(path)
        elif action == "send_message":
            sent.append(line.split("-> ", 1)[-1][:90])
        elif action == "deliver_mail":
            arrived.append(line.split("-> ", 1)[-1][:90])
    span = f"{lines[0].split(' | ', 1)[0]}–{lines[-1].split(' | ', 1)[0]}" if lines else ""
    pieces = [f"Turns {span}:"]
    if read:
        pieces.append(f"you read {', '.join(dict.fromkeys(read))}.")
    if wrote:
        pieces.append(f"You wrote or edited {', '.join(dict.fromkeys(wrote))}.")
    if sent:
        pieces.append(f"You sent: {' / '.join(sent)}.")
    if arrived:
        pieces.append(f"Mail arrived: {' / '.join(arrived)}.")
    if errors:
        pieces.append(f"{errors} actions failed.")
    new = " ".join(pieces)
    previous = str(get(ctx, "previous_summary", ""))
    summary = (previous + "\n" + new).strip()
    if len(summary) > limit:
        summary = "… " + summary[-(limit - 2) :]
    return {"summary": summary}
