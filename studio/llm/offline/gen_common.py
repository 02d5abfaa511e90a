"""Helpers shared by the offline generation responders.

Words (titles, slugs, safe file names), dates, and what a profile says about itself: its
language, locale, occupation family, projects and collaborators.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from typing import Any

from studio.llm.offline import locales
from studio.llm.offline.domains import Family, family_for

# -- words ---------------------------------------------------------------------------------

_SMALL = frozenset(
    ("a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "vs", "via")
)


def titlecase(text: str) -> str:
    """Title Case that keeps acronyms (EHR, SLO) and small words intact."""
    words = text.split(" ")
    out = []
    for i, w in enumerate(words):
        keep = not w or w[0].isupper() or any(c.isupper() for c in w[1:])
        if keep or (i and w in _SMALL):
            out.append(w)
        else:
            out.append(w[0].upper() + w[1:])
    return " ".join(out)


def lower_first(text: str) -> str:
    """'Overtime budget' -> 'overtime budget' but 'EHR go-live' stays."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def lower_words(text: str) -> str:
    """'Unit Manager' -> 'unit manager' while acronyms (SRE, CMO) keep their case."""
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in text.split(" "))


def cap_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def ascii_slug(text: str, sep: str = "") -> str:
    """'Müller-Lüdenscheidt' -> 'mullerludenscheidt': accents dropped, not the letters."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return sep.join(re.findall(r"[a-z0-9]+", plain.lower()))


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_component(text: str) -> str:
    """Text usable as one file or folder name on Windows and macOS."""
    return re.sub(r"\s+", " ", _UNSAFE.sub("-", text)).strip(" .")[:120]


def email_for(first: str, last: str, domain: str) -> str:
    return f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}"


# -- dates ---------------------------------------------------------------------------------


def to_datetime(value: Any, default: dt.datetime | None = None) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, 9, 0)
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            pass
    return default if default is not None else dt.datetime(2026, 3, 2, 9, 0)


def to_date(value: Any, default: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    return default


month_label = locales.month_label
quarter_label = locales.quarter_label
day_label = locales.day_label


def work_time(rng: random.Random, day: dt.date) -> dt.datetime:
    """A believable time of day to have saved a file: mostly office hours."""
    if day.weekday() >= 5 and rng.random() < 0.8:
        day = day - dt.timedelta(days=day.weekday() - 4)
    hour = rng.choice((8, 9, 9, 10, 10, 11, 11, 13, 14, 14, 15, 15, 16, 16, 17, 18, 21))
    return dt.datetime(day.year, day.month, day.day, hour, rng.randrange(0, 60))


# -- profile access ------------------------------------------------------------------------


def profile_language(profile: dict) -> str:
    """The language the profile is written in, read from its own prose."""
    projects = [str(p.get("description", "")) for p in profile.get("projects") or []]
    prose = [*map(str, profile.get("responsibilities") or []), *projects]
    return locales.detect_language(" ".join(prose))


def profile_locale(profile: dict) -> locales.Locale:
    """Language and currency of a profile, made current for the request being answered."""
    language = profile_language(profile)
    return locales.use_locale(
        locales.locale_of_location(str(profile.get("location", "")), language)
    )


def profile_family(profile: dict) -> Family:
    family = family_for(
        str(profile.get("occupation_family", "")),
        str(profile.get("job_title", "")),
        str(profile.get("industry", "")),
    )
    return locales.localised(family, profile_language(profile))


def find_project(profile: dict, name: str) -> dict | None:
    if not name:
        return None
    low = name.lower()
    for p in profile.get("projects") or []:
        if p.get("name", "").lower() == low or p.get("code", "").lower() == low:
            return p
    return None


def collaborators(profile: dict) -> list[dict]:
    return [c for c in profile.get("collaborators") or [] if c.get("name")]
