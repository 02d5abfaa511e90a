"""What every writer shares: the document's properties and the text rules of Office XML."""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from studio.generation.schemas import CellValue, EmailEnvelope

SYNTHETIC_DOMAIN = "synthetic-computers.studio"
# The application named in the files' own properties (docProps/app.xml).
APPLICATION = "Synthetic Computers Studio"


@dataclass(frozen=True)
class Meta:
    """Document properties shared by every writer."""

    title: str
    author: str
    when: dt.datetime  # naive UTC
    envelope: EmailEnvelope | None


def aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def utc_naive(value: dt.datetime) -> dt.datetime:
    return aware(value).astimezone(dt.UTC).replace(tzinfo=None)


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Drop characters XML 1.0 cannot carry; lxml and Office refuse them."""
    return _XML_ILLEGAL.sub("", text)


def format_cell(value: CellValue) -> str:
    """Display text for a cell value in text-only formats (docx/pdf tables, csv)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(value, ".15g")
    return str(value)


def pad(values: list[CellValue], width: int) -> list[CellValue]:
    if len(values) >= width:
        return values[:width]
    return [*values, *([None] * (width - len(values)))]


_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")


def bold_spans(text: str) -> Iterator[tuple[str, bool]]:
    """Split '**bold**' markup, which models put in prose, into (text, bold) runs."""
    position = 0
    for match in _BOLD_RE.finditer(text):
        if match.start() > position:
            yield text[position : match.start()], False
        yield match.group(1), True
        position = match.end()
    if position < len(text):
        yield text[position:], False


_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class StablePackage(zipfile.ZipFile):
    """A zip package whose members all carry zip's epoch as their date, so the same content
    gives the same bytes: a generation seed reproduces a computer's files bit for bit, where
    zipfile would date each member with the clock."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, _ZIP_EPOCH)
            zinfo_or_arcname.compress_type = self.compression
            zinfo_or_arcname.external_attr = 0o600 << 16  # as zipfile gives a named member
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        # openpyxl adds worksheets from temporary files, which zipfile dates by their mtime.
        self.writestr(arcname or os.path.basename(filename), Path(filename).read_bytes())


def save_stably(save: Callable[[IO[bytes]], None], stream: IO[bytes]) -> None:
    """What a library's save writes, repackaged as a StablePackage into `stream`."""
    saved = io.BytesIO()
    save(saved)
    with (
        zipfile.ZipFile(saved) as source,
        StablePackage(stream, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
