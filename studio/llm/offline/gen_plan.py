"""Offline answers for the file-plan contracts: FilePlan and CollaboratorFiles.

A folder's files get kinds that pull the whole computer toward the paper's mix (the
``existing`` files show what is already planned), document types that fit the folder and
the profession, names in the person's own convention, dates inside the timeline after
everything they depend on, and dependency edges only to files already known.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import re
from dataclasses import dataclass, field

from studio.llm.offline import locales
from studio.llm.offline.domains import DocType, Family
from studio.llm.offline.gen_common import (
    collaborators,
    find_project,
    lower_first,
    profile_family,
    profile_locale,
    safe_component,
    to_date,
    to_datetime,
    work_time,
)
from studio.llm.offline.gen_context import Slots, TextCtx
from studio.llm.offline.gen_figures import metric_value, plant_error
from studio.llm.offline.gen_names import (
    KIND_DEFAULT,
    category_of,
    file_stem,
    latest_possible,
    messy,
)
from studio.llm.offline.registry import OfflineRequest, structured

# The paper's mix; eml comes from the Mail folders the outline sizes, ics is one file.
KIND_MIX: dict[str, float] = {
    "docx": 35.0,
    "xlsx": 16.0,
    "pdf": 14.0,
    "pptx": 8.5,
    "md": 6.5,
    "txt": 5.0,
    "csv": 5.5,
}
_MIX_TOTAL = sum(KIND_MIX.values())

# How much each kind suits a folder of a given role (multiplicative preference).
_AFFINITY: dict[str, dict[str, float]] = {
    "project": dict(docx=1.2, xlsx=1.2, pptx=1.0, pdf=0.8, md=0.8, txt=0.6, csv=0.6),
    "drafts": dict(docx=2.0, xlsx=0.8, pptx=1.0, pdf=0.3, md=0.8, txt=0.8, csv=0.3),
    "final": dict(docx=1.2, xlsx=0.6, pptx=1.2, pdf=2.0, md=0.2, txt=0.2, csv=0.2),
    "data": dict(docx=0.4, xlsx=2.5, pptx=0.2, pdf=0.3, md=0.4, txt=0.6, csv=2.5),
    "meetings": dict(docx=1.4, xlsx=0.4, pptx=0.6, pdf=0.4, md=2.2, txt=1.2, csv=0.2),
    "reports": dict(docx=1.6, xlsx=1.0, pptx=1.2, pdf=1.6, md=0.3, txt=0.2, csv=0.4),
    "decks": dict(docx=0.6, xlsx=0.4, pptx=3.0, pdf=1.0, md=0.2, txt=0.2, csv=0.2),
    "admin": dict(docx=1.3, xlsx=1.2, pptx=0.3, pdf=2.0, md=0.3, txt=0.4, csv=0.5),
    "reference": dict(docx=1.2, xlsx=0.5, pptx=0.6, pdf=2.5, md=0.5, txt=0.4, csv=0.3),
    "archive": dict(docx=1.4, xlsx=1.2, pptx=1.0, pdf=1.2, md=0.5, txt=0.5, csv=0.5),
    "misc": dict(docx=1.0, xlsx=1.0, pptx=0.6, pdf=1.0, md=1.2, txt=1.8, csv=0.8),
    "downloads": dict(docx=0.9, xlsx=1.0, pptx=0.5, pdf=2.5, md=0.2, txt=0.3, csv=1.6),
    "general": dict(docx=1.2, xlsx=1.2, pptx=0.7, pdf=1.0, md=0.6, txt=0.5, csv=0.7),
}
_ROLE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("drafts", ("draft", "working", "wip", "old versions")),
    ("final", ("final", "sent", "deliverable", "published", "submitted")),
    ("data", ("data", "raw", "export", "analysis")),
    ("meetings", ("meeting", "minutes", "notes", "huddle", "1-1")),
    ("decks", ("presentation", "slides", "decks")),
    ("reports", ("report",)),
    ("admin", ("admin", "expenses", "training", "timesheets", "contracts", "leave")),
    ("reference", ("reference", "guidance", "policies", "literature", "templates")),
    ("archive", ("archive",)),
    ("misc", ("misc", "new folder", "old", "to sort", "attachments", "copy")),
)
_ROLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "meetings": ("minutes", "agenda", "notes"),
    "data": ("analysis", "export", "log", "tracker", "budget", "roster"),
    "admin": ("form", "policy", "invoice", "budget", "letter"),
    "reference": ("guide", "policy", "report"),
    "decks": ("deck",),
    "final": ("report", "plan", "proposal", "letter"),
    "drafts": ("report", "plan", "proposal", "memo", "policy"),
    "reports": ("report", "analysis", "deck"),
    "misc": ("notes", "todo"),
    "downloads": ("guide", "invoice", "export", "form", "report", "policy"),
}
# Which categories a file of a category typically draws on, and how.
_DEPENDS: dict[str, tuple[tuple[str, ...], str]] = {
    "deck": (("report", "analysis", "budget", "plan", "tracker"), "derived_from"),
    "memo": (("budget", "analysis", "tracker", "report", "export"), "references"),
    "report": (("analysis", "budget", "tracker", "export", "log", "roster"), "references"),
    "proposal": (("budget", "analysis", "report"), "references"),
    "plan": (("budget", "report", "analysis", "roster"), "references"),
    "letter": (("report", "plan", "proposal"), "references"),
    "minutes": (("deck", "report", "agenda", "plan", "tracker"), "references"),
    "agenda": (("minutes", "report", "deck"), "references"),
    "notes": (("report", "minutes", "analysis", "deck"), "references"),
    "todo": (("minutes", "plan", "tracker"), "references"),
    "analysis": (("export", "log", "tracker"), "derived_from"),
    "budget": (("export", "analysis"), "derived_from"),
    "tracker": (("export", "log", "minutes"), "references"),
    "roster": (("export", "roster"), "derived_from"),
    "readme": (("plan", "report", "tracker"), "references"),
}
_DEP_CHANCE = dict(docx=0.6, pptx=0.75, md=0.55, pdf=0.35, xlsx=0.35, txt=0.3, csv=0.08)
_VERSIONED = ("docx", "xlsx", "pptx")

# -- folder roles ------------------------------------------------------------------------------


@dataclass
class FolderInfo:
    path: str
    role: str
    project: dict | None
    mail: bool = False
    calendar: bool = False


def classify_folder(path: str, profile: dict, policy: dict) -> FolderInfo:
    loc = {"mail": "Mail", "calendar": "Calendar", "desktop": "Desktop", "downloads": "Downloads"}
    loc.update(policy.get("default_locations") or {})
    low = path.lower()
    project = _project_in_path(path, profile)
    if low == loc["mail"].lower() or low.startswith(loc["mail"].lower() + "/"):
        return FolderInfo(path, "mail", project, mail=True)
    if low == loc["calendar"].lower() or low.startswith(loc["calendar"].lower() + "/"):
        return FolderInfo(path, "calendar", project, calendar=True)
    parts = [p.lower() for p in path.split("/")]
    for part in reversed(parts):
        for role, words in _ROLE_WORDS:
            if any(w in part for w in words):
                return FolderInfo(path, role, project)
    if parts[0] == loc["desktop"].lower():
        return FolderInfo(path, "misc", project)
    if parts[0] == loc["downloads"].lower():
        return FolderInfo(path, "downloads", project)
    return FolderInfo(path, "project" if project else "general", project)


def _project_in_path(path: str, profile: dict) -> dict | None:
    parts = [p.lower() for p in path.split("/")]
    for proj in profile.get("projects") or []:
        name = str(proj.get("name", "")).lower()
        code = str(proj.get("code", "")).lower()
        for part in parts:
            if (name and name in part) or (code and re.search(rf"\b{re.escape(code)}\b", part)):
                return proj
    return None


# -- kinds -------------------------------------------------------------------------------------


def choose_kinds(rng: random.Random, n: int, role: str, existing: list[dict]) -> list[str]:
    """Kinds for n files: what the computer still lacks, nudged by what suits the folder."""
    counts = dict.fromkeys(KIND_MIX, 0)
    for e in existing:
        if e.get("kind") in counts:
            counts[e["kind"]] += 1
    total = sum(counts.values()) + n
    need = {k: KIND_MIX[k] / _MIX_TOTAL * total - counts[k] for k in KIND_MIX}
    affinity = _AFFINITY.get(role, _AFFINITY["general"])
    out = []
    for _ in range(n):
        kind = max(
            KIND_MIX,
            key=lambda k: need[k] + 1.4 * math.log(affinity[k]) + rng.uniform(0.0, 0.9),
        )
        need[kind] -= 1
        out.append(kind)
    rng.shuffle(out)
    return out


# -- planning state ----------------------------------------------------------------------------


@dataclass
class _Known:
    key: str
    kind: str
    title: str
    project: str
    path: str
    category: str
    date: dt.datetime | None
    version: int = 1
    doc: DocType | None = None


@dataclass
class _Planner:
    rng: random.Random
    profile: dict
    family: Family
    start: dt.datetime
    end: dt.datetime
    prefix: str
    known: list[_Known]
    taken_paths: set[str]
    taken_keys: set[str]
    files: list[dict] = field(default_factory=list)

    def new_key(self) -> str:
        n = len(self.files)
        key = f"{self.prefix}{n:03d}"
        while key in self.taken_keys:
            n += 1
            key = f"{self.prefix}{n:03d}x"
        self.taken_keys.add(key)
        return key

    def unique_path(self, folder: str, stem: str, ext: str) -> str:
        stem = safe_component(stem) or "file"
        # a second file of the same name keeps the person's style: a-b-2, a_b_2, or "a b (2)"
        if " " in stem:
            numbered = "{stem} ({n})"
        else:
            numbered = "{stem}-{n}" if "-" in stem and "_" not in stem else "{stem}_{n}"
        path, n = f"{folder}/{stem}.{ext}", 2
        while path.lower() in self.taken_paths:
            path, n = f"{folder}/{numbered.format(stem=stem, n=n)}.{ext}", n + 1
        self.taken_paths.add(path.lower())
        return path

    def date_after(self, lo: dt.datetime | None, late: bool = False) -> dt.datetime:
        """A working-hours time after lo (or anywhere plausible) and not after the end."""
        span = (self.end - self.start).total_seconds()
        floor = self.start + dt.timedelta(seconds=span * (0.55 if late else 0.0))
        lo = max(lo + dt.timedelta(hours=2), floor) if lo else floor
        if lo >= self.end:
            return self.end
        room = (self.end - lo).total_seconds()
        for _ in range(4):
            when = work_time(self.rng, (lo + dt.timedelta(seconds=room * self.rng.random())).date())
            if lo < when <= self.end:
                return when
        return lo + dt.timedelta(seconds=min(room, 3600) * self.rng.random())


def _known_from_existing(existing: list[dict]) -> list[_Known]:
    out = []
    for e in existing:
        if not isinstance(e, dict) or not e.get("key"):
            continue
        kind = str(e.get("kind", ""))
        title = str(e.get("title", ""))
        date = (
            to_datetime(e["date"]) if e.get("date") else latest_possible(str(e.get("path")), title)
        )
        out.append(
            _Known(
                key=str(e["key"]),
                kind=kind,
                title=title,
                project=str(e.get("project", "")),
                path=str(e.get("path", "")),
                category=category_of(title, kind),
                date=date,
            )
        )
    return out


# -- FilePlan ----------------------------------------------------------------------------------


def _doc_type(
    rng: random.Random, family: Family, kind: str, role: str, used: dict[str, int]
) -> DocType:
    prefer = _ROLE_CATEGORIES.get(role, ())
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


def _dependencies(
    plan: _Planner, category: str, kind: str, project: str
) -> list[tuple[_Known, str]]:
    rule = _DEPENDS.get(category)
    if not rule or plan.rng.random() > _DEP_CHANCE.get(kind, 0.3):
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


def _latest(deps: list[_Known]) -> tuple[dt.datetime | None, bool]:
    dates = [d.date for d in deps if d.date is not None]
    unknown = any(d.date is None for d in deps)
    return (max(dates) if dates else None), unknown


def _plan_document(plan: _Planner, info: FolderInfo, kind: str, used: dict[str, int]) -> None:
    rng, prof = plan.rng, plan.profile
    versionable = [
        k
        for k in plan.known
        if k.path.rpartition("/")[0] == info.path and k.kind == kind and k.kind in _VERSIONED
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
    plan: _Planner,
    info: FolderInfo,
    doc: DocType | None,
    kind: str,
    title: str | None,
    project_name: str,
    deps: list[tuple[_Known, str]],
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
    plan.known.append(
        _Known(key, kind, title, project_name, path, doc.category, when, version, doc)
    )


def _purpose(
    text: TextCtx,
    slots: Slots,
    doc: DocType,
    title: str,
    deps: list[tuple[_Known, str]],
    version: int,
) -> str:
    if version > 1:
        who = text.fill("{collab}", slots)
        return f"Version {version} of '{title}', revised after comments from {who}."
    line = text.fill(doc.purpose, slots).rstrip(".")
    if deps:
        dep, relation = deps[0]
        verb = {"derived_from": "built from", "references": "citing"}.get(relation, "using")
        line += f", {verb} '{dep.title}'"
    return line + "."


# -- mail and calendar -------------------------------------------------------------------------

_SUBJECTS = (
    "{project}: {topic} figures for {month}",
    "Quick question on the {term}",
    "Input needed: {topic} on {unit}",
    "Re-scheduling the {meeting}",
    "{code} – next steps",
    "Update on {topic}",
)
_OPENERS = (
    "asks for input on {topic}",
    "shares the latest numbers and asks for a check",
    "raises a concern about the {term}",
    "proposes a change to the plan for {project}",
)
_REPLIES = (
    "replies with the figures and a question about timing",
    "confirms next steps and owners",
    "pushes back on the deadline",
    "asks for the source behind the numbers",
    "agrees and promises the revised file by {deadline}",
    "adds {collab_first}'s comments on {topic}",
)


def thread_partner(root_key: str, people: list[dict]) -> dict:
    """The collaborator the pipeline puts on a thread (it hashes the root key the same way)."""
    index = int(hashlib.sha256(root_key.encode()).hexdigest(), 16) % len(people)
    return people[index]


def _plan_thread(plan: _Planner, info: FolderInfo, size: int) -> None:
    rng, prof = plan.rng, plan.profile
    people = collaborators(prof) or [{"name": "A colleague", "role": "colleague"}]
    user = str(prof.get("full_name", "me"))
    project = info.project or (rng.choice(prof["projects"]) if prof.get("projects") else None)
    pname = str((project or {}).get("name", ""))
    refs = [k for k in plan.known if k.kind not in ("eml", "ics") and k.project == pname]
    ref = rng.choice(refs) if refs and rng.random() < 0.7 else None
    floor = ref.date if ref and ref.date else None
    first = plan.date_after(floor, late=bool(ref and ref.date is None))
    # leave room for the replies, but never start before the file the thread is about
    room = plan.end - dt.timedelta(days=size)
    if first > room and (floor is None or floor + dt.timedelta(hours=2) < room):
        first = room
    text = TextCtx(rng, plan.family, prof, project, [], first.date())
    subject = text.fill(rng.choice(_SUBJECTS))
    if ref is not None:
        subject = f"{ref.title} – comments"
    prev: _Known | None = None
    partner: dict = {}
    when = first
    for i in range(size):
        key = plan.new_key()
        partner = partner or thread_partner(key, people)
        sender, recipient = (partner["name"], user) if i % 2 == 0 else (user, partner["name"])
        gist = text.fill(rng.choice(_OPENERS if i == 0 else _REPLIES))
        title = subject if i == 0 else f"Re: {subject}"
        deps = [(prev, "replies_to")] if prev else ([(ref, "references")] if ref else [])
        stem = f"{when:%Y%m%d-%H%M} " + title.replace(":", "_")
        path = plan.unique_path(info.path, stem, "eml")
        plan.files.append(
            {
                "key": key,
                "path": path,
                "kind": "eml",
                "title": title,
                "date": when.isoformat(timespec="minutes"),
                "project": pname,
                "purpose": f"From {sender} to {recipient}: {gist}.",
                "depends_on": [{"key": d.key, "relation": r} for d, r in deps],
                "owner": "user",
                "planted_error": "",
            }
        )
        prev = _Known(key, "eml", title, pname, path, "email", when)
        plan.known.append(prev)
        gap = dt.timedelta(hours=rng.choice((1, 2, 3, 5, 20, 26, 48)), minutes=rng.randrange(60))
        # each reply strictly after the last, all inside the timeline
        when += min(gap, (plan.end - when) / (size - i + 1))


def _thread_sizes(rng: random.Random, n: int) -> list[int]:
    sizes = []
    while n > 0:
        size = min(n, rng.randint(2, 5))
        if n - size == 1:
            size += 1  # no orphan single-message thread at the end
        sizes.append(size)
        n -= size
    return sizes


def _plan_calendar(plan: _Planner, info: FolderInfo, index: int) -> None:
    names = ("Work calendar", "Team calendar", "Project milestones", "Out of office")
    title = names[index % len(names)]
    owner = str(plan.profile.get("full_name", "the user"))
    plan.files.append(
        {
            "key": plan.new_key(),
            "path": plan.unique_path(info.path, title, "ics"),
            "kind": "ics",
            "title": title,
            "date": plan.end.replace(hour=17, minute=30).isoformat(timespec="minutes"),
            "project": "",
            "purpose": f"Export of {owner}'s {title.lower()}: 1:1s, team meetings and milestones.",
            "depends_on": [],
            "owner": "user",
            "planted_error": "",
        }
    )


def _planner(req: OfflineRequest, prefix: str) -> _Planner:
    ctx = req.context or {}
    prof = ctx.get("profile") or {}
    policy = ctx.get("policy") or {}
    existing = [e for e in ctx.get("existing") or [] if isinstance(e, dict)]
    known = _known_from_existing(existing)
    profile_locale(prof)
    end_d = to_date(policy.get("timeline_end"), dt.date(2026, 6, 30))
    start_d = to_date(policy.get("timeline_start"), end_d - dt.timedelta(days=180))
    if start_d >= end_d:
        start_d = end_d - dt.timedelta(days=120)
    return _Planner(
        rng=req.rng,
        profile=prof,
        family=profile_family(prof),
        start=dt.datetime.combine(start_d, dt.time(8, 0)),
        end=dt.datetime.combine(end_d, dt.time(18, 0)),
        prefix=prefix,
        known=known,
        taken_paths={k.path.lower() for k in known},
        taken_keys={k.key for k in known},
    )


@structured("FilePlan")
def file_plan(req: OfflineRequest) -> dict:
    ctx = req.context or {}
    folder = ctx.get("folder") or {}
    path = str(folder.get("path") or "Documents").strip("/")
    count = max(1, int(folder.get("file_count") or 1))
    plan = _planner(req, str(ctx.get("key_prefix") or "f"))
    info = classify_folder(path, plan.profile, ctx.get("policy") or {})
    if info.mail:
        for size in _thread_sizes(plan.rng, count):
            _plan_thread(plan, info, size)
    elif info.calendar:
        for i in range(count):
            _plan_calendar(plan, info, i)
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
    plan = _planner(req, str(ctx.get("key_prefix") or "c"))
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
    plan: _Planner, folder: str, kind: str, project: dict | None, person: dict, *, with_error: bool
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
