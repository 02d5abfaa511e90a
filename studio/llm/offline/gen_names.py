"""Names, categories and dates of planned files.

How a person names a file (their convention, plus the mess of an untidy one), which kind of
document a title denotes (also used by the content responders to pick a layout), and the
latest date a file can have, read from its name or title when its date is not known.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from studio.llm.offline.gen_common import safe_component

# -- file names ------------------------------------------------------------------------------

_DATEISH = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r" \d{4}\b|\b\d{1,2} [A-Z][a-z]{2} \d{4}\b|\bQ[1-4] \d{4}\b"
)
_NOISE = (" (1)", " copy", "_final", "_FINAL", " - Copy", "_old", "_edited", " (2)", "_new")


def file_stem(
    convention: str,
    title: str,
    when: dt.datetime,
    *,
    version: int,
    code: str,
    final: bool,
) -> str:
    """A filename (without extension) the way this person names files."""
    conv = convention.lower()
    dated = "yyyy" in conv or "ddmmyy" in conv
    topic = _DATEISH.sub("", title) if dated else title
    words = re.findall(r"(?:[^\W_]|\+)+", topic.replace("&", " and "))[:6] or ["notes"]
    if "yyyy-mm-dd" in conv:
        stem = f"{when:%Y-%m-%d}_" + "_".join(words)
        return stem + (f"_v{version}" if version > 1 else "")
    if "projectcode" in conv or "ddmmyy" in conv:
        camel = "".join(w[:1].upper() + w[1:] for w in words)
        stem = f"{code or 'GEN'}-{camel}-{when:%d%m%y}"
        return stem + (f"-v{version}" if version > 1 else "")
    if "dash" in conv or "lowercase" in conv:
        return "-".join(w.lower() for w in words) + (f"-v{version}" if version > 1 else "")
    if "final" in conv or conv.startswith("topic "):
        low = [w.lower() for w in words]
        stem = " ".join(low) + (" final" if final and "final" not in low else "")
        return stem + (f"_v{version}" if version > 1 else "")
    return "_".join(words) + f"_v{version}"


def messy(stem: str, title: str, tidiness: float, rng: random.Random) -> str:
    """Untidy people ignore their own convention and leave copies and 'final' suffixes."""
    if rng.random() < (1 - tidiness) * 0.22:
        stem = safe_component(title)
    if rng.random() < (1 - tidiness) * 0.4:
        stem += rng.choice(_NOISE)
    return stem


# -- dates and categories -----------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_ISO_DAY = re.compile(r"(20\d\d)-?(\d\d)-?(\d\d)")
_DDMMYY = re.compile(r"-(\d\d)(\d\d)(\d\d)(?:-v\d+)?(?:[ _(-].*)?$")
_DAY_MON = re.compile(r"\b(\d{1,2}) ([A-Z][a-z]{2})[a-z]* (20\d\d)\b")
_MON_YEAR = re.compile(r"\b([A-Z][a-z]{2})[a-z]* (20\d\d)\b")
_LATER_VERSION = re.compile(r"[ _-]v(?:[2-9]|\d\d)\b", re.IGNORECASE)
_QUARTER = re.compile(r"\bQ([1-4]) (20\d\d)\b")


def latest_possible(path: str, title: str) -> dt.datetime | None:
    """The latest a file can be dated, read from its name or title; None when they are silent.

    The pipeline shows earlier files without their dates; names like '2026-03-14_...',
    '...-140326' or titles like 'Audit Report – March 2026' still bound them, which is all
    a dependent file needs to be dated after them.
    """
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    try:
        if m := _ISO_DAY.search(stem):
            return dt.datetime(int(m[1]), int(m[2]), int(m[3]), 23, 59)
        if m := _DDMMYY.search(stem):
            return dt.datetime(2000 + int(m[3]), int(m[2]), int(m[1]), 23, 59)
        if _LATER_VERSION.search(stem):
            return None  # a v2 keeps its v1's title, so the title's month says nothing
        if (m := _DAY_MON.search(title)) and m[2].lower() in _MONTHS:
            return dt.datetime(int(m[3]), _MONTHS[m[2].lower()], int(m[1]), 23, 59)
        if (m := _MON_YEAR.search(title)) and m[1].lower() in _MONTHS:
            return _month_end(int(m[2]), _MONTHS[m[1].lower()])
        if m := _QUARTER.search(title):
            return _month_end(int(m[2]), int(m[1]) * 3)
    except ValueError:
        return None
    return None


def _month_end(year: int, month: int) -> dt.datetime:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    last = first_next - dt.timedelta(days=1)
    return dt.datetime(last.year, last.month, last.day, 23, 59)


_CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("minutes", ("minutes", "huddle notes", "meeting notes", "standup notes", "notes from")),
    ("agenda", ("agenda",)),
    ("todo", ("to-do", "todo", "to do")),
    ("readme", ("readme",)),
    ("memo", ("memo", "briefing note")),
    ("invoice", ("invoice", "receipt", "quote ")),
    ("roster", ("roster", "rota", "staffing model", "shift export", "schedule")),
    ("budget", ("budget", "spend", "cost plan", "costing", "compensation review", "quote")),
    ("log", (" log", "register", "diary")),
    ("export", ("export", "output", "stats")),
    ("tracker", ("tracker", "checklist", "gradebook", "capacity", "backlog")),
    ("policy", ("policy", "procedure", "sop", "guideline", "standards", "method statement")),
    ("guide", ("guide", "handbook", "manual", "documentation", "reference")),
    ("form", ("form", "claim", "sign-off", "notice", "approval letter")),
    ("letter", ("letter",)),
    ("proposal", ("proposal", "rfc", "pitch", "business case")),
    ("plan", ("plan", "pathway", "brief", "charter", "draft")),
    ("analysis", ("analysis", "forecast", "model", "dashboard", "results", "metrics", "kpi")),
)
KIND_DEFAULT = dict(
    docx="report",
    pdf="report",
    xlsx="tracker",
    pptx="deck",
    md="notes",
    txt="notes",
    csv="export",
    eml="email",
    ics="calendar",
)


def category_of(title: str, kind: str) -> str:
    """The document category a title suggests (also used by the content responders)."""
    if kind in ("pptx", "eml", "ics"):
        return KIND_DEFAULT[kind]
    low = " " + title.lower()
    for category, words in _CATEGORY_WORDS:
        if any(w in low for w in words):
            return category
    return KIND_DEFAULT.get(kind, "report")
