"""The offline agents read labelled figures out of text; the fast path that skips lines with
no figure must find exactly what the pattern alone finds."""

import random

from studio.llm.offline import agents_common
from studio.llm.offline.agents_common import FIGURE, figures_in


def _every_position(text: str, limit: int) -> list[tuple[str, str]]:
    """figures_in without its pre-filter: FIGURE tried across every whole line."""
    found, seen = [], set()
    for line in text.splitlines():
        for match in FIGURE.finditer(line):
            label = " ".join(match["label"].split()).strip(" -")
            key, value = label.lower(), match["value"].strip()
            if (
                len(label) < 3
                or key in seen
                or key.split()[-1] in agents_common._CONNECTIVES
                or key.startswith(("page", "sheet", "date", "from", "to"))
                or agents_common._is_year(value)
            ):
                continue
            seen.add(key)
            found.append((label, value))
            if len(found) >= limit:
                return found
    return found


def test_labelled_figures_are_read_in_order():
    text = "Intro without figures.\nAnnual budget: $1,240,000 and Headcount = 42\nYear: 2026\n"
    assert figures_in(text) == [("Annual budget", "$1,240,000"), ("and Headcount", "42")]


def test_the_prefilter_finds_what_every_position_finds():
    rng = random.Random(5)
    pieces = [
        "Total spend",
        "Q3 margin (net)",
        "x" * 60,
        "   ",
        ": ",
        "=",
        "\t",
        "= A1*2 → ",
        "$1,200",
        "12.5 %",
        "3k",
        "2026",
        "from",
        "page 4",
        "and",
        "-",
        "/",
        "\n",
        "prose with words ",
        "4:30",
    ]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        for limit in (3, 200):
            assert figures_in(text, limit) == _every_position(text, limit), text
