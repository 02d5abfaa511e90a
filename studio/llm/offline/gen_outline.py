"""Offline answer for the FolderOutline contract: the folder tree of a synthetic computer.

Folders come from the profile (project folders named after its projects), the profession
(its own top-level folders), the timeline (month and quarter folders) and the person's
tidiness (desktop dumps and "New Folder (2)" when messy). Their file counts add up exactly
to the target and are balanced so the mean file depth is near the paper's 3.4.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass

from studio.llm.offline import locales
from studio.llm.offline.domains import DEFAULT_LOCATIONS, Family
from studio.llm.offline.gen_common import profile_family, profile_locale, safe_component, titlecase
from studio.llm.offline.gen_context import TextCtx
from studio.llm.offline.registry import OfflineRequest, structured

# -- folders ---------------------------------------------------------------------------


@dataclass
class _Folder:
    path: str
    purpose: str
    weight: float
    fixed: bool = False  # mail and calendar counts are set, not balanced for depth
    count: int = 0

    @property
    def depth(self) -> int:
        """Path components of a file in this folder, the filename included."""
        return self.path.count("/") + 2


_PROJECT_SUBS = (
    ("Drafts", "working drafts", 2.0),
    ("Data", "data extracts and workings", 1.6),
    ("Final", "signed-off versions sent to stakeholders", 1.2),
    ("Meetings", "meeting notes and agendas", 1.2),
    ("Reference", "background material and guidance", 1.0),
    ("Presentations", "decks and handouts", 1.0),
    ("Correspondence", "letters and saved messages", 0.8),
    ("Working", "scratch analysis and notes", 0.8),
)
_DEEP_SUBS = {
    "Drafts": ("Old versions", "superseded drafts kept just in case"),
    "Data": ("Raw", "untouched exports"),
    "Final": ("Sent", "exactly what went out"),
    "Reference": ("Guidance", "external guidance documents"),
    "Meetings": ("Notes", "raw notes before write-up"),
}
_ADMIN_SUBS = ("Expenses", "Training", "Timesheets", "Contracts", "Leave")


class _Outline:
    """Builds candidate folders for one profile, most essential first."""

    def __init__(
        self, rng: random.Random, prof: dict, policy: dict, family: Family, target: int
    ) -> None:
        self.rng, self.prof, self.family = rng, prof, family
        # a big computer needs many more folders, not just fuller ones
        self.rich = target >= 300
        loc = {**DEFAULT_LOCATIONS, **(policy.get("default_locations") or {})}
        self.loc = loc
        self.tidiness = float(prof.get("tidiness", 0.5))
        self.end = _policy_date(policy, "timeline_end", dt.date(2026, 6, 30))
        self.start = _policy_date(policy, "timeline_start", self.end - dt.timedelta(days=180))
        self.numbered = self.tidiness >= 0.8 and rng.random() < 0.5
        self._numbers: dict[str, int] = {}
        self.projects = prof.get("projects") or [{"name": "General", "code": "GEN"}]
        style = rng.choice(("name", "name", "code-name", "code"))
        self.project_dirs = [self._project_dir(p, style) for p in self.projects]
        self.junk = self._untidy()

    def docs(self, name: str) -> str:
        if self.numbered:
            number = self._numbers.setdefault(name, len(self._numbers) + 1)
            name = f"{number:02d} {name}"
        return f"{self.loc['documents']}/{name}"

    def _project_dir(self, project: dict, style: str) -> str:
        name = safe_component(str(project.get("name", "Project")))
        code = str(project.get("code", ""))
        label = {"code-name": f"{code} {name}", "code": code}.get(style, name) or name
        return f"{self.docs('Projects')}/{label}"

    def core(self) -> list[_Folder]:
        p = self.projects
        dirs = self.project_dirs
        out = [
            _Folder(dirs[0], f"Main working folder for {p[0]['name']}", 3.0),
            _Folder(self.loc["desktop"], "Files dropped on the desktop", 3.0 - 1.5 * self.tidiness),
        ]
        out += self.junk[:2]  # a messy person's clutter is there even on a small computer
        if len(dirs) > 1:
            out.append(_Folder(dirs[1], f"Main working folder for {p[1]['name']}", 2.5))
        out += [
            _Folder(self.docs("Admin"), "Admin paperwork: expenses, forms, HR", 1.2),
            _Folder(self.loc["downloads"], "Downloaded attachments and exports", 1.5),
            _Folder(self.docs("Meetings"), "Meeting notes, agendas and minutes", 1.5),
            _Folder(self.docs("Reports"), "Periodic reports", 1.4),
            _Folder(f"{dirs[0]}/Drafts", f"Working drafts for {p[0]['name']}", 2.0),
            _Folder(self.docs(self.family.folders[0]), self._family_purpose(0), 1.5),
            _Folder(f"{self.docs('Archive')}/{self.start.year - 1}", "Last year's files", 1.0),
        ]
        return out

    def extras(self) -> list[_Folder]:
        rng = self.rng
        out: list[_Folder] = []
        for proj, root in zip(self.projects, self.project_dirs, strict=False):
            out.append(_Folder(root, f"Main working folder for {proj['name']}", 2.5))
            subs = len(_PROJECT_SUBS) if self.rich else rng.randint(3, 6)
            for sub, what, weight in rng.sample(_PROJECT_SUBS, k=subs):
                out.append(
                    _Folder(f"{root}/{sub}", f"{titlecase(what)} for {proj['name']}", weight)
                )
                if sub in _DEEP_SUBS and rng.random() < (0.85 if self.rich else 0.45):
                    deep, why = _DEEP_SUBS[sub]
                    out.append(_Folder(f"{root}/{sub}/{deep}", f"{titlecase(why)}", 0.8))
        for i, name in enumerate(self.family.folders):
            base = self.docs(name)
            out.append(_Folder(base, self._family_purpose(i), 1.4))
            pool = self._family_subs()
            k = rng.randint(2, 4) if self.rich else rng.randint(0, 2)
            for sub in rng.sample(pool, k=min(k, len(pool))):
                out.append(_Folder(f"{base}/{sub}", f"{name} material for {sub}", 1.0))
        out += self._meetings_and_reports()
        out += [
            _Folder(f"{self.docs('Admin')}/{s}", f"{s} paperwork", 0.8)
            for s in rng.sample(_ADMIN_SUBS, k=5 if self.rich else 3)
        ]
        out += self._archive()
        out.append(_Folder(self.docs("Misc"), "Things that did not fit anywhere else", 1.0))
        out += self.junk[2:]
        rng.shuffle(out)
        return out

    def _family_purpose(self, i: int) -> str:
        topics = self.rng.sample(self.family.topics, k=2)
        return f"{self.family.folders[i]}: working files on {topics[0]} and {topics[1]}"

    def _family_subs(self) -> list[str]:
        units = [titlecase(u) for u in self.family.units[: 8 if self.rich else 4]]
        return self._quarters() + units

    def _quarters(self) -> list[str]:
        out, day = [], self.start
        while day <= self.end:
            if _quarter(day) not in out:
                out.append(_quarter(day))
            day += dt.timedelta(days=28)
        return out

    def _meetings_and_reports(self) -> list[_Folder]:
        rng = self.rng
        out = [
            _Folder(f"{self.docs('Meetings')}/{m}", f"Notes from the {m.lower()}", 1.0)
            for m in rng.sample(
                self.family.meetings, k=len(self.family.meetings) if self.rich else 2
            )
        ]
        month = dt.date(self.end.year, self.end.month, 1)
        months = (self.end - self.start).days // 30 + 1 if self.rich else rng.randint(1, 3)
        for _ in range(months):
            out.append(_Folder(f"{self.docs('Meetings')}/{month:%Y-%m}", "Meeting notes", 0.8))
            month = (month - dt.timedelta(days=1)).replace(day=1)
        for q in self._quarters():
            out.append(_Folder(f"{self.docs('Reports')}/{q}", f"Reports for {q}", 1.0))
        if self.rich:
            out.append(_Folder(f"{self.docs('Reports')}/Monthly", "Monthly reporting pack", 1.0))
        return out

    def _archive(self) -> list[_Folder]:
        rng = self.rng
        text = TextCtx(rng, self.family, self.prof, None, [], self.start)
        base = f"{self.docs('Archive')}/{self.start.year - 1}"
        out = [_Folder(self.docs("Archive"), "Archived material", 0.6)]
        past = rng.sample(
            self.family.projects, k=min(5 if self.rich else 2, len(self.family.projects))
        )
        for name_t, _ in past:
            name = safe_component(text.fill(name_t))
            out.append(_Folder(f"{base}/{name}", f"Closed project: {name}", 0.8))
            if self.rich:
                out += [
                    _Folder(f"{base}/{name}/{sub}", f"{sub} of the closed {name} project", 0.6)
                    for sub in ("Drafts", "Final")
                ]
        if self.rich:
            out.append(_Folder(f"{self.docs('Archive')}/{self.start.year - 2}", "Older files", 0.6))
        return out

    def _untidy(self) -> list[_Folder]:
        if self.tidiness >= 0.6:
            return []
        desk, down = self.loc["desktop"], self.loc["downloads"]
        junk = [
            _Folder(f"{desk}/New Folder", "Unsorted desktop files", 0.8),
            _Folder(f"{desk}/New Folder (2)", "Unsorted desktop files", 0.6),
            _Folder(f"{desk}/old", "Old stuff moved off the desktop", 0.8),
            _Folder(f"{desk}/to sort", "Files waiting to be filed", 0.8),
            _Folder(f"{self.project_dirs[0]} - Copy", "Accidental copy of a project folder", 0.6),
            _Folder(f"{down}/Attachments", "Saved mail attachments", 0.8),
            _Folder(self.loc["documents"], "Loose files in Documents", 1.0),
        ]
        return self.rng.sample(junk, k=self.rng.randint(2, 5))


def _quarter(d: dt.date) -> str:
    return f"{d.year} Q{(d.month - 1) // 3 + 1}"


def _policy_date(policy: dict, key: str, default: dt.date) -> dt.date:
    value = policy.get(key)
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else default
    except ValueError:
        return default


def _pick_folders(builder: _Outline, target: int) -> list[_Folder]:
    rng = builder.rng
    wanted = max(1, round(target / rng.uniform(5.5, 8.0)))
    pool: list[_Folder] = []
    seen: set[str] = set()
    for f in builder.core() + builder.extras():
        if f.path not in seen and not f.path.startswith(builder.loc["mail"] + "/"):
            seen.add(f.path)
            pool.append(f)
    chosen = pool[: max(min(wanted, len(pool)), min(2, target))]
    return chosen


def _mail_folders(builder: _Outline, target: int) -> list[_Folder]:
    rng = builder.rng
    if target < 6:
        return []
    total = max(2, round(target * rng.uniform(0.075, 0.095)))
    folders = [_Folder(builder.loc["mail"], "Saved email threads", 0.0, fixed=True)]
    if target >= 400:
        folders += [
            _Folder(
                f"{builder.loc['mail']}/{safe_component(p['name'])}",
                f"Mail about {p['name']}",
                0.0,
                True,
            )
            for p in builder.projects
        ]
    share, rest = divmod(total, len(folders))
    for i, f in enumerate(folders):
        f.count = share + (1 if i < rest else 0)
    if target >= 10:
        folders.append(_Folder(builder.loc["calendar"], "Exported work calendar", 0.0, True, 1))
    return folders


def _allocate(folders: list[_Folder], total: int) -> None:
    """Largest-remainder split of ``total`` over the folders by weight, one file minimum."""
    spare = total - len(folders)
    weights = [max(f.weight, 0.1) for f in folders]
    wsum = sum(weights)
    shares = [spare * w / wsum for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(folders)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in order[: spare - sum(counts)]:
        counts[i] += 1
    for f, c in zip(folders, counts, strict=True):
        f.count = c + 1


def _balance_depth(folders: list[_Folder], goal: float) -> None:
    """Move files between shallow and deep folders until the mean file depth is near goal."""
    movable = [f for f in folders if not f.fixed]
    total = sum(f.count for f in folders)
    depth_sum = sum(f.count * f.depth for f in folders)
    for _ in range(total * 4):
        gap = goal * total - depth_sum
        if abs(gap) <= 0.04 * total:
            return
        deeper = gap > 0
        donors = [f for f in movable if f.count > 1 and (f.depth < goal) == deeper]
        takers = [f for f in movable if (f.depth > goal) == deeper]
        if not donors or not takers:
            return
        # fullest donor and emptiest taker relative to weight keep the folders' proportions
        donor = max(donors, key=lambda f: (f.count / max(f.weight, 0.1), -abs(f.depth - goal)))
        taker = min(takers, key=lambda f: (f.count / max(f.weight, 0.1), -abs(f.depth - goal)))
        step = taker.depth - donor.depth
        if abs(gap - step) >= abs(gap):
            return
        # move a slice of the gap at once on big computers; one file at a time near the goal
        k = max(1, min(donor.count - 1, int(abs(gap) / abs(step)) // 10 + 1))
        donor.count -= k
        taker.count += k
        depth_sum += k * step


@structured("FolderOutline")
def folder_outline(req: OfflineRequest) -> dict:
    rng = req.rng
    ctx = req.context or {}
    prof = ctx.get("profile") or {}
    target = max(1, int(ctx.get("target_files") or 100))
    profile_locale(prof)
    builder = _Outline(rng, prof, ctx.get("policy") or {}, profile_family(prof), target)
    fixed = _mail_folders(builder, target)
    remaining = target - sum(f.count for f in fixed)
    others = _pick_folders(builder, remaining)[:remaining]
    _allocate(others, remaining)
    folders = others + fixed
    _balance_depth(folders, rng.uniform(3.25, 3.55))
    # project folders first so later folders can depend on their files
    folders.sort(key=lambda f: (f.fixed, not f.path.startswith(builder.docs("Projects"))))
    names = locales.current().pack.get("folder_names", {})
    return {
        "folders": [
            {"path": _localised_path(f.path, names), "purpose": f.purpose, "file_count": f.count}
            for f in folders
            if f.count > 0
        ]
    }


_NUMBERED = re.compile(r"^(\d\d )?(.*)$")


def _localised_path(path: str, names: dict[str, str]) -> str:
    """Folders the user made, named in their language; home folders keep the OS's names."""
    parts = []
    for part in path.split("/"):
        m = _NUMBERED.match(part)
        assert m is not None
        parts.append((m[1] or "") + names.get(m[2], m[2]))
    return "/".join(parts)
