"""Safe, bounded readers for every artifact kind.

Used by the file browser (preview), the agents' read_file tool and the search index
(extract_text). Every file is treated as hostile: Office zips are checked before a library
opens them, every library error becomes ArtifactReadError with a readable message, and every
preview is bounded by PreviewLimits so a huge file costs no more than a small one.

One module per format family, behind the two entry points here:

    types   Preview and its parts, PreviewLimits, and the cuts that enforce the limits
    html    the HTML sanitiser, HTML to text, mammoth and the streaming docx renderer
    docx    the streaming docx body reader, docx text and preview
    xlsx    cells streamed with formulas and cached values, number formats, computed formulas
    pptx    slides, bullets, tables and notes
    pdf     page text
    mail    eml messages and ics calendars
    text    md, txt and csv
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

from studio.artifacts.readers.docx import MAMMOTH_MAX_XML_BYTES, docx_preview, docx_text
from studio.artifacts.readers.html import ALLOWED_TAGS, sanitise_html
from studio.artifacts.readers.mail import (
    calendar_preview,
    calendar_text,
    email_preview,
    email_text,
)
from studio.artifacts.readers.pdf import pdf_preview, pdf_text
from studio.artifacts.readers.pptx import pptx_preview, pptx_text
from studio.artifacts.readers.text import (
    csv_preview,
    csv_text,
    markdown_preview,
    plain_text,
    text_preview,
)
from studio.artifacts.readers.types import (
    DEFAULT_LIMITS,
    TRUNCATION_MARKER,
    CellPreview,
    EmailPreview,
    EventPreview,
    Preview,
    PreviewLimits,
    SheetPreview,
    SlidePreview,
    TablePreview,
    cut_text,
)
from studio.artifacts.readers.xlsx import xlsx_preview, xlsx_text
from studio.artifacts.safety import (
    ArtifactReadError,
    UnsafeFileError,
    check_office_zip,
    library_errors,
)

__all__ = [
    "ArtifactReadError",
    "CellPreview",
    "EmailPreview",
    "EventPreview",
    "MAMMOTH_MAX_XML_BYTES",
    "Preview",
    "PreviewLimits",
    "READABLE_KINDS",
    "SheetPreview",
    "SlidePreview",
    "TRUNCATION_MARKER",
    "TablePreview",
    "UnsafeFileError",
    "extract_text",
    "preview",
    "sanitise_html",
]

_ALLOWED_TAGS = ALLOWED_TAGS  # the name the single-module readers gave it

# Office files are zips: check_office_zip inspects them (zip bombs, DTDs in XML prologs)
# before any library opens them, here, for every kind at once. It and MAMMOTH_MAX_XML_BYTES
# are looked up in this module on each call, so setting them here takes effect.
_OFFICE_KINDS = frozenset({"docx", "xlsx", "pptx"})


def extract_text(path: Path, kind: str, *, max_chars: int = 200_000) -> str:
    """Plain text of a file of any kind, cut at `max_chars` with a trailing marker."""
    extractor = _TEXT_EXTRACTORS.get(kind)
    if extractor is None:
        raise ArtifactReadError(f"unsupported file kind: {kind!r}")
    path = Path(path)
    limits = PreviewLimits(max_text_chars=max_chars)
    pieces: list[str] = []
    total = 0
    with library_errors(kind):
        _check_zip(path, kind, limits)
        with closing(extractor(path, limits)) as chunks:
            for chunk in chunks:
                pieces.append(chunk)
                total += len(chunk)
                if total > max_chars:
                    break
    return cut_text("".join(pieces), max_chars)


def preview(path: Path, kind: str, *, limits: PreviewLimits = DEFAULT_LIMITS) -> Preview:
    """A bounded, template-ready view of a file; HTML in it is already sanitised."""
    renderer = _PREVIEWERS.get(kind)
    if renderer is None:
        raise ArtifactReadError(f"unsupported file kind: {kind!r}")
    path = Path(path)
    with library_errors(kind):
        _check_zip(path, kind, limits)
        return renderer(path, limits)


def _check_zip(path: Path, kind: str, limits: PreviewLimits) -> None:
    if kind in _OFFICE_KINDS:
        check_office_zip(path, kind, max_decompressed_bytes=limits.max_decompressed_bytes)


def _docx_preview(path: Path, limits: PreviewLimits) -> Preview:
    return docx_preview(path, limits, mammoth_max_xml_bytes=MAMMOTH_MAX_XML_BYTES)


_TEXT_EXTRACTORS: dict[str, Callable[[Path, PreviewLimits], Iterator[str]]] = {
    "docx": docx_text,
    "xlsx": xlsx_text,
    "pptx": pptx_text,
    "pdf": pdf_text,
    "md": plain_text,
    "txt": plain_text,
    "csv": csv_text,
    "eml": email_text,
    "ics": calendar_text,
}

_PREVIEWERS: dict[str, Callable[[Path, PreviewLimits], Preview]] = {
    "docx": _docx_preview,
    "xlsx": xlsx_preview,
    "pptx": pptx_preview,
    "pdf": pdf_preview,
    "md": markdown_preview,
    "txt": text_preview,
    "csv": csv_preview,
    "eml": email_preview,
    "ics": calendar_preview,
}

# Kinds extract_text and preview accept (callers need not reach for the tables above).
READABLE_KINDS: frozenset[str] = frozenset(_TEXT_EXTRACTORS)
