"""The offline objective agent: a month of connected work written from the computer itself.

Each objective takes one of the person's projects (or, past those, a responsibility), starts
from the home files of that project, is reviewed by a collaborator, asks for that
collaborator's private reference file, and produces one or two deliverables in the person's
own folders. Later objectives build on earlier ones. The rubric is specific to the files,
people and figures involved. The request's seed (the simulation's) picks the reviewers, the
reference files asked for, the deliverables' shapes and the wording, so two seeds give two
different months on the same computer.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from studio.llm.offline.agents_common import figures_in, get, words
from studio.llm.offline.registry import OfflineRequest, structured

# (kind, name pattern, title pattern) per deliverable; one pattern per objective in turn.
PATTERNS: list[list[tuple[str, str, str]]] = [
    [
        ("xlsx", "{code} figures {ym}", "{name} figures workbook"),
        ("docx", "{code} report {ym}", "{name} report"),
    ],
    [("pptx", "{code} review deck {ym}", "{name} review deck")],
    [
        ("docx", "{code} plan {ym}", "{name} plan"),
        ("xlsx", "{code} tracker {ym}", "{name} tracker"),
    ],
    [("md", "{code} status note {ym}", "{name} status note")],
    [("docx", "{code} proposal {ym}", "{name} proposal")],
]
VERBS = ["Prepare", "Put together", "Draft and finalise", "Write", "Produce"]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:24] or "Work"


def _themes(profile: dict[str, Any]) -> list[dict[str, Any]]:
    themes = [dict(p) for p in get(profile, "projects", [])]
    for n, responsibility in enumerate(get(profile, "responsibilities", []), start=1):
        if len(themes) >= 5:
            break
        short = " ".join(str(responsibility).split()[:5])
        themes.append(
            {
                "name": short.capitalize(),
                "code": f"R{n}",
                "description": responsibility,
                "key_figures": {},
            }
        )
    while len(themes) < 3:
        themes.append(
            {
                "name": f"Operations review {len(themes) + 1}",
                "code": f"OPS{len(themes) + 1}",
                "description": "routine operations review",
                "key_figures": {},
            }
        )
    return themes[:5] if len(themes) > 3 else themes


def _inputs(theme: dict, files: list[dict], used: set[str]) -> list[dict]:
    name, code = str(theme.get("name", "")).lower(), str(theme.get("code", "")).lower()
    theme_words = words(name)

    def score(f: dict) -> int:
        hay = f"{f.get('path', '')} {f.get('title', '')} {f.get('project', '')}".lower()
        return (
            (5 if f.get("project", "").lower() == name else 0)
            + (3 if code and code in hay else 0)
            + len(theme_words & words(hay))
        )

    ranked = sorted(
        (f for f in files if f.get("kind") not in ("eml", "ics")),
        key=lambda f: (-score(f), f["path"]),
    )
    picked = [f for f in ranked if score(f) > 0 and f["path"] not in used][:3]
    if not picked:
        picked = [f for f in ranked if f["path"] not in used][:2] or ranked[:2]
    used.update(f["path"] for f in picked)
    return picked


def _folder(inputs: list[dict], theme: dict) -> str:
    for f in inputs:
        folder = f["path"].rpartition("/")[0]
        if folder:
            return folder
    return f"Documents/{_slug(str(theme.get('name', 'Work')))}"


@structured("ObjectivePlan")
def objective_plan(req: OfflineRequest) -> dict[str, Any]:
    ctx = req.context
    profile = get(ctx, "profile", {})
    files = list(get(ctx, "files", []))
    people = list(get(ctx, "collaborators", []))
    workdays = int(get(ctx, "workdays", 20))
    start = dt.date.fromisoformat(get(get(ctx, "month", {}), "starts", "2026-01-05"))
    ym = f"{start:%Y-%m}"
    with_files = [p for p in people if p.get("private_files")] or people
    rng = req.rng
    reviewers = rng.sample(with_files, k=len(with_files))
    patterns = rng.sample(PATTERNS, k=len(PATTERNS))
    themes = _themes(profile)
    used: set[str] = set()
    objectives = []
    for i, theme in enumerate(themes):
        code = _slug(str(theme.get("code") or theme.get("name")))
        name = str(theme.get("name", code))
        inputs = _inputs(theme, files, used)
        reviewer = reviewers[i % len(reviewers)] if reviewers else {"name": "", "role": ""}
        references = []
        for owner in [reviewer] + ([reviewers[(i + 1) % len(reviewers)]] if i == 1 else []):
            private = owner.get("private_files") or []
            if private and owner["name"] not in {r["owner"] for r in references}:
                ref = rng.choice(private)
                references.append(
                    {
                        "owner": owner["name"],
                        "path": ref["path"],
                        "description": f"your {ref['title'].lower()}",
                    }
                )
        folder = _folder(inputs, theme)
        deliverables = [
            {
                "kind": kind,
                "title": title.format(name=name),
                "path": f"{folder}/{pattern.format(code=code, ym=ym)}.{kind}",
            }
            for kind, pattern, title in patterns[i % len(patterns)]
        ]
        target = max(1, round(workdays * (i + 1) / len(themes)))
        begin = min(target, max(1, round(workdays * i / len(themes)) + 1))
        mid = max(begin, min(target, (begin + target) // 2))
        key_figures = dict(theme.get("key_figures") or {})
        for f in inputs:
            for label, value in list((f.get("facts") or {}).items())[:2]:
                key_figures.setdefault(label, value)
        figure_text = ", ".join(f"{k} ({v})" for k, v in list(key_figures.items())[:4])
        input_titles = ", ".join(f["title"] or f["path"] for f in inputs) or "the existing files"
        outputs = " and ".join(d["title"] for d in deliverables)
        asks = "; ".join(f"ask {r['owner']} for {r['description']}" for r in references)
        previous = (
            f" Reuse the conclusions of O{i} ({objectives[-1]['title']})." if objectives else ""
        )
        description = (
            f"{rng.choice(VERBS)} the {outputs} for {name}: {theme.get('description', '')}. "
            f"Start from {input_titles}. Use the key figures consistently across the package"
            + (f" ({figure_text})" if figure_text else "")
            + ". "
            + (f"Before drafting, {asks}. " if asks else "")
            + f"Send the draft to {reviewer['name']} ({reviewer.get('role', '')}) for review and apply "
            f"their corrections everywhere the same figures appear.{previous}"
        )
        rubric = []
        for n, d in enumerate(deliverables):
            rubric.append(
                {
                    "tag": "spec",
                    "points": 3,
                    "deliverable": n,
                    "text": f"{d['title']} is saved at {d['path']} as a .{d['kind']} file and "
                    f"covers the purpose, key figures and next steps of {name}",
                }
            )
        rubric.append(
            {
                "tag": "interaction",
                "points": 3,
                "deliverable": None,
                "text": f"The draft was sent to {reviewer['name']} for review and every "
                "correction they asked for appears in the submitted files",
            }
        )
        for ref in references:
            rubric.append(
                {
                    "tag": "reference",
                    "points": 2,
                    "deliverable": 0,
                    "text": f"Uses the material {ref['owner']} shared ({ref['description']}) "
                    "and says where it comes from",
                }
            )
        fact = next(iter(figures_in("\n".join(f"{k}: {v}" for k, v in key_figures.items()))), None)
        rubric.append(
            {
                "tag": "expertise",
                "points": 3,
                "deliverable": 0,
                "text": f"Works with the figures of {input_titles}"
                + (f", e.g. {fact[0]} = {fact[1]}" if fact else "")
                + ", and draws a conclusion a "
                f"{get(profile, 'job_title', 'professional')} would stand behind",
            }
        )
        rubric.append(
            {
                "tag": "quality",
                "points": 2,
                "deliverable": None,
                "text": "Figures are identical across the package's files and nothing is left as "
                "a placeholder (TBD, TODO, lorem)",
            }
        )
        objectives.append(
            {
                "title": f"{name}: {outputs}"[:200],
                "description": description,
                "target_workday": target,
                "milestones": [
                    {"title": f"Inputs read and references requested for {name}", "workday": begin},
                    {"title": f"Draft sent to {reviewer['name']} for review", "workday": mid},
                    {"title": f"{outputs} submitted", "workday": target},
                ],
                "inputs": [f["path"] for f in inputs],
                "reviewer": reviewer["name"],
                "references": references,
                "deliverables": deliverables,
                "rubric": rubric,
            }
        )
    return {"objectives": objectives}
