"""Offline answers for the file-plan contracts: FilePlan and CollaboratorFiles.

A folder's files get kinds that pull the whole computer toward the paper's mix (the
``existing`` files show what is already planned), document types that fit the folder and
the profession, names in the person's own convention, dates inside the timeline after
everything they depend on, and dependency edges only to files already known.
"""

from __future__ import annotations

import datetime as dt
import random

from studio.llm.offline import locales
from studio.llm.offline.domains import DocType, Family
from studio.llm.offline.gen_common import find_project, lower_first
from studio.llm.offline.gen_context import Slots, TextCtx
from studio.llm.offline.gen_figures import metric_value, plant_error
from studio.llm.offline.gen_names import KIND_DEFAULT, category_of, file_stem, messy
from studio.llm.offline.gen_plan_mail import (
    plan_calendar,
    plan_thread,
    thread_sizes,
)
from studio.llm.offline.gen_plan_rules import DEP_CHANCE, DEPENDS, ROLE_CATEGORIES, VERSIONED
from studio.llm.offline.gen_planner import (
    FolderInfo,
    Known,
    Planner,
    choose_kinds,
    classify_folder,
    planner_for,
)
from studio.llm.offline.registry import OfflineRequest, structured

# -- FilePlan ----------------------------------------------------------------------------------


def _doc_type(
    rng: random.Random, family: Family, kind: str, role: str, used: dict[str, int]
) -> DocType:
    prefer = ROLE_CATEGORIES.get(role, ())
    options: list[tuple[DocType, float]] = []
    for pool, base in ((family.doc_types, 2.0), (locales.generic_doc_types(), 1.0)):
        for d in pool:
            if d.kind == kind:
                w = base * (3.0 if d.category in prefer else 1.0) * 0.3 ** used.get(d.title, 0)
                options.append((d, w))
    if not options:
        return DocType(kind, KIND_DEFAULT[kind], "{Topic} notes", "Notes on {topic}.")
    return rng.choices([d for d, _ in options], weights=[w for _, w in options])[0]


def _pick_project(rng: random.Random, info: FolderInfo, profile: dict, needs: bool) -> dict | None:
    if info.project:
        return info.project
    projects = profile.get("projects") or []
    if projects and (needs or rng.random() < 0.55):
        return rng.choice(projects)
    return None


def _dependencies(plan: Planner, category: str, kind: str, project: str) -> list[tuple[Known, str]]:
    rule = DEPENDS.get(category)
    if not rule or plan.rng.random() > DEP_CHANCE.get(kind, 0.3):
        return []
    wanted, relation = rule
    scored = []
    for k in plan.known:
        if k.kind in ("eml", "ics") or k.category not in wanted:
            continue
        # same project first; a file whose date is known (or bounded) can be dated after
        score = (2.0 if project and k.project == project else 0.0) + plan.rng.random()
        score += 0.8 if k.date is not None else 0.0
        if k.date is not None and k.date >= plan.end - dt.timedelta(days=2):
            continue  # nothing could come after it inside the timeline
        scored.append((score, k))
    scored.sort(key=lambda t: -t[0])
    count = 1 if plan.rng.random() < 0.7 else 2
    return [(k, relation) for _, k in scored[:count]]


def _latest(deps: list[Known]) -> tuple[dt.datetime | None, bool]:
    dates = [d.date for d in deps if d.date is not None]
    unknown = any(d.date is None for d in deps)
    return (max(dates) if dates else None), unknown


def _plan_document(plan: Planner, info: FolderInfo, kind: str, used: dict[str, int]) -> None:
    rng, prof = plan.rng, plan.profile
    versionable = [
        k
        for k in plan.known
        if k.path.rpartition("/")[0] == info.path and k.kind == kind and k.kind in VERSIONED
    ]
    bump = {"drafts": 0.35, "project": 0.15}.get(info.role, 0.07)
    if "v" in prof.get("naming_convention", "").lower():
        bump *= 1.4
    if versionable and rng.random() < bump:
        base = max(versionable, key=lambda k: k.version)
        _emit(
            plan,
            info,
            base.doc,
            kind,
            base.title,
            base.project,
            [(base, "version_of")],
            version=base.version + 1,
        )
        return
    doc = _doc_type(rng, plan.family, kind, info.role, used)
    used[doc.title] = used.get(doc.title, 0) + 1
    project = _pick_project(rng, info, prof, "{project}" in doc.title or "{code}" in doc.title)
    project_name = str((project or {}).get("name", ""))
    deps = _dependencies(plan, doc.category, kind, project_name)
    _emit(plan, info, doc, kind, None, project_name, deps, version=1)


