"""The cells of an .xlsx package, streamed with formulas and cached values side by side.

openpyxl's read-only mode parses the whole shared-string table on open and gives either
formulas or cached values, never both; a preview needs both, for a window of a workbook that
may be large or hostile, so this reads only that window, in one pass, through defusedxml. Callers go through studio.artifacts.readers,
which checks the zip first.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Generator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeElementTree

from studio.artifacts.formulas import column_index
from studio.artifacts.safety import MB

_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_CELL_TAG, _ROW_TAG, _DIMENSION_TAG = _S + "c", _S + "row", _S + "dimension"
_VALUE_TAG, _FORMULA_TAG, _INLINE_TAG = _S + "v", _S + "f", _S + "is"
# Formulas reaching below the rows read for display read on into sheets of up to this much XML.
FORMULA_LOAD_MAX_XML_BYTES = 16 * MB
MAX_SHARED_STRINGS = 2_000_000


@dataclass
class XlsxCell:
    value: Any  # typed value; for a formula cell, the cached result or None
    formula: str | None = None
    number_format: str = ""  # format code worth applying to a number, e.g. "#,##0.00"


@dataclass
class XlsxSheet:
    name: str
    part: str
    size: int  # uncompressed bytes of the sheet XML
    dimension: tuple[int, int] | None = None  # (rows, columns) the file declares


class _SharedStrings:
    """The shared-string table, split into items as far as the highest index asked for,
    and each item parsed only when a cell shows it.

    Excel numbers strings in order of first use, so the top rows of the first sheet need a
    small prefix of a table that can hold millions of strings, but a preview of a second
    sheet can need its very end. Splitting on the closing tag runs at C speed, where parsing
    every item with an XML parser would dominate the preview. This is safe without a parser: DTDs were refused by check_office_zip and
    only the five predefined entities and character references are decoded.
    """

    chunk_bytes = 1 * MB
    max_item_bytes = 8 * MB  # one string this long means a broken or hostile table

    def __init__(self, archive: zipfile.ZipFile, part: str | None) -> None:
        self._items: list[str] = []  # raw XML of each <si>, parsed on demand
        self._parsed: dict[int, str] = {}
        self._tail = b""
        self._close: bytes | None = None  # b"</si>", or b"</x:si>" for a prefixed table
        self._source: Any = archive.open(part) if part is not None else None

    def get(self, index: int) -> str:
        while index >= len(self._items) and self._source is not None:
            self._scan_chunk()
        if not 0 <= index < len(self._items):
            return ""
        text = self._parsed.get(index)
        if text is None:
            text = self._parsed[index] = _si_item_text(self._items[index])
        return text

    def _scan_chunk(self) -> None:
        chunk = self._source.read(self.chunk_bytes)
        if (
            not chunk
            or len(self._tail) > self.max_item_bytes
            or len(self._items) > MAX_SHARED_STRINGS
        ):
            self.close()
            return
        data = self._tail + chunk
        if self._close is None:
            found = _SI_CLOSE_RE.search(data)
            self._close = found.group(0) if found else None
        cut = data.rfind(self._close) if self._close else -1
        if cut < 0:
            self._tail = data
            return
        cut += len(self._close)
        # Cut after a tag, so the decode never splits a UTF-8 sequence.
        complete = data[:cut].decode("utf-8", errors="replace")
        self._tail = data[cut:]
        segments = complete.split(self._close.decode())[:-1]
        if "si/>" in complete:  # rare empty items written as <si/>
            segments = [part for segment in segments for part in _split_empty_items(segment)]
        self._items.extend(segments)

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None


_SI_CLOSE_RE = re.compile(rb"</(?:\w+:)?si>")
_SI_EMPTY_RE = re.compile(r"<(?:\w+:)?si\b[^>]*/>")
_SI_OPEN_RE = re.compile(r"<(?:\w+:)?si\b[^>]*>")


def _split_empty_items(segment: str) -> list[str]:
    """'<si/><si/><si>x' -> ['', '', '<si>x']: each self-closed item is an empty string."""
    pieces = _SI_EMPTY_RE.split(segment)
    return [""] * (len(pieces) - 1) + [pieces[-1]]


def _si_item_text(item: str) -> str:
    opening = _SI_OPEN_RE.search(item)  # the first chunk's item also holds the <sst> header
    return _si_text(item[opening.end() :]) if opening else ""


_T_RE = re.compile(r"<(?:\w+:)?t\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?t>)", re.DOTALL)
_PHONETIC_RE = re.compile(r"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.DOTALL)
_XML_ESCAPE_RE = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
_XML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_OOXML_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _si_text(item: str) -> str:
    if "<" in item:  # rich text: the <t> of each run, without phonetic hints
        item = _PHONETIC_RE.sub("", item)
        item = "".join(match.group(1) or "" for match in _T_RE.finditer(item))
    return _ooxml_text(_XML_ESCAPE_RE.sub(_xml_entity, item))


def _xml_entity(match: re.Match[str]) -> str:
    name, decimal, hexadecimal = match.groups()
    if name:
        return _XML_ENTITIES[name]
    try:
        return chr(int(decimal) if decimal else int(hexadecimal, 16))
    except (ValueError, OverflowError):
        return "\ufffd"


def _ooxml_text(text: str) -> str:
    """Excel writes control characters as _xHHHH_ inside strings."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPE_RE.sub(lambda match: chr(int(match.group(1), 16)), text)


