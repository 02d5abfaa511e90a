"""pdf: the text of each page and its size, via pypdf (the preview draws each page as a
page-shaped card: no rasteriser such as pdftoppm is needed on the host); password-protected
files are refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from studio.artifacts.readers.types import PagePreview, Preview, PreviewLimits, cut_text
from studio.artifacts.safety import ArtifactReadError


def _pdf_reader(path: Path) -> Any:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted and not reader.decrypt(""):
        raise ArtifactReadError("cannot read .pdf file: it is password-protected")
    return reader


def pdf_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    for page in _pdf_reader(path).pages:
        yield (page.extract_text() or "").strip() + "\n\n"


def pdf_preview(path: Path, limits: PreviewLimits) -> Preview:
    result = Preview(kind="pdf")
    pages = _pdf_reader(path).pages
    pieces: list[str] = []
    chars = 0
    for number, page in enumerate(pages, start=1):
        text = (page.extract_text() or "").strip()
        pieces.append(text)
        chars += len(text)
        box = page.mediabox
        result.pages.append(
            PagePreview(
                number=number,
                text=cut_text(text, limits.max_text_chars),
                width=float(box.width),
                height=float(box.height),
            )
        )
        if chars > limits.max_text_chars and number < len(pages):
            result.note(f"Showing text of the first {number} of {len(pages)} pages.")
            break
    text = "\n\n".join(pieces).strip()
    if len(text) > limits.max_text_chars:
        result.note(f"Showing the first {limits.max_text_chars:,} characters.")
    result.text = cut_text(text, limits.max_text_chars)
    if not text:
        result.notes.append("This PDF has no extractable text (it may be scanned images).")
    return result
