"""Occupation families and the vocabulary the offline engine writes with.

Each family carries what a person in that line of work would name, count and write
about: job titles, collaborator roles with their authority, project templates, metrics
with plausible ranges, document types, table schemas, sentences, meetings and tools.
The words live in ``data/families/<name>.json`` (one file per family) and
``data/common.json`` (shared pools), loaded once at import: a new profession is a new
data file, not code. Table columns keep a compact notation, ``Header:kind[:args]``:
``item``/``choice``/``id`` take ``a/b/c``, numeric kinds take ``lo:hi``, and ``calc``
takes ``Left op Right:format``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data")


@cache
def load_json(name: str) -> Any:
    """A data file under ``data/``, parsed once."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class Metric:
    label: str
    lo: float
    hi: float
    fmt: str  # money | int | pct | float | ratio
    unit: str = ""


@dataclass(frozen=True, slots=True)
class ColSpec:
    header: str
    kind: (
        str  # item | choice | person | unit | topic | date | id | int | money | pct | float | calc
    )
    choices: tuple[str, ...] = ()
    lo: float = 0.0
    hi: float = 0.0
    # calc columns: left header, operator, right header, result format
    left: str = ""
    op: str = ""
    right: str = ""
    fmt: str = ""


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    columns: tuple[ColSpec, ...]


@dataclass(frozen=True, slots=True)
class DocType:
    kind: str
    category: str
    title: str
    purpose: str


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    keywords: tuple[str, ...]
    titles: tuple[str, ...]
    departments: tuple[str, ...]
    industries: tuple[str, ...]
    orgs: tuple[str, ...]
    tld: str
    responsibilities: tuple[str, ...]
    roles: tuple[tuple[str, str], ...]
    vendors: tuple[tuple[str, str, str], ...]
    projects: tuple[tuple[str, str], ...]
    metrics: tuple[Metric, ...]
    units: tuple[str, ...]
    topics: tuple[str, ...]
    terms: tuple[str, ...]
    cost_lines: tuple[str, ...]
    risks: tuple[str, ...]
    actions: tuple[str, ...]
    doc_types: tuple[DocType, ...]
    folders: tuple[str, ...]
    tables: tuple[TableSpec, ...]
    csv_tables: tuple[TableSpec, ...]
    sentences: tuple[str, ...]
    slide_topics: tuple[str, ...]
    meetings: tuple[str, ...]
    tools: tuple[str, ...]


# -- data parsers ----------------------------------------------------------------------------

_CALC = re.compile(r"^(?P<left>.+?) (?P<op>[-+*/]) (?P<right>.+)$")


def _col(spec: str) -> ColSpec:
    header, kind, *args = (b.strip() for b in spec.split(":"))
    if kind in ("item", "choice", "id"):
        return ColSpec(header, kind, choices=tuple(c.strip() for c in args[0].split("/")))
    if kind in ("int", "money", "pct", "float"):
        return ColSpec(header, kind, lo=float(args[0]), hi=float(args[1]))
    if kind == "calc":
        m = _CALC.match(args[0])
        if m is None:
            raise ValueError(f"bad calc column {spec!r}")
        return ColSpec(header, kind, left=m["left"], op=m["op"], right=m["right"], fmt=args[1])
    return ColSpec(header, kind)


def _tables(raw: dict[str, list[str]]) -> tuple[TableSpec, ...]:
    return tuple(TableSpec(name, tuple(_col(c) for c in cols)) for name, cols in raw.items())


def doc_types(raw: list[dict]) -> tuple[DocType, ...]:
    return tuple(DocType(d["kind"], d["category"], d["title"], d["purpose"]) for d in raw)


