"""DocumentContent (docx, pdf) and PresentationContent (pptx) responders.

The layout follows the document's category (report, memo, minutes, plan, policy, roster,
letter, invoice...) read from its title; the words come from the profession's vocabulary;
every figure the file states is one of its facts, quoted verbatim.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from studio.llm.offline import locales
from studio.llm.offline.gen_common import cap_first, day_label
from studio.llm.offline.gen_context import ArtifactCtx, artifact_ctx
from studio.llm.offline.gen_names import category_of
from studio.llm.offline.gen_tables import (
    budget_spec,
    build_table,
    formatted_rows,
    money_anchor,
    pick_spec,
)
from studio.llm.offline.registry import OfflineRequest, structured

Block = dict[str, Any]

# -- blocks ------------------------------------------------------------------------------------


def heading(text: str, level: int = 1) -> Block:
    return {"type": "heading", "text": locales.label(text), "level": level}


def para(text: str) -> Block:
    return {"type": "paragraph", "text": text}


def bullets(items: list[str]) -> Block:
    return {"type": "bullets", "items": items}


def numbered(items: list[str]) -> Block:
    return {"type": "numbered", "items": items}


def table(columns: list[str], rows: list[list[Any]]) -> Block:
    columns = [locales.label(c) for c in columns]
    return {"type": "table", "table": {"columns": columns, "rows": rows}}


def facts_table(ctx: ArtifactCtx) -> Block:
    rows = [[label, value, ctx.source_of(label)] for label, value in ctx.facts.items()]
    return table(["Figure", "Value", "Source"], rows)


def facts_paragraph(ctx: ArtifactCtx) -> str:
    items = list(ctx.facts.items())
    items = ctx.rng.sample(items, k=min(3, len(items)))  # not the same three in every file
    phrase = locales.current().pack["fact_phrase"]
    parts = [phrase.format(label=lower(label), value=value) for label, value in items]
    if not parts:
        return ""
    return ctx.text.situate(cap_first("; ".join(parts)) + ".")


def lower(label: str) -> str:
    return label if len(label) > 1 and label[1].isupper() else label[:1].lower() + label[1:]


def dependency_lines(ctx: ArtifactCtx) -> list[str]:
    lines = []
    for dep in ctx.deps:
        title = dep.get("title") or dep.get("path") or "an earlier file"
        relation = dep.get("relation", "references")
        facts = list((dep.get("facts") or {}).items())
        facts = ctx.rng.sample(facts, k=min(2, len(facts)))
        quoted = "; ".join(f"{lower(k)} {v}" for k, v in facts)
        phrasing = locales.current().pack["dependency_lines"]
        line = f"{ctx.text.fill(phrasing.get(relation, phrasing['references']))} '{title}'"
        lines.append(line + (f" ({quoted})." if quoted else "."))
    return lines


def domain_table(ctx: ArtifactCtx, category: str, rows: int = 8) -> Block:
    anchor = money_anchor(ctx)
    days = 27 if category == "roster" else 90  # a roster covers its own month
    if category in ("budget", "plan", "proposal", "invoice") and anchor:
        built = build_table(ctx, budget_spec(ctx.family), rows, anchor[1], days)
    else:
        built = build_table(ctx, pick_spec(ctx, category, ctx.family.tables), rows, None, days)
    return table(built.headers, formatted_rows(built))


def risk_table(ctx: ArtifactCtx, n: int = 4) -> Block:
    rng, text = ctx.rng, ctx.text
    pool = list(ctx.family.risks) + list(locales.generic("risks"))
    rows = []
    for risk in rng.sample(pool, k=min(n, len(pool))):
        rows.append(
            [
                text.fill(risk),
                rng.choice(("Low", "Medium", "High")),
                rng.choice(("Low", "Medium", "High")),
                text.person()["name"],
                cap_first(text.fill(rng.choice(ctx.family.actions))),
            ]
        )
    return table(["Risk", "Likelihood", "Impact", "Owner", "Mitigation"], rows)


def action_table(ctx: ArtifactCtx, n: int = 4) -> Block:
    rng, text = ctx.rng, ctx.text
    rows = []
    for action in rng.sample(ctx.family.actions, k=min(n, len(ctx.family.actions))):
        due = ctx.date.date() + dt.timedelta(days=rng.randint(3, 21))
        rows.append([cap_first(text.fill(action)), text.person()["name"], day_label(due)])
    return table(["Action", "Owner", "Due"], rows)


def milestone_table(ctx: ArtifactCtx) -> Block:
    rng, text = ctx.rng, ctx.text
    day = ctx.date.date()
    rows = []
    for step in ("Kick-off", "Draft for review", "Stakeholder sign-off", "Go-live", "Review"):
        day += dt.timedelta(days=rng.randint(7, 28))
        rows.append([step, text.person()["name"], day_label(day)])
    return table(["Milestone", "Owner", "Date"], rows)


# -- layouts -----------------------------------------------------------------------------------


def _opening(ctx: ArtifactCtx) -> str:
    purpose = str(ctx.file.get("purpose") or "").strip()
    desc = str((ctx.project or {}).get("description") or "")
    desc = ctx.text.situate(desc) if desc else ""  # a project's files must not all open alike
    return " ".join(p for p in (purpose, desc, ctx.text.paragraph(2)) if p)


def _report(ctx: ArtifactCtx, category: str) -> list[Block]:
    t = ctx.text
    blocks = [
        heading("Summary"),
        para(_opening(ctx)),
        para(facts_paragraph(ctx) + " " + t.paragraph(2)),
    ]
    blocks += [heading("Background"), para(t.paragraph())]
    blocks += [heading("Key figures"), facts_table(ctx)]
    blocks += [heading("Findings"), bullets(t.sentences(ctx.rng.randint(3, 5)))]
    blocks += [heading("Detail", 2), para(t.paragraph(3)), domain_table(ctx, category)]
    blocks += [heading("Risks"), risk_table(ctx)]
    blocks += [heading("Recommendations"), numbered(t.bullets(ctx.rng.randint(3, 5)))]
    blocks += [heading("Next steps"), para(t.paragraph(3))]
    return blocks


def _memo(ctx: ArtifactCtx, category: str) -> list[Block]:
    t, prof = ctx.text, ctx.profile
    person = t.person()
    header = (
        f"To: {person['name']} ({person.get('role', '')}) | From: {prof.get('full_name', '')} | "
        f"Date: {day_label(ctx.date.date())} | Re: {ctx.title}"
    )
    blocks = [para(header), heading("Purpose"), para(_opening(ctx))]
    blocks += [heading("Background"), para(t.paragraph())]
    blocks += [heading("The figures"), para(facts_paragraph(ctx)), facts_table(ctx)]
    blocks += [heading("Discussion"), para(t.paragraph()), para(t.paragraph(3))]
    blocks += [heading("Decision requested"), bullets(t.bullets(3))]
    blocks += [heading("Next steps"), numbered(t.bullets(3))]
    return blocks


def _minutes(ctx: ArtifactCtx, category: str) -> list[Block]:
    t, rng = ctx.text, ctx.rng
    people = [
        f"{p['name']} ({p.get('role', '')})" for p in rng.sample(t.people, k=min(4, len(t.people)))
    ]
    people.insert(0, f"{ctx.profile.get('full_name', 'Me')} (notes)")
    items = [cap_first(t.fill("{topic}")) for _ in range(3)]
    items.append("Figures update")
    blocks = [para(_opening(ctx)), heading("Attendees"), bullets(people)]
    blocks += [heading("Agenda"), numbered(items)]
    for item in items[:-1]:
        blocks += [heading(item, 2), para(t.paragraph(3))]
    blocks += [heading(items[-1], 2), para(facts_paragraph(ctx)), facts_table(ctx)]
    blocks += [heading("Decisions"), bullets(t.sentences(2))]
    blocks += [heading("Actions"), action_table(ctx)]
    return blocks


def _plan(ctx: ArtifactCtx, category: str) -> list[Block]:
    t, rng = ctx.text, ctx.rng
    blocks = [heading("Objectives"), para(_opening(ctx)), bullets(t.bullets(rng.randint(3, 4)))]
    blocks += [heading("Scope"), para(t.paragraph())]
    blocks += [heading("Timeline"), milestone_table(ctx)]
    blocks += [
        heading("Budget and resources"),
        para(facts_paragraph(ctx)),
        domain_table(ctx, category),
    ]
    blocks += [heading("Risks"), risk_table(ctx, 3)]
    blocks += [heading("Success measures"), facts_table(ctx)]
    blocks += [heading("Approval"), para(t.paragraph(2))]
    return blocks


def _policy(ctx: ArtifactCtx, category: str) -> list[Block]:
    t, rng, fam = ctx.text, ctx.rng, ctx.family
    terms = rng.sample(fam.terms, k=min(4, len(fam.terms)))
    defs = [
        f"{cap_first(term)}: as used in {ctx.profile.get('employer', 'our organisation')}"
        for term in terms
    ]
    roles = [[p.get("role", ""), cap_first(p.get("decision_authority", ""))] for p in t.people[:5]]
    blocks = [heading("Purpose"), para(_opening(ctx))]
    blocks += [heading("Scope"), para(t.paragraph(3))]
    blocks += [heading("Definitions"), bullets(defs)]
    blocks += [heading("Procedure"), numbered(t.bullets(rng.randint(5, 7)))]
    blocks += [heading("Responsibilities"), table(["Role", "Responsibility"], roles)]
    blocks += [heading("Reference figures"), facts_table(ctx)]
    blocks += [heading("Review"), para(t.paragraph(2))]
    return blocks


def _roster(ctx: ArtifactCtx, category: str) -> list[Block]:
    t = ctx.text
    blocks = [heading("Overview"), para(_opening(ctx)), para(t.paragraph(3))]
    blocks += [heading("Schedule"), domain_table(ctx, "roster", ctx.rng.randint(10, 16))]
    blocks += [heading("Notes"), bullets(t.sentences(3))]
    blocks += [heading("Figures"), facts_table(ctx)]
    blocks += [heading("Changes and swaps"), para(t.paragraph(3))]
    return blocks


def _letter(ctx: ArtifactCtx, category: str) -> list[Block]:
    t, prof = ctx.text, ctx.profile
    person = t.person()
    blocks = [
        para(f"{prof.get('employer', '')}, {prof.get('location', '')}"),
        para(day_label(ctx.date.date())),
        para(f"Dear {person['name']},"),
        heading(ctx.title, 2),
        para(_opening(ctx)),
        para(t.paragraph()),
        para(facts_paragraph(ctx)),
        facts_table(ctx),
        para(t.paragraph(3)),
        bullets(t.bullets(3)),
        para(t.situate("Please let me know if anything here does not match your records.")),
        para(f"Yours sincerely,\n{prof.get('full_name', '')}\n{prof.get('job_title', '')}"),
    ]
    return blocks


def _invoice(ctx: ArtifactCtx, category: str) -> list[Block]:
    t = ctx.text
    number = f"INV-{ctx.rng.randint(10000, 99999)}"
    blocks = [
        heading(f"Invoice {number}"),
        para(
            f"Billed to: {ctx.profile.get('employer', '')}, "
            f"attn. {ctx.profile.get('full_name', '')}"
        ),
        para(f"Invoice date: {day_label(ctx.date.date())}. Payment terms: 30 days."),
        heading("Lines", 2),
        domain_table(ctx, "invoice", 6),
        heading("Reference figures", 2),
        facts_table(ctx),
        para(t.paragraph(2)),
        para("Please quote the invoice number on all payments and correspondence."),
    ]
    return blocks


_LAYOUTS: dict[str, Callable[[ArtifactCtx, str], list[Block]]] = {
    "memo": _memo,
    "minutes": _minutes,
    "agenda": _minutes,
    "plan": _plan,
    "proposal": _plan,
    "policy": _policy,
    "guide": _policy,
    "form": _policy,
    "roster": _roster,
    "letter": _letter,
    "invoice": _invoice,
}


def _fit(ctx: ArtifactCtx, blocks: list[Block]) -> list[Block]:
    """Keep 8-30 blocks, with a sources section whenever the file draws on others."""
    deps = dependency_lines(ctx)
    if deps:
        blocks += [heading("Sources"), bullets(deps)]
    blocks = [b for b in blocks if b.get("text") or b.get("items") or b.get("table")]
    while len(blocks) < 8:
        blocks += [heading("Further notes", 2), para(ctx.text.paragraph())]
    return blocks[:30]


@structured("DocumentContent")
def document_content(req: OfflineRequest) -> dict:
    ctx = artifact_ctx(req)
    kind = str(ctx.file.get("kind") or "docx")
    category = category_of(ctx.title, kind)
    layout = _LAYOUTS.get(category, _report)
    blocks = _fit(ctx, layout(ctx, category))
    project = (ctx.project or {}).get("name") or ctx.family.name
    return {
        "title": ctx.title,
        "summary": _summary(ctx, category),
        "facts": dict(ctx.facts),
        "blocks": blocks,
        "header": f"{ctx.profile.get('employer', '')} · {project}".strip(" ·"),
        "footer": f"{ctx.title} · {day_label(ctx.date.date())}",
    }


def _summary(ctx: ArtifactCtx, category: str) -> str:
    first = next(iter(ctx.facts.items()), None)
    figure = f"; {lower(first[0])} {first[1]}" if first else ""
    project = (ctx.project or {}).get("name") or ctx.family.name
    return f"{cap_first(category)} on {project}: {ctx.title}{figure}."


# -- PresentationContent -----------------------------------------------------------------------


def _slide(title: str, items: list[str], notes: str, **visual: Any) -> dict:
    return {"title": locales.label(title), "bullets": items, "notes": notes, **visual}


def _trend_chart(ctx: ArtifactCtx, label: str, amount: float) -> dict:
    """Six months of planned against actual spend adding up to a money fact."""
    months, month = [], dt.date(ctx.date.year, ctx.date.month, 1)
    for _ in range(6):
        months.insert(0, month.strftime("%b %Y"))
        month = (month - dt.timedelta(days=1)).replace(day=1)
    planned = [round(amount / 6, -2) for _ in months]
    actual = [round(p * ctx.rng.uniform(0.85, 1.12), -2) for p in planned]
    return {
        "type": "column",
        "title": f"{cap_first(lower(label))} by month",
        "categories": months,
        "series": [{"name": "Planned", "values": planned}, {"name": "Actual", "values": actual}],
    }


@structured("PresentationContent")
def presentation_content(req: OfflineRequest) -> dict:
    ctx = artifact_ctx(req)
    t, rng = ctx.text, ctx.rng
    topics = rng.sample(
        ctx.family.slide_topics, k=min(rng.randint(2, 4), len(ctx.family.slide_topics))
    )
    figures = [f"{label}: {value}" for label, value in list(ctx.facts.items())[:6]]
    slides = [
        _slide("Context", t.sentences(3), _opening(ctx)),
        _slide("Key figures", figures, facts_paragraph(ctx) + " " + t.paragraph(2)),
    ]
    slides += [_slide(topic, t.sentences(rng.randint(3, 4)), t.paragraph(3)) for topic in topics]
    risks = [
        f"{t.fill(r)} – {t.fill(rng.choice(ctx.family.actions))}"
        for r in rng.sample(ctx.family.risks, k=min(3, len(ctx.family.risks)))
    ]
    slides.append(_slide("Risks and mitigations", risks, t.paragraph(2)))
    if ctx.deps:
        slides.append(_slide("Sources", dependency_lines(ctx), "Numbers match the source files."))
    slides.append(_slide("Decisions needed", t.bullets(rng.randint(2, 3)), t.paragraph(2)))
    slides.append(_slide("Next steps", t.bullets(rng.randint(3, 4)), t.paragraph(2)))
    milestones = milestone_table(ctx)["table"]
    slides.insert(-1, _slide("Milestones", t.sentences(1), t.paragraph(2), table=milestones))
    anchor = money_anchor(ctx)
    if anchor:
        chart = _trend_chart(ctx, *anchor)
        slides.insert(2, _slide("Trend", t.sentences(2), t.paragraph(2), chart=chart))
    agenda = _slide("Agenda", [s["title"] for s in slides], "Walk through the agenda quickly.")
    slides = [agenda, *slides][:12]
    project = (ctx.project or {}).get("name", "")
    subtitle = " · ".join(
        p for p in (project, str(ctx.profile.get("full_name", "")), day_label(ctx.date.date())) if p
    )
    return {
        "title": ctx.title,
        "subtitle": subtitle,
        "summary": f"{len(slides)}-slide deck: {ctx.title}.",
        "facts": dict(ctx.facts),
        "slides": slides,
    }
