"""A first computer is the persona it was asked for, and its prose does not repeat itself.

Each persona becomes a profile and a small computer written with the real writers and read
back with the real readers; the role, organisation, place, currency, language and the work
the persona names must all be there. Run without Django:
``pytest tests/offline -q -p no:django -p no:cacheprovider``.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass

import pytest

from studio.llm.prompts import load_prompt
from tests.offline.builders import build_computer


@dataclass(frozen=True)
class Case:
    persona: str
    role: str
    family: str
    sector: str  # "" when the persona names no sector
    place: tuple[str, ...]
    language: str
    currency: str
    work: str  # the named work, as it must read in project names and files


CASES = {
    "rotterdam": Case(
        "a logistics coordinator at a cold-chain pharmaceutical distributor in Rotterdam "
        "preparing for a GDP audit",
        "Logistics Coordinator",
        "operations",
        "pharmaceutical distribution",
        ("Rotterdam", "Netherlands"),
        "en",
        "€",
        "GDP audit",
    ),
    "lyon": Case(
        "une avocate en droit du travail à Lyon qui prépare un dossier de licenciement "
        "économique pour un client industriel",
        "Avocate en droit du travail",
        "legal",
        "",
        ("Lyon", "France"),
        "fr",
        "€",
        "licenciement économique",
    ),
    "montana_de": Case(
        "eine Tierärztin in einer Kleinstadt in Montana, die eine Impfkampagne für "
        "Rinderherden plant",
        "Tierärztin",
        "veterinary",
        "",
        ("Montana", "United States"),
        "de",
        "$",
        "Impfkampagne für Rinderherden",
    ),
    "montana_en": Case(
        "A small-town veterinarian in Montana who is setting up a mobile clinic for "
        "outlying ranches",
        "Veterinarian",
        "veterinary",
        "",
        ("Montana", "United States"),
        "en",
        "$",
        "mobile clinic for outlying ranches",
    ),
}

# Function words no other of these languages uses, so a count says which one a text is in.
MARKERS = {
    "en": {"the", "and", "with", "is", "are", "of", "this", "we", "for"},
    "fr": {"le", "les", "des", "et", "est", "avec", "pour", "une", "du", "nous"},
    "de": {"der", "die", "das", "und", "ist", "mit", "für", "wir", "nicht", "den"},
    "es": {"el", "los", "las", "y", "es", "con", "para", "una", "del", "que"},
}
MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September"),
}


def language_of(text: str) -> str:
    words = re.findall(r"[^\W\d_]+", text.lower())
    counts = {lang: sum(w in marks for w in words) for lang, marks in MARKERS.items()}
    return max(counts, key=counts.get)


@pytest.fixture(scope="module", params=sorted(CASES))
def computer(request, tmp_path_factory):
    case = CASES[request.param]
    root = tmp_path_factory.mktemp(request.param)
    profile, files, texts = build_computer(case.persona, root, target=30, seed=7)
    return case, profile, files, texts


def test_profile_keeps_role_organisation_and_place(computer):
    case, profile, _, _ = computer
    assert profile["job_title"].lower() == case.role.lower()
    assert profile["occupation_family"] == case.family
    assert case.sector.lower() in profile["industry"].lower()
    for word in case.place:
        assert word in profile["location"]


def test_named_work_is_the_first_project_and_fills_the_files(computer):
    case, profile, files, texts = computer
    assert case.work.lower() in profile["projects"][0]["name"].lower()
    about = [p for p, text in texts.items() if case.work.lower() in text.lower()]
    # a small computer: its first project's files, its mail and notes, not one stray mention
    assert len(about) >= len(texts) // 5, (len(about), len(texts))
    planned = [f for f in files if f["project"] == profile["projects"][0]["name"]]
    assert len(planned) >= 3


def test_prose_is_in_the_persona_language_with_its_currency_and_dates(computer):
    case, profile, _, texts = computer
    prose = {p: t for p, t in texts.items() if len(t.split()) >= 40}
    languages = collections.Counter(language_of(t) for t in prose.values())
    assert languages.most_common(1)[0][0] == case.language, languages
    assert languages[case.language] >= 0.8 * len(prose), languages
    assert language_of(" ".join(profile["responsibilities"])) == case.language
    money = [
        v for p in profile["projects"] for v in p["key_figures"].values() if case.currency in v
    ]
    assert money, profile["projects"]
    everything = "\n".join(texts.values())
    other = {"€": "$", "$": "€"}[case.currency]
    assert everything.count(case.currency) > 10 * everything.count(other)
    if case.language in MONTHS:
        assert any(m in everything for m in MONTHS[case.language])


def test_unknown_place_keeps_the_persona_words():
    from studio.llm.offline.persona_read import read_persona

    reading = read_persona("A nurse at a small clinic in Tumbleweed Springs who runs night shifts")
    assert reading.place is not None and not reading.place_is_known
    assert reading.place.city == "Tumbleweed Springs"
    assert read_persona("une infirmière à Villeneuve-sur-Lot").place.country == "France"


@pytest.mark.parametrize("name", ["profile", "outline", "plan", "artifact"])
def test_real_model_is_told_to_keep_the_persona(name):
    prompt = load_prompt(name).system.lower()
    assert "language" in prompt
    assert "the work the persona named" in prompt or "the work it names" in prompt
    if name == "profile":
        for word in ("role", "organisation", "sector", "place", "currency"):
            assert word in prompt, word


# -- variety -----------------------------------------------------------------------------------


def long_sentences(text: str):
    """Sentences of more than ten words; lines and table cells end one, and so does a full
    stop, except after a number ("14. März")."""
    for line in re.split(r"[\n\t]", text):
        for sentence in re.split(r"(?<=[^\d][.!?])\s+", line):
            sentence = sentence.strip(" -•*#|")
            if len(sentence.split()) > 10 and sentence[-1:] in ".!?":
                yield sentence


@pytest.mark.parametrize("persona", ["rotterdam", "lyon"])
def test_no_stock_sentence_in_more_than_three_percent_of_documents(persona, tmp_path):
    _, _, texts = build_computer(CASES[persona].persona, tmp_path, target=100, seed=3)
    assert len(texts) == 100
    spread = collections.Counter(s for text in texts.values() for s in set(long_sentences(text)))
    assert sum(spread.values()) > 500  # the computer does have prose to repeat
    limit = 0.03 * len(texts)
    stock = [(n, s) for s, n in spread.most_common(5) if n > limit]
    assert not stock, stock
