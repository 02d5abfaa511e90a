"""Where a profile lives and which language it writes in, for the offline engine.

A place is read from ``data/places.json`` (countries with their Faker locale, currency,
names in other languages, cities and regions). A language pack is
``data/languages/<code>.json``: stop words for detection, labels, month names, email
phrasings and the generic vocabulary prose is written with. Packs exist for English,
French, German and Spanish; a profile in any other language is written in English with
its own names, place and currency.

The locale of the request being answered is held in a context variable, set by each
responder from its profile, so the helpers that format money and dates need no extra
argument (and concurrent requests in other threads keep their own).
"""

from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass, replace
from functools import cache

from faker import Faker

from studio.llm.offline.domains import DocType, Family, doc_types, load_json

LANGUAGES = ("en", "fr", "de", "es")


@dataclass(frozen=True, slots=True)
class Place:
    city: str  # the persona's own words when the place is not in the data
    region: str
    country: str
    faker_locale: str
    currency: str

    @property
    def location(self) -> str:
        return ", ".join(p for p in (self.city, self.region, self.country) if p)


@dataclass(frozen=True, slots=True)
class Locale:
    language: str = "en"
    currency: str = "USD"

    @property
    def symbol(self) -> str:
        return _PLACES["currencies"].get(self.currency, self.currency)

    @property
    def pack(self) -> dict:
        return language_pack(self.language)


_PLACES = load_json("places.json")
_CURRENT: contextvars.ContextVar[Locale] = contextvars.ContextVar("offline_locale")


def current() -> Locale:
    return _CURRENT.get(Locale())


def use_locale(locale: Locale) -> Locale:
    """Make ``locale`` the one money and dates are written in for this request."""
    _CURRENT.set(locale)
    return locale


@cache
def language_pack(code: str) -> dict:
    return load_json(f"languages/{code if code in LANGUAGES else 'en'}.json")


def label(text: str) -> str:
    """A fixed English label (a heading, a column name) in the current language."""
    return current().pack.get("labels", {}).get(text, text)


# -- language ----------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str) -> str:
    """The pack language whose stop words are most frequent in ``text``; English on a tie.

    Short texts count too: "une avocate à Lyon" has two French stop words and no English one.
    """
    words = [w.lower() for w in _WORD.findall(text or "")]
    best, best_hits = "en", 0
    for code in LANGUAGES:
        stops = _stop_words(code)
        hits = sum(w in stops for w in words)
        if hits > best_hits:
            best, best_hits = code, hits
    return best


@cache
def _stop_words(code: str) -> frozenset[str]:
    return frozenset(language_pack(code)["stop_words"])


# -- places ------------------------------------------------------------------------------------


@cache
def _place_index() -> tuple[re.Pattern[str], dict[str, tuple[str, str, str, str]]]:
    """One pattern over every known name, longest first so 'New York' beats 'York'."""
    names: dict[str, tuple[str, str, str, str]] = {}
    for country, info in _PLACES["countries"].items():
        for name in (country, *info["aliases"]):
            names.setdefault(name, (name, "country", country, ""))
        for city in info["cities"]:
            names.setdefault(city, (city, "city", country, ""))
        for region, rinfo in info["regions"].items():
            names.setdefault(region, (region, "region", country, region))
            for city in rinfo["cities"]:
                names.setdefault(city, (city, "city", country, region))
    alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alt})(?![\w-])"), names


def find_place(text: str) -> tuple[str, str, str, str] | None:
    """The first known place named in ``text`` as (name, kind, country, region)."""
    pattern, names = _place_index()
    m = pattern.search(text or "")
    return names[m.group(0)] if m else None


def country_info(country: str) -> dict:
    return _PLACES["countries"].get(country) or _PLACES["countries"]["United States"]


def place_for(country: str, city: str = "", region: str = "") -> Place:
    info = country_info(country)
    return Place(city, region, country, info["locale"], info["currency"])


def region_cities(country: str, region: str) -> list[str]:
    info = country_info(country)
    if region:
        return [c for c in info["regions"].get(region, {}).get("cities", []) if c]
    return list(info["cities"])