def _emit(
    plan: Planner,
    info: FolderInfo,
    doc: DocType | None,
    kind: str,
    title: str | None,
    project_name: str,
    deps: list[tuple[Known, str]],
    *,
    version: int,
) -> None:
    rng, prof = plan.rng, plan.profile
    latest, unknown = _latest([d for d, _ in deps])
    when = plan.date_after(latest, late=unknown)
    project = find_project(prof, project_name)
    text = TextCtx(rng, plan.family, prof, project, [], when.date())
    doc = doc or DocType(kind, category_of(title or "", kind), title or "Notes", "{topic}")
    slots = text.slots()  # title and purpose must name the same unit, topic and person
    if title is None:
        title = text.fill(doc.title, slots)
    purpose = _purpose(text, slots, doc, title, deps, version)
    final = info.role == "final" or kind == "pdf"
    stem = file_stem(
        str(prof.get("naming_convention", "Topic_vN")),
        title,
        when,
        version=version,
        code=str((project or {}).get("code", "")),
        final=final,
    )
    stem = messy(stem, title, float(prof.get("tidiness", 0.5)), rng)
    key = plan.new_key()
    path = plan.unique_path(info.path, stem, kind)
    plan.files.append(
        {
            "key": key,
            "path": path,
            "kind": kind,
            "title": title,
            "date": when.isoformat(timespec="minutes"),
            "project": project_name,
            "purpose": purpose,
            "depends_on": [{"key": d.key, "relation": rel} for d, rel in deps],
            "owner": "user",
            "planted_error": "",
        }
    )
    plan.known.append(Known(key, kind, title, project_name, path, doc.category, when, version, doc))


def _purpose(
    text: TextCtx,
    slots: Slots,
    doc: DocType,
    title: str,
    deps: list[tuple[Known, str]],
    version: int,
) -> str:
    if version > 1:
        who = text.fill("{collab}", slots)
        return locales.label(
            "Version {version} of '{title}', revised after comments from {who}."
        ).format(version=version, title=title, who=who)
    line = text.fill(doc.purpose, slots).rstrip(".")
    if deps:
        dep, relation = deps[0]
        verb = locales.label(
            {"derived_from": "built from", "references": "citing"}.get(relation, "using")
        )
        line += f", {verb} '{dep.title}'"
    return line + "."


@structured("FilePlan")
def file_plan(req: OfflineRequest) -> dict:
    ctx = req.context or {}
    folder = ctx.get("folder") or {}
    path = str(folder.get("path") or "Documents").strip("/")
    count = max(1, int(folder.get("file_count") or 1))
    plan = planner_for(req, str(ctx.get("key_prefix") or "f"))
    info = classify_folder(path, plan.profile, ctx.get("policy") or {})
    if info.mail:
        for size in thread_sizes(plan.rng, count):
            plan_thread(plan, info, size)
    elif info.calendar:
        for i in range(count):
            plan_calendar(plan, info, i)
    else:
        used: dict[str, int] = {}
        existing = [e for e in ctx.get("existing") or [] if isinstance(e, dict)]
        for kind in choose_kinds(plan.rng, count, info.role, existing):
            _plan_document(plan, info, kind, used)
    return {"files": plan.files}


# -- CollaboratorFiles -------------------------------------------------------------------------

_PRIVATE_DIRS = ("Reference", "Working", "Shared", "Team files", "My Documents")
_COLLAB_KINDS = ("xlsx", "xlsx", "xlsx", "docx", "pdf", "csv")


@structured("CollaboratorFiles")
def collaborator_files(req: OfflineRequest) -> dict:
    ctx = req.context or {}
    rng = req.rng
    person = ctx.get("collaborator") or {}
    name = str(person.get("name") or "Colleague")
    plan = planner_for(req, str(ctx.get("key_prefix") or "c"))
    plan.taken_paths = set()  # paths are relative to the collaborator's own folder
    projects = [p for p in plan.profile.get("projects") or [] if p.get("key_figures")]
    folder = rng.choice(_PRIVATE_DIRS)
    for i in range(rng.randint(1, 3)):
        project = rng.choice(projects) if projects else None
        kind = rng.choice(_COLLAB_KINDS) if i else rng.choice(("xlsx", "xlsx", "docx", "pdf"))
        _collab_file(plan, folder, kind, project, person, with_error=(i == 0))
    for f in plan.files:
        f["owner"] = name
    return {"files": plan.files}


def _collab_file(
    plan: Planner, folder: str, kind: str, project: dict | None, person: dict, *, with_error: bool
) -> None:
    rng = plan.rng
    info = FolderInfo(folder, "reference" if kind in ("pdf", "docx") else "data", project)
    doc = _doc_type(rng, plan.family, kind, info.role, {})
    pname = str((project or {}).get("name", ""))
    refs = [k for k in plan.known if k.project == pname and k.kind not in ("eml", "ics")]
    deps = [(rng.choice(refs), "references")] if refs and rng.random() < 0.5 else []
    _emit(plan, info, doc, kind, None, pname, deps, version=1)
    entry = plan.files[-1]
    role = str(person.get("role", "colleague"))
    owner = str(person.get("name", "A colleague"))
    entry["purpose"] = f"{owner}'s own copy ({role}): {lower_first(entry['purpose'])}"
    if with_error:
        figures = (project or {}).get("key_figures") or {}
        if figures:
            label = rng.choice(sorted(figures))
            _, description = plant_error(label, str(figures[label]), rng)
        else:
            metric = rng.choice(plan.family.metrics)
            _, description = plant_error(metric.label, metric_value(metric, rng), rng)
        entry["planted_error"] = description