def family_from_data(raw: dict) -> Family:
    """A Family from one parsed ``data/families/*.json`` document."""
    words = {
        k: tuple(raw.get(k, ()))
        for k in [
            "keywords",
            "titles",
            "departments",
            "industries",
            "orgs",
            "responsibilities",
            "units",
            "topics",
            "terms",
            "cost_lines",
            "risks",
            "actions",
            "folders",
            "sentences",
            "slide_topics",
            "meetings",
            "tools",
        ]
    }
    return Family(
        name=raw["name"],
        tld=raw.get("tld", "com"),
        roles=tuple((r["role"], r["authority"]) for r in raw["roles"]),
        vendors=tuple((v["role"], v["org"], v["authority"]) for v in raw["vendors"]),
        projects=tuple((p["name"], p["description"]) for p in raw["projects"]),
        metrics=tuple(
            Metric(m["label"], float(m["lo"]), float(m["hi"]), m["fmt"], m.get("unit", ""))
            for m in raw["metrics"]
        ),
        doc_types=doc_types(raw["doc_types"]),
        tables=_tables(raw.get("tables", {})),
        csv_tables=_tables(raw.get("csv_tables", {})),
        **words,
    )


def _families() -> dict[str, Family]:
    raws = [json.loads(p.read_text(encoding="utf-8")) for p in (DATA / "families").glob("*.json")]
    raws.sort(key=lambda r: (r.get("order", 99), r["name"]))
    return {r["name"]: family_from_data(r) for r in raws}


# -- shared vocabulary -------------------------------------------------------------------------

_COMMON = load_json("common.json")
NAMING_CONVENTIONS: tuple[str, ...] = tuple(_COMMON["naming_conventions"])
COMMUNICATION_STYLES: tuple[str, ...] = tuple(_COMMON["communication_styles"])
WRITING_STYLES: tuple[str, ...] = tuple(_COMMON["writing_styles"])
COMMON_TOOLS: tuple[str, ...] = tuple(_COMMON["common_tools"])
ROLE_NOUNS: frozenset[str] = frozenset(_COMMON["role_nouns"])
# Where things live in a home folder unless the filesystem policy says otherwise.
DEFAULT_LOCATIONS: dict[str, str] = dict(_COMMON["default_locations"])
# A constant pool so rosters and logs can name extra people without a Faker call per row.
FIRST_NAMES: tuple[str, ...] = tuple(_COMMON["first_names"])
LAST_NAMES: tuple[str, ...] = tuple(_COMMON["last_names"])
# Extra words some project templates use.
SEASONS: tuple[str, ...] = tuple(_COMMON["seasons"])
PRODUCTS: tuple[str, ...] = tuple(_COMMON["products"])
CUSTOMERS: tuple[str, ...] = tuple(_COMMON["customers"])
STREETS: tuple[str, ...] = tuple(_COMMON["streets"])

FAMILIES: dict[str, Family] = _families()
GENERAL = FAMILIES["general business"]


def _keyword_index() -> list[tuple[str, str, int]]:
    # Longer keywords first so "civil engineer" beats "engineer"; weight by word count.
    index = [
        (kw.lower(), fam.name, 1 + kw.count(" "))
        for fam in FAMILIES.values()
        if fam is not GENERAL
        for kw in fam.keywords
    ]
    return sorted(index, key=lambda t: -len(t[0]))


_KEYWORDS = _keyword_index()


def infer_family(*texts: str) -> Family:
    """Best-matching family for free text; earlier texts (e.g. the role) weigh more."""
    scores: dict[str, float] = {}
    for rank, text in enumerate(t for t in texts if t):
        padded = " " + re.sub(r"[^\w&\- ]+", " ", text.lower()) + " "
        weight = 3.0 if rank == 0 and len(texts) > 1 else 1.0
        for kw, fam, words in _KEYWORDS:
            pos = padded.find(" " + kw)
            if pos >= 0:
                scores[fam] = scores.get(fam, 0.0) + weight * words
                # blank the hit out so "civil engineer" does not also score "engineer"
                padded = padded[:pos] + " " * (len(kw) + 1) + padded[pos + len(kw) + 1 :]
    if not scores:
        return GENERAL
    return FAMILIES[max(scores, key=lambda k: (scores[k], -list(FAMILIES).index(k)))]


def family_for(name: str, *fallback_texts: str) -> Family:
    """The family called ``name``, else the one the texts suggest."""
    fam = FAMILIES.get((name or "").strip().lower())
    return fam if fam is not None else infer_family(*fallback_texts, name or "")
