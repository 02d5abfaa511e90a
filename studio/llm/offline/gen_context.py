"""The per-call context of the offline generation responders.

:class:`TextCtx` fills sentence templates for one file (names, figures, dates, wording
choices, lead-ins that tie a stock sentence to the file); :class:`ArtifactCtx` is what
every content responder parses once from ``req.context``, facts and planted error included.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from studio.llm.offline import locales
from studio.llm.offline.domains import CUSTOMERS, LAST_NAMES, PRODUCTS, SEASONS, STREETS, Family
from studio.llm.offline.gen_common import (
    cap_first,
    collaborators,
    day_label,
    find_project,
    lower_first,
    lower_words,
    month_label,
    profile_family,
    profile_locale,
    quarter_label,
    titlecase,
    to_datetime,
)
from studio.llm.offline.gen_figures import metric_value, parse_amount, read_error, scaled

# -- sentence templates --------------------------------------------------------------------


@dataclass
class TextCtx:
    """Everything a sentence template may mention, for one file."""

    rng: random.Random
    family: Family
    profile: dict
    project: dict | None
    facts: list[tuple[str, str]]
    date: dt.date
    deps: list[dict] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.people = collaborators(self.profile) or [
            {"name": "Alex Morgan", "role": "Manager", "email": "alex.morgan@example.com"}
        ]

    def person(self) -> dict:
        return self.rng.choice(self.people)

    def fill(self, template: str, slots: Slots | None = None) -> str:
        """Fill placeholders; pass the same ``slots`` to keep names consistent across texts.

        ``[a|b|c]`` in a template is a choice of wording, drawn each time it is filled.
        """
        template = _CHOICE.sub(lambda m: self.rng.choice(m[1].split("|")), template)
        text = template.format_map(slots if slots is not None else Slots(self))
        return cap_first(_REPEATED_WORD.sub(r"\1", text))

    def slots(self) -> Slots:
        return Slots(self)

    def pick(self, pool: tuple[str, ...]) -> str:
        """A template not used yet in this file while the pool lasts, so prose never repeats."""
        template = self.rng.choice(pool)
        for _ in range(4):
            if template not in self.used:
                break
            template = self.rng.choice(pool)
        self.used.add(template)
        return template

    def sentences(self, n: int, domain_share: float = 0.6) -> list[str]:
        fam = self.family.sentences
        # a small pool is drawn less often, so no one of its sentences turns up everywhere
        domain_share = min(domain_share, len(fam) / 20)
        out: list[str] = []
        for _ in range(n):
            pool = fam if self.rng.random() < domain_share else locales.generic("sentences")
            template = self.pick(pool)
            # only a date or a deadline makes a sentence differ between files: a template
            # without one always gets a lead-in that has one
            chance = 0.6 if any(k in template for k in _VARYING) else 1.0
            # a template opening on a placeholder opens on a name: it keeps its capital
            keep = template.startswith("{")
            out.append(self.situate(self.fill(template), chance, keep_case=keep))
        return out

    def situate(self, sentence: str, chance: float = 1.0, *, keep_case: bool = False) -> str:
        """Tie a stock sentence to this file's date, people or project, so the same
        template reads differently from one file to the next."""
        if self.rng.random() >= chance:
            return sentence
        body = sentence.rstrip(".")
        slots = Slots(self)
        keep = keep_case or locales.current().pack.get("keep_case_after_lead_in")  # German
        slots.update(s=body if keep else lower_first(body), S=body)
        return self.fill(self.pick(locales.generic("lead_ins")), slots).rstrip(".") + "."

    def paragraph(self, n: int | None = None) -> str:
        return " ".join(self.sentences(n or self.rng.randint(3, 5)))

    def bullets(self, n: int) -> list[str]:
        out = []
        for _ in range(n):
            if self.rng.random() < 0.55:
                item = cap_first(self.fill(self.pick(self.family.actions)))
            else:
                item = self.fill(self.pick(locales.generic("bullets")))
            if len(item.split()) > 6:  # long items get an owner or a date, as people write them
                item += " " + lower_first(
                    self.fill(self.rng.choice(locales.generic("bullet_tails")))
                )
            out.append(item)
        return out


_VARYING = ("{date}", "{deadline}")
_CHOICE = re.compile(r"\[([^\[\]]*\|[^\[\]]*)\]")
# "FY2026 Budget Budget 2026" happens when a project name ends the way a template goes on.
_REPEATED_WORD = re.compile(r"\b(\w+) \1\b")


class Slots(dict):
    """Lazily picks a value for each placeholder; a name keeps its value within one text."""

    def __init__(self, ctx: TextCtx) -> None:
        super().__init__()
        self.ctx = ctx

    def __missing__(self, key: str) -> str:
        ctx, rng = self.ctx, self.ctx.rng
        fam = ctx.family
        if key in ("collab", "collab_first", "collab_last", "collab_role"):
            p = ctx.person()
            first, _, last = p["name"].partition(" ")
            self.update(collab=p["name"], collab_first=first, collab_last=last or first)
            self["collab_role"] = lower_words(p.get("role", "colleague"))
        elif key in ("fact", "fact_l", "value"):
            label, value = rng.choice(ctx.facts) if ctx.facts else _fallback_fact(fam, rng)
            self.update(fact=label, fact_l=lower_first(label), value=value)
        elif key in _DERIVED:
            base, transform = _DERIVED[key]
            self[key] = transform(self[base])
        elif key in ("project", "code"):
            proj = ctx.project or rng.choice(ctx.profile.get("projects") or [{}])
            self.update(project=proj.get("name", "the project"), code=proj.get("code", "GEN"))
        else:
            self[key] = _simple_slot(key, ctx, rng)
        return dict.__getitem__(self, key)


# Case variants share one pick, so a title's {Topic} and its purpose's {topic} agree.
_DERIVED: dict[str, tuple[str, Callable[[str], str]]] = {
    "Topic": ("topic", lambda v: _title(v)),
    "topic_title": ("topic", lambda v: _title(v)),
    "Term": ("term", lambda v: _title(v)),
    "meeting": ("Meeting", lower_first),
}


def _title(text: str) -> str:
    """English titles capitalise every word; French, German and Spanish ones do not."""
    return titlecase(text) if locales.current().language == "en" else cap_first(text)


def _fallback_fact(fam: Family, rng: random.Random) -> tuple[str, str]:
    metric = rng.choice(fam.metrics)
    return metric.label, metric_value(metric, rng)


def _simple_slot(key: str, ctx: TextCtx, rng: random.Random) -> str:
    maker = _SIMPLE_SLOTS.get(key)
    return maker(ctx, rng) if maker else key.replace("_", " ")


def _days_ahead(ctx: TextCtx, rng: random.Random) -> str:
    return day_label(ctx.date + dt.timedelta(days=rng.randint(5, 30)))


SlotMaker = Callable[[TextCtx, random.Random], str]
_SIMPLE_SLOTS: dict[str, SlotMaker] = {
    "unit": lambda c, r: r.choice(c.family.units),
    "unit2": lambda c, r: r.choice(c.family.units),
    "topic": lambda c, r: r.choice(c.family.topics),
    "term": lambda c, r: r.choice(c.family.terms),
    "Meeting": lambda c, r: r.choice(c.family.meetings),
    "metric": lambda c, r: lower_first(r.choice(c.family.metrics).label),
    "n": lambda c, r: str(r.randint(2, 9)),
    "month": lambda c, r: month_label(c.date),
    "quarter": lambda c, r: quarter_label(c.date),
    "year": lambda c, r: str(c.date.year),
    "q": lambda c, r: str((c.date.month - 1) // 3 + 1),
    "date": lambda c, r: day_label(c.date),
    "deadline": _days_ahead,
    "user": lambda c, r: str(c.profile.get("first_name", "I")),
    "org": lambda c, r: str(c.profile.get("employer", "the organisation")),
    "dep": lambda c, r: (
        str(c.deps[0].get("title")) if c.deps else locales.label("the previous version")
    ),
    "vendor": lambda c, r: _vendor_name(c, r),
    "customer": lambda c, r: r.choice(CUSTOMERS),
    "season": lambda c, r: r.choice(SEASONS),
    "product": lambda c, r: r.choice(PRODUCTS),
    "street": lambda c, r: r.choice(STREETS),
    "grade": lambda c, r: str(r.randint(2, 8)),
    "floors": lambda c, r: str(r.randint(4, 12)),
    "city": lambda c, r: str(c.profile.get("location", "the city")).split(",")[0],
    "last": lambda c, r: r.choice(_surnames(c)),
    "last2": lambda c, r: r.choice(_surnames(c)),
}


def _surnames(ctx: TextCtx) -> list[str] | tuple[str, ...]:
    """Surnames of the profile's place: its colleagues', else the ones the profile drew."""
    names = [p["name"].rpartition(" ")[2] for p in collaborators(ctx.profile)]
    return names or ctx.profile.get("surnames") or LAST_NAMES


def _vendor_name(ctx: TextCtx, rng: random.Random) -> str:
    own = ctx.profile.get("email", "@").split("@")[-1]
    externals = [c for c in collaborators(ctx.profile) if not c.get("email", "").endswith(own)]
    if externals:
        contact = rng.choice(externals)
        relationship = str(contact.get("relationship", ""))
        if relationship.startswith("external contact at "):
            return relationship.removeprefix("external contact at ")
        return titlecase(contact["email"].split("@")[-1].split(".")[0])
    return rng.choice(CUSTOMERS)


# -- artifact context ----------------------------------------------------------------------

MAX_FACTS = 12
_META_FACTS = frozenset(("subject",))  # the pipeline files an email's subject among its facts


@dataclass
class ArtifactCtx:
    """What every content responder needs, parsed once from ``req.context``."""

    rng: random.Random
    profile: dict
    family: Family
    file: dict
    deps: list[dict]
    project: dict | None
    facts: dict[str, str]
    error: tuple[str, str, str] | None
    date: dt.datetime
    text: TextCtx

    @property
    def title(self) -> str:
        return str(self.file.get("title") or "Untitled")

    def source_of(self, label: str) -> str:
        for dep in self.deps:
            if label in (dep.get("facts") or {}):
                return str(dep.get("title") or dep.get("path") or "dependency")
        if self.project and label in (self.project.get("key_figures") or {}):
            return f"{self.project.get('name')} key figures"
        return "this file"


def artifact_ctx(req: Any) -> ArtifactCtx:
    c = req.context or {}
    profile = c.get("profile") or {}
    profile_locale(profile)
    file = c.get("file") or {}
    deps = [d for d in c.get("dependencies") or [] if isinstance(d, dict)]
    family = profile_family(profile)
    project = find_project(profile, str(file.get("project", "")))
    date = to_datetime(file.get("date"))
    facts, error = gather_facts(req.rng, family, project, deps, str(file.get("planted_error", "")))
    text = TextCtx(req.rng, family, profile, project, list(facts.items()), date.date(), deps)
    return ArtifactCtx(req.rng, profile, family, file, deps, project, facts, error, date, text)


def gather_facts(
    rng: random.Random,
    family: Family,
    project: dict | None,
    deps: list[dict],
    planted_error: str,
) -> tuple[dict[str, str], tuple[str, str, str] | None]:
    """Facts this file states: dependencies' verbatim, then the project's key figures.

    A planted error overrides its figure so every mention in the file carries the
    same wrong value, and the facts record what the file actually says.
    """
    facts: dict[str, str] = {}
    for dep in deps:
        for k, v in (dep.get("facts") or {}).items():
            if len(facts) < MAX_FACTS and str(k).lower() not in _META_FACTS:
                facts.setdefault(str(k), str(v))
    for k, v in ((project or {}).get("key_figures") or {}).items():
        if len(facts) < MAX_FACTS:
            facts.setdefault(str(k), str(v))
    if len(facts) < 2:
        for metric in rng.sample(family.metrics, k=min(3, len(family.metrics))):
            facts.setdefault(metric.label, metric_value(metric, rng))
    error = _apply_error(rng, facts, planted_error) if planted_error else None
    return facts, error


def _apply_error(
    rng: random.Random, facts: dict[str, str], planted_error: str
) -> tuple[str, str, str]:
    parsed = read_error(planted_error)
    if parsed is not None:
        label, wrong, right = parsed
    else:
        # Free-text error (e.g. written by a real model): plant a decimal slip on a figure.
        label = next((k for k, v in facts.items() if parse_amount(v) is not None), "")
        label = label or next(iter(facts))
        right = facts[label]
        wrong = scaled(right, 10.0) or right + " (outdated)"
    facts[label] = wrong
    return label, wrong, right
