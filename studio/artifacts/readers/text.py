"""md, txt and csv: text files in whatever encoding they declare by BOM (else utf-8, else
cp1252), Markdown rendered and sanitised, CSV in its sniffed dialect as a table.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

from studio.artifacts.readers.html import sanitise_html
from studio.artifacts.readers.types import Preview, PreviewLimits, TablePreview, cut_cell

_SNIFF_BYTES = 64 * 1024


def _text_encoding(path: Path) -> str:
    """utf-8 (with or without BOM) or utf-16 by BOM; anything else is read as cp1252."""
    with path.open("rb") as stream:
        head = stream.read(_SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _read_text(path: Path, max_chars: int) -> tuple[str, bool]:
    """Up to max_chars characters of a text file, and whether there was more."""
    with path.open(encoding=_text_encoding(path), errors="replace", newline=None) as stream:
        text = stream.read(max_chars + 1)
    return text[:max_chars], len(text) > max_chars


# -- csv ---------------------------------------------------------------------------------

_CSV_COUNT_CAP = 1_000_000


def _csv_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def csv_preview(path: Path, limits: PreviewLimits) -> Preview:
    result = Preview(kind="csv")
    encoding = _text_encoding(path)
    with path.open(encoding=encoding, errors="replace", newline="") as stream:
        dialect = _csv_dialect(stream.read(_SNIFF_BYTES // 4))
        stream.seek(0)
        try:
            result.table = _csv_table(csv.reader(stream, dialect), limits, result)
        except csv.Error as exc:
            result.table = None
            result.text, cut = _read_text(path, limits.max_text_chars)
            result.notes.append(f"Could not parse as CSV ({exc}); showing the raw text.")
            if cut:
                result.note(f"Showing the first {limits.max_text_chars:,} characters.")
    return result


def _csv_table(reader: Iterator[list[str]], limits: PreviewLimits, result: Preview) -> TablePreview:
    header = next(reader, [])
    width = min(len(header), limits.max_columns)
    rows: list[list[str]] = []
    cut_cells = False
    wider = len(header) > limits.max_columns
    extra = 0
    for row in reader:
        if len(rows) >= limits.max_rows:
            extra += 1
            if extra >= _CSV_COUNT_CAP:
                break
            continue
        wider = wider or len(row) > max(width, limits.max_columns)
        width = max(width, min(len(row), limits.max_columns))
        cells = []
        for value in row[: limits.max_columns]:
            text, cut = cut_cell(value, limits)
            cut_cells = cut_cells or cut
            cells.append(text)
        rows.append(cells)
    columns = [cut_cell(name, limits)[0] for name in header[:width]]
    columns += [""] * (width - len(columns))
    rows = [row + [""] * (width - len(row)) for row in rows]
    if extra:
        total = f"{len(rows) + extra:,}" if extra < _CSV_COUNT_CAP else "over 1,000,000"
        result.note(f"Showing the first {limits.max_rows:,} rows of {total}.")
    if wider:
        result.note(f"Showing the first {limits.max_columns} columns.")
    if cut_cells:
        result.note(f"Some cells were cut at {limits.max_cell_chars:,} characters.")
    return TablePreview(columns=columns, rows=rows, truncated=bool(extra or wider))


def csv_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    text, _ = _read_text(path, limits.max_text_chars + 1)
    yield text


# -- md, txt -----------------------------------------------------------------------------


def markdown_preview(path: Path, limits: PreviewLimits) -> Preview:
    import markdown

    result = Preview(kind="md")
    text, cut = _read_text(path, limits.max_text_chars)
    if cut:
        result.note(f"Showing the first {limits.max_text_chars:,} characters.")
    result.text = text
    rendered = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])
    result.html = sanitise_html(rendered)
    return result


def text_preview(path: Path, limits: PreviewLimits) -> Preview:
    result = Preview(kind="txt")
    text, cut = _read_text(path, limits.max_text_chars)
    if cut:
        result.note(f"Showing the first {limits.max_text_chars:,} characters.")
    result.text = text
    return result


def plain_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    text, _ = _read_text(path, limits.max_text_chars + 1)
    yield text
