"""What the offline worker writes: deliverables with real content built from the figures it
read, the reference material it was sent and the objective's brief, in the format the
deliverable's kind calls for."""

from __future__ import annotations

from typing import Any

from studio.llm.offline.agents_common import first_name, number_of


def _sentences(text: str, limit: int = 2) -> str:
    parts = [p.strip() for p in text.replace("\n", " ").split(". ") if p.strip()]
    return ". ".join(parts[:limit]).rstrip(".") + "."


def _analysis(facts: list[tuple[str, str]], name: str) -> list[str]:
    lines = []
    numeric = [(label, value, number_of(value)) for label, value in facts]
    numeric = [(label, value, n) for label, value, n in numeric if n is not None]
    if numeric:
        top = max(numeric, key=lambda t: t[2])
        lines.append(
            f"The largest figure in the package is {top[0]} at {top[1]}; it drives the "
            f"recommendation for {name}."
        )
    for label, value in facts[:3]:
        lines.append(
            f"{label} stands at {value}, which we carry unchanged into every file of this package."
        )
    if not lines:
        lines.append(
            f"The source files for {name} hold few hard figures, so the analysis is qualitative."
        )
    return lines


def build(
    kind: str,
    *,
    deliverable: dict,
    objective: dict,
    facts: list[tuple[str, str]],
    references: list[tuple[str, str]],
    ref_source: str,
    you: dict,
    today: str,
) -> Any:
    """The ``content`` argument of write_file for this deliverable."""
    title = deliverable["title"]
    name = objective["title"].split(":")[0]
    author = f"{you.get('full_name') or 'The author'}, {you.get('job_title') or ''}".strip(", ")
    purpose = _sentences(objective.get("description", ""), 2)
    milestones = [
        f"{m['title']} — {m.get('date', '')}".strip(" —") for m in objective.get("milestones", [])
    ]
    inputs = objective.get("inputs", [])
    all_facts = facts + [f for f in references if f not in facts]
    if kind == "xlsx":
        rows: list[list[Any]] = []
        for label, value in all_facts:
            number = number_of(value)
            source = ref_source if (label, value) in references else (inputs[0] if inputs else "")
            rows.append(
                [label, number if number is not None and "%" not in value else value, source]
            )
        numeric_rows = [i for i, r in enumerate(rows) if isinstance(r[1], float)]
        if len(numeric_rows) >= 2:
            rows.append(["Total of listed figures", f"=SUM(B2:B{len(rows) + 1})", "formula"])
        if not rows:
            rows = [["(no figures found in the sources)", "", ""]]
        return {
            "sheets": [
                {"name": "Figures", "columns": ["Item", "Value", "Source"], "rows": rows},
                {
                    "name": "Milestones",
                    "columns": ["Milestone", "Date", "Owner"],
                    "rows": [
                        [m["title"], m.get("date", ""), you.get("full_name", "")]
                        for m in objective.get("milestones", [])
                    ],
                },
            ]
        }
    if kind == "csv":
        lines = ["Item,Value,Source"]
        lines += [
            f'"{label}","{value}","{inputs[0] if inputs else ""}"' for label, value in all_facts
        ]
        return "\n".join(lines)
    if kind == "pptx":
        slides = [
            f"# {title}",
            f"{author} — {today}",
            "## Objective",
            f"- {purpose}",
            "## Key figures",
        ]
        slides += [f"- {label}: {value}" for label, value in all_facts[:6]] or [
            "- No hard figures yet"
        ]
        slides += ["## Analysis"] + [f"- {line}" for line in _analysis(all_facts, name)[:3]]
        if references:
            slides += ["## Reference material", f"- Source: {ref_source}"]
            slides += [f"- {label}: {value}" for label, value in references[:3]]
        slides += ["## Plan"] + [f"- {m}" for m in milestones]
        slides += [
            "## Asks",
            f"- Review by {objective.get('reviewer', 'the reviewer')}",
            "Notes: prepared for the review meeting",
        ]
        return "\n".join(slides)
    lines = [
        f"# {title}",
        "",
        f"Prepared by {author} on {today}.",
        "",
        "## Purpose",
        purpose,
        "",
        "## Key figures",
        "| Item | Value |",
        "|---|---|",
    ]
    lines += [f"| {label} | {value} |" for label, value in all_facts] or ["| (none found) | |"]
    lines += ["", "## Figures in brief"] + [f"{label}: {value}" for label, value in all_facts[:6]]
    lines += ["", "## Analysis"] + _analysis(all_facts, name)
    if inputs:
        lines += ["", "## Sources"] + [f"- {path}" for path in inputs]
    if references:
        lines += ["", "## Reference material", f"From {ref_source}:"]
        lines += [f"- {label}: {value}" for label, value in references[:4]]
    lines += ["", "## Next steps"] + [f"- {m}" for m in milestones]
    reviewer = objective.get("reviewer")
    if reviewer:
        lines += ["", f"Review: {first_name(reviewer)} ({reviewer})."]
    return "\n".join(lines)
