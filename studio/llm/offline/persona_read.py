"""What a persona's own words say, read by the offline engine with plain heuristics.

- Language: the pack (en, fr, de, es) whose stop words are most frequent in the text.
- Role: the noun phrase after the opening article ("a logistics coordinator at ...",
  "une avocate en droit du travail à Lyon", "eine Tierärztin in ..."), cut at the first
  preposition or relative pronoun of that language (``role_pattern`` in the pack), minus
  scene-setting adjectives ("small-town", "busy"); in English it must end in a known role noun.
- Organisation and sector: the phrase after "at/for/with" (chez/dans, bei, en/para). A
  capitalised phrase is the employer's name; a lowercase one describes it ("a cold-chain
  pharmaceutical distributor"): its head noun gives the sector ("distribution"), its other
  words the kind, and an employer is invented from a local surname and the kind.
- Place: the first city, region or country of ``data/places.json`` named in the text (in
  English or the local language). A region gives one of its cities; a capitalised word after
  "in/à/in/en" that the data does not know is kept as the persona wrote it.
- Named work: the object of a work verb ("preparing for a GDP audit", "qui prépare un
  dossier...", "bereitet ... vor", "que prepara ..."; ``work_patterns`` in the pack) becomes
  the first project, named with the pack's template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from studio.llm.offline.domains import ROLE_NOUNS
from studio.llm.offline.locales import (
    Place,
    detect_language,
    find_place,
    language_pack,
    place_for,
    region_cities,
)


@dataclass(frozen=True)
class Work:
    name: str  # the pack's project-name template filled with the work
    description: str
    words: str  # the work as the persona wrote it, without its article


@dataclass(frozen=True)
class PersonaReading:
    language: str
    role: str = ""
    org_name: str = ""  # the employer the persona names, if it names one
    org_kind: str = ""  # "pharmaceutical distributor" when it only describes it
    sector: str = ""  # "cold-chain pharmaceutical distribution"
    place: Place | None = None
    place_is_known: bool = False  # False: the persona's own words, not in the data
    work: list[Work] = field(default_factory=list)


def read_persona(text: str) -> PersonaReading:
    text = " ".join((text or "").split())
    language = detect_language(text)
    pack = language_pack(language)
    org_name, org_kind, sector = _organisation(text, pack, language)
    place, known = _place(text, language)
    return PersonaReading(
        language=language,
        role=_role(text, pack, language),
        org_name=org_name,
        org_kind=org_kind,
        sector=sector,
        place=place,
        place_is_known=known,
        work=_work(text, pack, language),
    )


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _role(text: str, pack: dict, language: str) -> str:
    m = _compiled(pack["role_pattern"]).match(text)
    if not m:
        return ""
    drop = set(pack.get("role_drop_words", ()))
    words = [w for w in m["role"].split() if w.lower() not in drop]
    while len(words) > 2 and words[-1].lower().endswith("ing") and language == "en":
        words.pop()
    if not 1 <= len(words) <= 6:
        return ""
    if language == "en" and words[-1].lower().rstrip("s") not in ROLE_NOUNS:
        return ""
    return " ".join(words)


def _organisation(text: str, pack: dict, language: str) -> tuple[str, str, str]:
    m = re.search(pack["org_pattern"], text)  # case-sensitive: a capital marks a name
    if not m:
        return "", "", ""
    phrase = m["org"].strip()
    if phrase[:1].isupper() and language == "en":
        return phrase, "", ""
    words = phrase.split()
    heads = pack.get("org_heads", {})
    head_i = next((i for i in range(len(words) - 1, -1, -1) if words[i].lower() in heads), -1)
    if head_i < 0:  # "for outlying ranches" says who the work is for, not the employer
        return "", "", ""
    if language != "en":  # word order differs: the phrase is the sector
        return "", phrase, phrase
    modifiers = words[:head_i] + words[head_i + 1 :]
    sector = " ".join([*modifiers, heads[words[head_i].lower()]]).strip()
    return "", phrase, sector


_UNKNOWN_PLACE = re.compile(
    r"\b(?:in|à|au|en|near|bei|outside|nahe)\s+(?P<place>[A-ZÀ-Ý][\w'\-]+(?:[ -][A-ZÀ-Ý][\w'\-]+)*)"
)


def _place(text: str, language: str) -> tuple[Place | None, bool]:
    hit = find_place(text)
    if hit is not None:
        name, kind, country, region = hit
        if kind == "city":
            return place_for(country, city=name, region=region), True
        if kind == "region":
            cities = region_cities(country, region)
            # a stable pick: the same persona always lands in the same town
            city = cities[sum(map(ord, text)) % len(cities)] if cities else ""
            return place_for(country, city=city, region=region), True
        return place_for(country, city=""), True
    m = _UNKNOWN_PLACE.search(text)
    if m:
        country = {"fr": "France", "de": "Germany", "es": "Spain"}.get(language, "United States")
        return place_for(country, city=m["place"]), False
    return None, False


def _work(text: str, pack: dict, language: str) -> list[Work]:
    out: list[Work] = []
    stop = _compiled(pack["work_stop"])
    articles = set(pack.get("articles", ()))
    for spec in pack.get("work_patterns", ()):
        for m in _compiled(spec["regex"]).finditer(text):
            words = stop.split(m["work"], maxsplit=1)[0].strip().split()
            while words and words[0].lower() in articles:
                words.pop(0)
            if words and words[0].lower().startswith("l'"):
                words[0] = words[0][2:]
            phrase = " ".join(words[:8]).strip(" '")
            if len(phrase) < 3 or any(w.words == phrase for w in out):
                continue
            title = _title(phrase, language)
            out.append(
                Work(
                    name=spec["name"].format(Work=title, work=phrase),
                    description=spec["description"].format(Work=title, work=phrase),
                    words=phrase,
                )
            )
    return out[:2]


def _title(phrase: str, language: str) -> str:
    """Title case in English, only a capital first letter elsewhere (French, Spanish titles)."""
    if language != "en":
        return phrase[:1].upper() + phrase[1:]
    small = {"a", "an", "and", "for", "of", "on", "the", "to", "in", "with"}
    return " ".join(
        w if w.isupper() or (i and w in small) else w[:1].upper() + w[1:]
        for i, w in enumerate(phrase.split())
    )
