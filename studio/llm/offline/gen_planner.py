"""The state the offline file planner keeps while it plans a folder, and its rules.

What a folder is for (from its name: drafts, data, meetings...), which kinds of file it
gets (pulling the computer toward the paper's mix), and the files already known with the
latest date each can have. The responders in ``gen_plan`` and ``gen_plan_mail`` share it.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from dataclasses import dataclass, field

from studio.llm.offline.domains import DocType, Family
from studio.llm.offline.gen_common import (
    profile_family,
    profile_locale,
    safe_component,
    to_date,
    to_datetime,
    work_time,
)
from studio.llm.offline.gen_names import category_of, latest_possible
from studio.llm.offline.gen_plan_rules import AFFINITY, KIND_MIX, ROLE_WORDS
from studio.llm.offline.registry import OfflineRequest

_MIX_TOTAL = sum(KIND_MIX.values())


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
        for role, words in ROLE_WORDS:
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
    # This folder's share of the mix, plus a share of what the computer lacks in proportion
    # to its size: folders planned at once all see the same `existing` (about as many files
    # as they plan together), and each making up the whole shortfall would overshoot it.
    # Weighted up, as each folder also leans towards the kinds its role suits.
    seen = sum(counts.values())
    share = min(1.0, 4 * n / seen) if seen else 1.0
    need = {
        k: KIND_MIX[k] / _MIX_TOTAL * n + (KIND_MIX[k] / _MIX_TOTAL * seen - counts[k]) * share
        for k in KIND_MIX
    }
    affinity = AFFINITY.get(role, AFFINITY["general"])
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
class Known:
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
class Planner:
    rng: random.Random
    profile: dict
    family: Family
    start: dt.datetime
    end: dt.datetime
    prefix: str
    known: list[Known]
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


def known_from_existing(existing: list[dict]) -> list[Known]:
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
            Known(
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


def planner_for(req: OfflineRequest, prefix: str) -> Planner:
    ctx = req.context or {}
    prof = ctx.get("profile") or {}
    policy = ctx.get("policy") or {}
    existing = [e for e in ctx.get("existing") or [] if isinstance(e, dict)]
    known = known_from_existing(existing)
    profile_locale(prof)
    end_d = to_date(policy.get("timeline_end"), dt.date(2026, 6, 30))
    start_d = to_date(policy.get("timeline_start"), end_d - dt.timedelta(days=180))
    if start_d >= end_d:
        start_d = end_d - dt.timedelta(days=120)
    return Planner(
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
