"""What previews are made of, the limits that bound them, and the cuts that enforce them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from studio.artifacts.safety import MB

TRUNCATION_MARKER = "[… truncated]"
ELLIPSIS = "…"


@dataclass(frozen=True)
class PreviewLimits:
    max_rows: int = 500
    max_columns: int = 50
    max_cell_chars: int = 2_000
    max_sheets: int = 20
    max_text_chars: int = 200_000
    max_slides: int = 200
    max_events: int = 1_000
    max_decompressed_bytes: int = 200 * MB
    # eml and ics are parsed whole, so their size is capped instead of their output.
    max_parsed_file_bytes: int = 25 * MB
    # xlsx formulas without a cached value are computed when shown, each from at most this
    # many cells, and the sheets' rows below what the preview shows are read for them up to
    # this many cells in all. A value past either is left empty, with a note saying why.
    max_formula_cells: int = 20_000


DEFAULT_LIMITS = PreviewLimits()


@dataclass
class CellPreview:
    value: str
    formula: str | None = None


@dataclass
class SheetPreview:
    name: str
    rows: list[list[CellPreview]] = field(default_factory=list)
    truncated: bool = False
    total_rows: int | None = None
    total_columns: int | None = None
    column_letters: list[str] = field(default_factory=list)


@dataclass
class SlidePreview:
    number: int
    title: str
    bullets: list[str] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    notes: str = ""
    tables: list[list[list[str]]] = field(default_factory=list)  # tables > rows > cells


@dataclass
class PagePreview:
    """One PDF page: its text and its size in points (the card keeps the page's shape)."""

    number: int
    text: str
    width: float
    height: float

    @property
    def shape(self) -> str:
        """The nearest of the page shapes the stylesheet draws (inline styles are barred by
        the content security policy)."""
        return nearest_shape(self.width, self.height, PAGE_SHAPES)


# width / height of the shapes studio.css draws as .shape-<name>
PAGE_SHAPES = {
    "a4": 210 / 297,
    "letter": 8.5 / 11,
    "a4-landscape": 297 / 210,
    "letter-landscape": 11 / 8.5,
}
SLIDE_SHAPES = {"16-9": 16 / 9, "4-3": 4 / 3, "16-10": 16 / 10}


def nearest_shape(width: float, height: float, shapes: dict[str, float]) -> str:
    ratio = width / height if height else 1.0
    return min(shapes, key=lambda name: abs(shapes[name] - ratio))


@dataclass
class EmailPreview:
    headers: dict[str, str]
    subject: str
    sender: str
    to: str
    cc: str
    date: str
    message_id: str
    in_reply_to: str
    references: list[str]
    body_text: str
    attachments: list[str] = field(default_factory=list)


@dataclass
class EventPreview:
    title: str
    start: dt.datetime | dt.date | None
    end: dt.datetime | dt.date | None
    when: str
    all_day: bool = False
    location: str = ""
    description: str = ""
    attendees: list[str] = field(default_factory=list)
    organizer: str = ""
    uid: str = ""
    recurrence: str = ""


@dataclass
class TablePreview:
    columns: list[str]
    rows: list[list[str]]
    truncated: bool = False


@dataclass
class Preview:
    kind: str
    html: str | None = None  # already sanitised
    text: str | None = None
    sheets: list[SheetPreview] = field(default_factory=list)
    slides: list[SlidePreview] = field(default_factory=list)
    slide_shape: str = "16-9"  # the deck's slide proportions, one of SLIDE_SHAPES
    pages: list[PagePreview] = field(default_factory=list)
    email: EmailPreview | None = None
    events: list[EventPreview] = field(default_factory=list)
    table: TablePreview | None = None
    truncated: bool = False
    notes: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        """Record that something was left out."""
        self.truncated = True
        if message not in self.notes:
            self.notes.append(message)


# -- cutting to the limits ---------------------------------------------------------------


def cut_text(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    return text[:max_chars].rstrip() + "\n" + TRUNCATION_MARKER


def cut_cell(text: str, limits: PreviewLimits) -> tuple[str, bool]:
    if len(text) <= limits.max_cell_chars:
        return text, False
    return text[: limits.max_cell_chars] + ELLIPSIS, True
