"""The text of bench/corpus.py's turns: pools of generated sentences with office words, filler
and a long tail of rarer words, and the two words the bench searches for."""

from __future__ import annotations

import datetime as dt
import random

from browse_data import WORDS  # bench/ is on the path

RARE_WORD = "quetzalcoatl"  # in about one turn in 20,000
COMMON_WORD = "budget"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
OFFICE = [*WORDS, "workbook", "slide", "memo"]  # the browse bench's office vocabulary
FILLER = [
    "the", "a", "of", "to", "and", "in", "for", "on", "with", "that", "this", "is", "be", "as",
    "from", "by", "at", "it", "we", "I", "will", "need", "should", "check", "before", "send",
    "next", "update", "file", "sheet", "total", "row", "column", "numbers", "figures", "team",
]  # fmt: skip


class Text:
    """Pools of sentences to draw turn text from: office words, filler and a long tail."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        tail = {
            "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3))
            for _ in range(20_000)
        }
        self.tail = sorted(tail)
        self.sentences = [self._sentence() for _ in range(6_000)]

    def _sentence(self) -> str:
        rng = self.rng
        words = []
        for _ in range(rng.randint(6, 22)):
            roll = rng.random()
            if roll < 0.55:
                words.append(rng.choice(FILLER))
            elif roll < 0.85:
                words.append(rng.choice(OFFICE))
            else:
                words.append(rng.choice(self.tail))
        return " ".join(words).capitalize() + "."

    def paragraph(self, chars: int) -> str:
        out, size = [], 0
        while size < chars:
            sentence = self.rng.choice(self.sentences)
            out.append(sentence)
            size += len(sentence) + 1
        return " ".join(out)