def string_item_text(element: Any) -> str:
    """Text of a string item (<is> or <si>): its <t>, or the <t> of its runs, without phonetic
    hints."""
    direct = element.find(_S + "t")
    if direct is not None:
        return _ooxml_text(direct.text or "")
    return _ooxml_text("".join(run.findtext(_S + "t") or "" for run in element.iter(_S + "r")))


class XlsxPackage:
    """Streams cells from an .xlsx with formulas and cached values side by side."""

    def __init__(self, path: Path) -> None:
        self.archive = zipfile.ZipFile(path)
        try:
            names = set(self.archive.namelist())
            parts = self._relationships("xl/_rels/workbook.xml.rels", "xl/")
            workbook = self._xml("xl/workbook.xml")
            self.date1904 = _uses_1904_dates(workbook)
            self.sheets = self._sheets(workbook, parts, names)
            strings = next((t for t in parts.values() if t.endswith("sharedStrings.xml")), None)
            self.strings = _SharedStrings(self.archive, strings if strings in names else None)
            styles = next((t for t in parts.values() if t.endswith("styles.xml")), None)
            self.formats = cell_formats(self._xml(styles)) if styles in names else []
        except BaseException:
            self.archive.close()
            raise

    def close(self) -> None:
        self.strings.close()
        self.archive.close()

    def _xml(self, part: str) -> Any:
        with self.archive.open(part) as source:
            return SafeElementTree.parse(source, forbid_dtd=True).getroot()

    def _relationships(self, part: str, base: str) -> dict[str, str]:
        import posixpath

        targets = {}
        for rel in self._xml(part).iter(_PKG_REL):
            target = rel.get("Target", "")
            resolved = target.lstrip("/") if target.startswith("/") else base + target
            targets[rel.get("Id", "")] = posixpath.normpath(resolved)
        return targets

    def _sheets(self, workbook: Any, parts: dict[str, str], names: set[str]) -> list[XlsxSheet]:
        sheets = []
        for sheet in workbook.iter(_S + "sheet"):
            part = parts.get(sheet.get(_REL_ID, ""))
            if part in names and "worksheets/" in part:  # chartsheets have no cells
                size = self.archive.getinfo(part).file_size
                sheets.append(XlsxSheet(sheet.get("name", "Sheet"), part, size))
        return sheets

    def rows(self, sheet: XlsxSheet, max_rows: int, max_columns: int) -> Generator[Any, None, None]:
        """(row number, {column: XlsxCell}) for rows up to max_rows, columns up to max."""
        shared: dict[str, tuple[str, str]] = {}
        with self.archive.open(sheet.part) as source:
            events = SafeElementTree.iterparse(source, events=("end",), forbid_dtd=True)
            cells: dict[int, XlsxCell] = {}
            next_row = 1
            for _, element in events:
                tag = element.tag
                if tag == _CELL_TAG:
                    column = _column_of(element.get("r"), len(cells) + 1)
                    if column <= max_columns:
                        cells[column] = self._cell(element, shared)
                    element.clear()
                elif tag == _ROW_TAG:
                    number = int(element.get("r") or next_row)
                    if number > max_rows:
                        return
                    if cells:
                        yield number, cells
                    cells = {}
                    next_row = number + 1
                    element.clear()
                elif tag == _DIMENSION_TAG:
                    sheet.dimension = _dimension(element.get("ref", ""))

    def _cell(self, element: Any, shared: dict[str, tuple[str, str]]) -> XlsxCell:
        kind = element.get("t", "n")
        value_element = element.find(_VALUE_TAG)
        raw = value_element.text if value_element is not None else None
        formula = _formula(element.find(_FORMULA_TAG), element.get("r") or "", shared)
        style = element.get("s")
        fmt = (
            self.formats[int(style)]
            if style and style.isdigit() and int(style) < len(self.formats)
            else None
        )
        if kind == "inlineStr":
            inline = element.find(_INLINE_TAG)
            value: Any = string_item_text(inline) if inline is not None else ""
        elif raw is None or raw == "":
            value = None
        elif kind == "s":
            value = self.strings.get(int(raw)) if raw.isdigit() else ""
        elif kind in ("str", "e"):
            value = raw
        elif kind == "b":
            value = raw.strip() in ("1", "true")
        elif kind == "d":
            value = _iso_datetime(raw)
        else:
            value = self._number(raw, fmt)
        return XlsxCell(value=value, formula=formula, number_format=fmt.code if fmt else "")

    def _number(self, raw: str, fmt: _CellFormat | None) -> Any:
        try:
            number: Any = float(raw)
        except ValueError:
            return raw
        if number.is_integer() and "." not in raw and "E" not in raw.upper():
            number = int(number)
        if fmt is not None and fmt.kind in ("date", "duration"):
            from openpyxl.utils.datetime import (
                CALENDAR_MAC_1904,
                CALENDAR_WINDOWS_1900,
                from_excel,
            )

            epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
            try:
                return from_excel(number, epoch, timedelta=fmt.kind == "duration")
            except (ValueError, OverflowError, TypeError):
                return number
        return number


