"""Small text helpers the offline simulation agents share: reading labelled figures out of
text, and naming things. Pure functions of their inputs (no database, no clock)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

FIGURE = re.compile(
    r"(?P<label>[A-Za-z][A-Za-z0-9 &/()'-]{1,49}?[A-Za-z)])\s*(?::|=|\t)\s*(?:=[^\t→]*→\s*)?"
    r"(?P<value>[-+]?[$€£]?\d[\d,]*(?:\.\d+)?(?:\s?%|\s?[kKmM]\b)?)(?![\d:/.-])"
)
_LABEL_MAX = 50  # FIGURE's label is at most 50 characters
_LABEL_END = re.compile(r"[A-Za-z)]\s*[:=\t].*\d")
_CONNECTIVES = frozenset(
    [
        "and",
        "or",
        "between",
        "at",
        "from",
        "to",
        "by",
        "of",
        "in",
        "on",
        "for",
        "with",
        "the",
        "a",
        "an",
        "is",
        "was",
        "per",
    ]
)
PLACEHOLDERS = ("tbd", "todo", "lorem", "xxx", "[insert")
_WORD = re.compile(r"[a-z0-9]{3,}")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "this",
        "that",
        "your",
        "have",
        "will",
        "about",
        "into",
        "please",
        "could",
        "would",
        "file",
        "files",
        "draft",
        "review",
        "request",
        "share",
        "send",
        "need",
        "thanks",
    ]
)


def figures_in(text: str, limit: int = 8) -> list[tuple[str, str]]:
    """Labelled figures, in order of appearance: [('Total budget', '$1,240,000'), ...]."""
    return labelled_figures(
        (match for line in text.splitlines() for match in _matches(line)), limit
    )


def _matches(line: str) -> Iterator[re.Match]:
    """FIGURE's matches in ``line``. What any match needs (a label's end, a separator, a digit
    after it) is found in one pass first, and where the first label could start: FIGURE alone
    tries every position of every line, and most lines of prose hold no figure."""
    first = _LABEL_END.search(line)
    if first is None:
        return iter(())
    return FIGURE.finditer(line, max(0, first.start() - _LABEL_MAX))


def labelled_figures(matches: Iterable[re.Match], limit: int) -> list[tuple[str, str]]:
    """The first ``limit`` FIGURE matches worth keeping, as (label, value)."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for match in matches:
        label = " ".join(match["label"].split()).strip(" -")
        key = label.lower()
        value = match["value"].strip()
        if (
            len(label) < 3
            or key in seen
            or key.split()[-1] in _CONNECTIVES
            or key.startswith(("page", "sheet", "date", "from", "to"))
            or _is_year(value)
        ):
            continue
        seen.add(key)
        out.append((label, value))
        if len(out) >= limit:
            break
    return out


def _is_year(value: str) -> bool:
    return value.isdigit() and len(value) == 4 and 1900 <= int(value) <= 2100


def format_facts(facts: list[tuple[str, str]]) -> str:
    return "; ".join(f"{label}={value}" for label, value in facts)


def parse_facts(note: str) -> list[tuple[str, str]]:
    """Facts back from a memory note written with format_facts after 'facts:' / 'ref:'."""
    out = []
    for marker in ("facts:", "ref:"):
        if marker not in note:
            continue
        chunk = note.split(marker, 1)[1].split("|", 1)[0]
        for part in chunk.split(";"):
            label, sep, value = part.partition("=")
            if sep and label.strip() and value.strip():
                out.append((label.strip(), value.strip()))
    return out


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def first_name(name: str) -> str:
    return (name or "there").split()[0]


def number_of(value: str) -> float | None:
    text = value.replace(",", "").replace(" ", "").strip("$€£+%")
    multiplier = 1.0
    if text[-1:] in "kK":
        multiplier, text = 1e3, text[:-1]
    elif text[-1:] in "mM":
        multiplier, text = 1e6, text[:-1]
    try:
        return float(text) * multiplier
    except ValueError:
        return None


def like(value: str, number: float) -> str:
    """``number`` written the way ``value`` is written ('$1,240,000', '12.5 %', '42')."""
    prefix = value[0] if value[:1] in "$€£" else ""
    suffix = ""
    stripped = value.rstrip()
    if stripped.endswith("%"):
        suffix = " %" if stripped.endswith(" %") else "%"
    decimals = len(value.split(".", 1)[1].rstrip("% kKmM")) if "." in value else 0
    body = f"{number:,.{decimals}f}" if "," in value else f"{number:.{decimals}f}"
    return f"{prefix}{body}{suffix}"


def get(mapping: Any, key: str, default: Any = None) -> Any:
    return mapping.get(key, default) if isinstance(mapping, dict) else default
