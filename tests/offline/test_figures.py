"""The offline agents read labelled figures out of text; the fast path that skips lines with
no figure must find exactly what the pattern alone finds."""

import random

from studio.llm.offline.agents_common import FIGURE, figures_in, labelled_figures


def _every_position(text: str, limit: int) -> list[tuple[str, str]]:
    """figures_in without its pre-filter: FIGURE tried across every whole line."""
    return labelled_figures(
        (match for line in text.splitlines() for match in FIGURE.finditer(line)), limit
    )


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