def _uses_1904_dates(workbook: Any) -> bool:
    properties = workbook.find(_S + "workbookPr")
    return properties is not None and properties.get("date1904", "").lower() in ("1", "true")


@dataclass(frozen=True)
class _CellFormat:
    kind: str  # "date", "duration" or "number"
    code: str  # number format code for numbers worth formatting, else ""


def cell_formats(styles: Any) -> list[_CellFormat]:
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    custom = {
        int(fmt.get("numFmtId", "0")): fmt.get("formatCode", "")
        for fmt in styles.iter(_S + "numFmt")
        if (fmt.get("numFmtId") or "").isdigit()
    }
    formats = []
    cell_xfs = styles.find(_S + "cellXfs")
    for xf in cell_xfs.iter(_S + "xf") if cell_xfs is not None else []:
        number_id = int(xf.get("numFmtId", "0")) if (xf.get("numFmtId") or "0").isdigit() else 0
        code = custom.get(number_id) or BUILTIN_FORMATS.get(number_id, "General")
        if is_timedelta_format(code):
            formats.append(_CellFormat("duration", ""))
        elif is_date_format(code):
            formats.append(_CellFormat("date", ""))
        else:
            formats.append(_CellFormat("number", "" if code == "General" else code))
    return formats


def _formula(element: Any, reference: str, shared: dict[str, tuple[str, str]]) -> str | None:
    """The cell's formula; dependents of a shared formula are translated from its master."""
    if element is None:
        return None
    text = element.text or ""
    index = element.get("si")
    if element.get("t") == "shared" and index is not None:
        if text:
            shared[index] = (text, reference)
        elif index in shared and reference:
            from openpyxl.formula.translate import Translator

            master, origin = shared[index]
            try:
                return Translator("=" + master, origin=origin).translate_formula(reference)
            except Exception:  # noqa: BLE001 - an untranslatable formula is shown as unknown
                return None
    return "=" + text if text else None


_REFERENCE_RE = re.compile(r"([A-Za-z]{1,3})([0-9]+)")
_DIGITS = "0123456789"


def _column_of(reference: str | None, default: int) -> int:
    if reference:  # the usual "AB12" without a regex, as this runs for every cell
        letters = reference.rstrip(_DIGITS)
        plain = 0 < len(letters) <= 3 and len(letters) < len(reference)
        if plain and letters.isascii() and letters.isalpha():
            return _letters_column(letters)
    match = _REFERENCE_RE.match(reference or "")
    return column_index(match.group(1)) if match else default


_letters_column = lru_cache(maxsize=1024)(column_index)


def _dimension(ref: str) -> tuple[int, int] | None:
    last = ref.rpartition(":")[2]
    match = _REFERENCE_RE.fullmatch(last.replace("$", ""))
    if match is None:
        return None
    return int(match.group(2)), column_index(match.group(1))


def _iso_datetime(raw: str) -> Any:
    try:
        return dt.datetime.fromisoformat(raw.rstrip("Z"))
    except ValueError:
        return raw