@cache
def locale_of_location(location: str, language: str) -> Locale:
    """The currency a profile's location implies; an unknown place keeps US dollars."""
    hit = find_place(location)
    currency = country_info(hit[2])["currency"] if hit else "USD"
    return Locale(language, currency)


@cache
def _faker(locale: str) -> Faker:
    return Faker(locale)


def faker_for(locale: str, seed: int) -> Faker:
    faker = _faker(locale)
    faker.seed_instance(seed)
    return faker


# -- money and dates in the current locale -----------------------------------------------------


def fmt_money(x: float, decimals: int = 0) -> str:
    """'$1,240,000' in English, '1,240,000 €' elsewhere; digits keep English grouping
    so every reader of a figure (facts, planted errors, the agents) parses it alike."""
    loc = current()
    number = f"{abs(x):,.{decimals}f}" if decimals else f"{abs(round(x)):,}"
    sign = "-" if round(x, decimals) < 0 else ""
    sym = loc.symbol
    if loc.language == "en":
        return f"{sign}{sym}{' ' if sym[-1].isalpha() else ''}{number}"
    return f"{sign}{number} {sym}"


def money_number_format() -> str:
    """The spreadsheet number format for money in the current locale."""
    loc = current()
    sym = loc.symbol.replace('"', "")
    if loc.language == "en":
        return f'"{sym}{" " if sym[-1].isalpha() else ""}"#,##0'
    return f'#,##0 "{sym}"'


@cache
def money_pattern() -> re.Pattern[str]:
    """A currency symbol next to a number, in any locale the data knows."""
    symbols = sorted(set(_PLACES["currencies"].values()), key=len, reverse=True)
    alt = "|".join(re.escape(s) for s in symbols)
    return re.compile(rf"(?:{alt})\s?-?\d|\d\s?(?:{alt})(?![\w])")


@cache
def money_token() -> re.Pattern[str]:
    """A whole money figure with its symbol and sign: '-$1,200', '1,200 €'."""
    symbols = sorted(set(_PLACES["currencies"].values()), key=len, reverse=True)
    alt = "|".join(re.escape(s) for s in symbols)
    number = r"\d[\d,]*(?:\.\d+)?"
    return re.compile(rf"-?(?:{alt})\s?{number}|-?{number}\s?(?:{alt})(?![\w])")


def _months(key: str) -> list[str]:
    return current().pack[key]


def day_label(d) -> str:
    fmt = current().pack["date_formats"]["day"]
    month = _months("months")[d.month - 1]
    return fmt.format(d=d.day, mon=_months("months_short")[d.month - 1], month=month, y=d.year)


def month_label(d) -> str:
    fmt = current().pack["date_formats"]["month"]
    return fmt.format(month=_months("months")[d.month - 1], y=d.year)


def quarter_label(d) -> str:
    return current().pack["date_formats"]["quarter"].format(q=(d.month - 1) // 3 + 1, y=d.year)


# -- a family's words in another language ------------------------------------------------------

_LOCALISED = [
    "sentences",
    "actions",
    "risks",
    "topics",
    "terms",
    "units",
    "meetings",
    "slide_topics",
    "folders",
    "responsibilities",
    "departments",
    "orgs",
]


@cache
def localised(family: Family, language: str) -> Family:
    """``family`` with its prose vocabulary from the language pack (and the pack's own
    words for that profession, when it has them); figures and tables stay as they are."""
    if language not in LANGUAGES or language == "en":
        return family
    pack = language_pack(language)
    own = pack.get("families", {}).get(family.name, {})
    words = {k: tuple(own.get(k) or pack[k]) for k in _LOCALISED}
    projects = tuple((p["name"], p["description"]) for p in pack["projects"])
    return replace(family, doc_types=doc_types(pack["doc_types"]), projects=projects, **words)


def generic(key: str) -> tuple[str, ...]:
    """The current language's generic pool (sentences, bullets, risks, lead_ins)."""
    return tuple(current().pack[key])


def generic_doc_types() -> tuple[DocType, ...]:
    return _doc_types_of(current().language)


@cache
def _doc_types_of(language: str) -> tuple[DocType, ...]:
    return doc_types(language_pack(language)["doc_types"])
