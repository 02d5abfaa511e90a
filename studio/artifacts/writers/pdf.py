"""PDF through fpdf2: Helvetica when the text is Latin-1, a Unicode TTF otherwise, with
characters no font can draw transliterated or shown as '?'. Lines are wrapped and pages
broken here, on fpdf2's text() and rect(): its multi_cell and table layout cost several times
more per document (bench/office.py measures the writer)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from studio.artifacts.writers.common import Meta, format_cell, pad
from studio.generation.schemas import DocBlock, DocumentContent, Table

logger = logging.getLogger(__name__)

_FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    (
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf",
    ),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
    ("/Library/Fonts/Arial Unicode.ttf", "/Library/Fonts/Arial Unicode.ttf"),
    ("C:\\Windows\\Fonts\\arial.ttf", "C:\\Windows\\Fonts\\arialbd.ttf"),
)

_TRANSLITERATION = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": ",",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u2022": "-",
    "\u2265": ">=",
    "\u2264": "<=",
    "\u2260": "!=",
    "\u2192": "->",
    "\u2190": "<-",
    "\u20ac": "EUR",
    "\u2122": "(TM)",
    "\u0141": "L",
    "\u0142": "l",
    "\u0152": "OE",
    "\u0153": "oe",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",
    "\t": "    ",
}


@dataclass(frozen=True)
class _UnicodeFont:
    regular: str
    bold: str
    codepoints: frozenset[int]


@functools.lru_cache(maxsize=1)
def _unicode_font() -> _UnicodeFont | None:
    """First installed TTF from the candidates, with the set of code points it covers."""
    from fontTools.ttLib import TTFont

    for regular, bold in _FONT_CANDIDATES:
        if os.path.exists(regular) and os.path.exists(bold):
            try:
                with TTFont(regular, lazy=True) as font:
                    codepoints = frozenset(font.getBestCmap())
            except Exception:  # noqa: BLE001 - a broken system font just means "try the next"
                logger.warning("skipping unreadable font %s", regular, exc_info=True)
                continue
            return _UnicodeFont(regular, bold, codepoints)
    return None


class _Glyphs:
    """Maps text to what the chosen font can draw: transliterate, else '?'. Never raises."""

    def __init__(self, supported: Callable[[int], bool]) -> None:
        self._supported = supported
        self._cache: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if all(self._supported(ord(char)) for char in text):
            return text
        return "".join(self._char(char) for char in text)

    def _char(self, char: str) -> str:
        cached = self._cache.get(char)
        if cached is None:
            cached = self._cache[char] = self._substitute(char)
        return cached

    def _substitute(self, char: str) -> str:
        if char == "\n" or (self._supported(ord(char)) and char != "\t"):
            return char
        if unicodedata.category(char) in ("Cc", "Cf"):
            return _TRANSLITERATION.get(char, "")
        mapped = _TRANSLITERATION.get(char)
        if mapped is not None and all(self._supported(ord(c)) for c in mapped):
            return mapped
        decomposed = unicodedata.normalize("NFKD", char)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        if stripped and all(self._supported(ord(c)) for c in stripped):
            return stripped
        return "?"


def _latin1_printable(codepoint: int) -> bool:
    return 0x20 <= codepoint < 0x7F or 0xA0 <= codepoint <= 0xFF


def _document_strings(content: DocumentContent) -> Iterator[str]:
    yield content.title
    yield content.header
    yield content.footer
    for block in content.blocks:
        yield block.text
        yield from block.items
        if block.table is not None:
            yield from block.table.columns
            for row in block.table.rows:
                yield from (format_cell(value) for value in row)


def write_pdf(stream: IO[bytes], content: DocumentContent, meta: Meta) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)  # _PdfLayout breaks pages itself
    pdf.set_title(meta.title)
    pdf.set_author(meta.author)
    pdf.set_creation_date(meta.when.replace(tzinfo=dt.UTC))
    fonts = _pdf_fonts(pdf, _document_strings(content))
    running = (
        fonts.glyphs(" ".join(content.header.split())),
        fonts.glyphs(" ".join(content.footer.split())),
    )
    layout = _PdfLayout(pdf, fonts, running)
    layout.heading(content.title, size=20)
    for block in content.blocks:
        layout.block(block)
    layout.finish_page()
    stream.write(bytes(pdf.output()))


@dataclass(frozen=True)
class _PdfFonts:
    family: str
    glyphs: _Glyphs
    bullet: str


def _pdf_fonts(pdf: Any, strings: Iterable[str]) -> _PdfFonts:
    """Core Helvetica when the text is Latin-1 (fast, tiny files); a Unicode TTF, embedded and
    parsed per document, otherwise."""
    latin1 = all(_latin1_printable(ord(c)) or c in "\n\t" for text in strings for c in text)
    font = None if latin1 else _unicode_font()
    if font is None:
        return _PdfFonts("helvetica", _Glyphs(_latin1_printable), "-")
    _install_unicode_font(pdf, font)
    return _PdfFonts(_TTF_FAMILY, _Glyphs(font.codepoints.__contains__), "\u2022")


_TTF_FAMILY = "studio-sans"


def _install_unicode_font(pdf: Any, font: _UnicodeFont) -> None:
    # fpdf2 subsets the parsed font in place on output: a parsed font cannot be shared.
    pdf.add_font(_TTF_FAMILY, "", font.regular)
    pdf.add_font(_TTF_FAMILY, "B", font.bold)


_PT_TO_MM = 25.4 / 72
_MAX_CELL_LINES = 12


class _PdfLayout:
    """Greedy word-wrap and pagination on top of fpdf2's primitive text() and rect()."""

    margin = 20.0
    body_size = 10.5
    table_size = 9.0

    def __init__(self, pdf: Any, fonts: _PdfFonts, running: tuple[str, str] = ("", "")) -> None:
        self.pdf = pdf
        self.fonts = fonts
        self.header, self.footer = running  # on every page, beside the page number
        self.width = pdf.w - 2 * self.margin
        self.bottom = pdf.h - self.margin
        self.y = self.margin
        self._current = (False, self.body_size)
        self._new_page()

    # blocks
    def block(self, block: DocBlock) -> None:
        if block.type == "heading":
            self.heading(block.text, size={1: 16, 2: 13.5, 3: 12, 4: 11}[block.level])
        elif block.type == "paragraph":
            for chunk in block.text.split("\n\n"):
                self.paragraph(chunk)
        elif block.type in ("bullets", "numbered"):
            if block.text.strip():
                self.paragraph(block.text)
            for number, item in enumerate(block.items, start=1):
                marker = f"{number}." if block.type == "numbered" else self.fonts.bullet
                self.paragraph(item, marker=marker, space_after=1.2)
        elif block.type == "table":
            if block.text.strip():
                self.paragraph(block.text, bold=True, space_after=1.5)
            if block.table is not None:
                self.table(block.table)

    def heading(self, text: str, *, size: float) -> None:
        self.y += size * _PT_TO_MM * 0.5
        self.paragraph(text, size=size, bold=True, space_after=size * _PT_TO_MM * 0.4)

    def paragraph(
        self,
        text: str,
        *,
        size: float | None = None,
        bold: bool = False,
        marker: str = "",
        space_after: float = 2.5,
    ) -> None:
        size = size or self.body_size
        self._font(bold, size)
        indent = 6.0 if marker else 0.0
        line_height = size * _PT_TO_MM * 1.35
        lines = self.wrap(self.fonts.glyphs(text.replace("**", "")), self.width - indent)
        for index, line in enumerate(lines):
            self._ensure_room(line_height)
            if marker and index == 0:
                self.pdf.text(self.margin, self.y + size * _PT_TO_MM, marker)
            self.pdf.text(self.margin + indent, self.y + size * _PT_TO_MM, line)
            self.y += line_height
        self.y += space_after

    def table(self, table: Table) -> None:
        columns = len(table.columns)
        widths = self._column_widths(table, columns)
        header = [self.fonts.glyphs(str(name)) for name in table.columns]
        self._table_row(header, widths, header=True)
        for row in table.rows:
            cells = [self.fonts.glyphs(format_cell(value)) for value in pad(row, columns)]
            self._table_row(cells, widths, header=False, repeat=header)
        self.y += 3

    # primitives
    def wrap(self, text: str, width: float) -> list[str]:
        lines: list[str] = []
        measure = self._measure
        space = measure(" ")
        for raw_line in text.split("\n"):
            current, current_width = "", 0.0
            for word in raw_line.split(" "):
                word_width = measure(word)
                if word_width > width:
                    pieces = self._break_word(word, width)
                    word = pieces.pop()
                    word_width = measure(word)
                    if current:
                        lines.append(current)
                    lines.extend(pieces)
                    current, current_width = word, word_width
                elif current and current_width + space + word_width > width:
                    lines.append(current)
                    current, current_width = word, word_width
                elif current:
                    current, current_width = f"{current} {word}", current_width + space + word_width
                else:
                    current, current_width = word, word_width
            lines.append(current)
        return lines

    def _break_word(self, word: str, width: float) -> list[str]:
        pieces, current, current_width = [], "", 0.0
        for char in word:
            char_width = self._measure(char)
            if current and current_width + char_width > width:
                pieces.append(current)
                current, current_width = "", 0.0
            current += char
            current_width += char_width
        pieces.append(current)
        return pieces

    def _measure(self, text: str) -> float:
        """Text width in mm from the font's width table: wrapping measures every word, and
        fpdf2's get_string_width builds styled text fragments for each call."""
        widths, scale, default = self._metrics
        if self._by_codepoint:
            return sum(widths.get(ord(char), default) for char in text) * scale
        return sum(widths.get(char, default) for char in text) * scale

    def _column_widths(self, table: Table, columns: int) -> list[float]:
        weights = [max(len(str(name)), 4) for name in table.columns]
        for row in table.rows[:50]:
            for index, value in enumerate(row[:columns]):
                weights[index] = max(weights[index], min(len(format_cell(value)), 40))
        total = sum(weights)
        return [self.width * weight / total for weight in weights]

    def _table_row(
        self, cells: list[str], widths: list[float], *, header: bool, repeat: Sequence[str] = ()
    ) -> None:
        """Draw one row; a row that starts a new page is preceded by the repeated header."""
        size = self.table_size
        line_height = size * _PT_TO_MM * 1.3
        self._font(header, size)
        wrapped = [
            self._cell_lines(text, width - 2) for text, width in zip(cells, widths, strict=True)
        ]
        height = max(len(lines) for lines in wrapped) * line_height + 1.6
        if self._ensure_room(height) and repeat:
            self._table_row(list(repeat), widths, header=True)
            self._font(header, size)
        x = self.margin
        if header:
            self.pdf.set_fill_color(222, 231, 242)
        for lines, width in zip(wrapped, widths, strict=True):
            self.pdf.rect(x, self.y, width, height, style="DF" if header else "D")
            for index, line in enumerate(lines):
                baseline = self.y + 0.8 + index * line_height + size * _PT_TO_MM
                self.pdf.text(x + 1, baseline, line)
            x += width
        self.y += height

    def _cell_lines(self, text: str, width: float) -> list[str]:
        lines = self.wrap(text, max(width, 2))
        if len(lines) > _MAX_CELL_LINES:
            lines = lines[:_MAX_CELL_LINES]
            lines[-1] = lines[-1][:-3] + "..."
        return lines

    def _font(self, bold: bool, size: float) -> None:
        self._current = (bold, size)
        self.pdf.set_font(self.fonts.family, "B" if bold else "", size)
        font = self.pdf.current_font
        widths = font.cw
        # TTF fonts key widths by code point, core fonts by character.
        self._by_codepoint = not isinstance(next(iter(widths), ""), str)
        default = font.desc.missing_width if hasattr(font, "desc") else 500
        self._metrics = (widths, size * 0.001 / self.pdf.k, default or 500)

    def _ensure_room(self, height: float) -> bool:
        if self.y + height <= self.bottom:
            return False
        self._new_page()
        return True

    def _new_page(self) -> None:
        if self.pdf.page_no():
            self.finish_page()
        self.pdf.add_page()
        self.y = self.margin

    def finish_page(self) -> None:
        """Header, footer and page number last, so text extraction reads the body first."""
        pdf = self.pdf
        pdf.set_font(self.fonts.family, "", 8)
        if self.header:
            pdf.text(self.margin, self.margin / 2, self.header[:150])
        if self.footer:
            pdf.text(self.margin, pdf.h - 10, self.footer[:90])
        label = f"{pdf.page_no()}"
        pdf.text(pdf.w - self.margin - pdf.get_string_width(label), pdf.h - 10, label)
        self._font(*self._current)  # the footer changed the font mid-paragraph
