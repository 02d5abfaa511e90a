"""xlsx: cells streamed from the package with formulas and cached values side by side,
number formats applied, and formulas without a cached value computed by a FormulaEngine.

Callers go through studio.artifacts.readers, which checks the zip first.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeElementTree

from studio.artifacts.formulas import (
    MAX_COLUMNS,
    MAX_ROWS,
    FormulaEngine,
    FormulaError,
    FormulaTooCostly,
    column_index,
    display_value,
    format_number,
)
from studio.artifacts.readers.types import (
    ELLIPSIS,
    CellPreview,
    Preview,
    PreviewLimits,
    SheetPreview,
    cut_cell,
)
from studio.artifacts.safety import MB

_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_CELL_TAG, _ROW_TAG, _DIMENSION_TAG = _S + "c", _S + "row", _S + "dimension"
_VALUE_TAG, _FORMULA_TAG, _INLINE_TAG = _S + "v", _S + "f", _S + "is"
# Formulas reaching below the rows read for display read on into sheets of up to this much XML.
FORMULA_LOAD_MAX_XML_BYTES = 16 * MB
MAX_SHARED_STRINGS = 2_000_000

Row = tuple[Any, ...]


@dataclass
class _XlsxCell:
    value: Any  # typed value; for a formula cell, the cached result or None
    formula: str | None = None
    number_format: str = ""  # format code worth applying to a number, e.g. "#,##0.00"


@dataclass
class _XlsxSheet:
    name: str
    part: str
    size: int  # uncompressed bytes of the sheet XML
    dimension: tuple[int, int] | None = None  # (rows, columns) the file declares


class _SharedStrings:
    """The shared-string table, split into items as far as the highest index asked for,
    and each item parsed only when a cell shows it.

    Excel numbers strings in order of first use, so the top rows of the first sheet need a
    small prefix of a table that can hold millions of strings, but a preview of a second
    sheet can need its very end. Splitting on the closing tag runs at C speed (~25 ms for
    150,000 strings), where parsing every item took 2 s with defusedxml and 0.2 s with a
    regex. This is safe without an XML parser: DTDs were refused by check_office_zip and
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


class _XlsxPackage:
    """Streams cells from an .xlsx with formulas and cached values side by side.

    openpyxl's read-only mode parses the whole shared-string table on open (seconds for a
    5 MB workbook) and gives either formulas or cached values, never both; this reads
    only what a preview needs, in one pass, through defusedxml.
    """

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

    def _sheets(self, workbook: Any, parts: dict[str, str], names: set[str]) -> list[_XlsxSheet]:
        sheets = []
        for sheet in workbook.iter(_S + "sheet"):
            part = parts.get(sheet.get(_REL_ID, ""))
            if part in names and "worksheets/" in part:  # chartsheets have no cells
                size = self.archive.getinfo(part).file_size
                sheets.append(_XlsxSheet(sheet.get("name", "Sheet"), part, size))
        return sheets

    def rows(
        self, sheet: _XlsxSheet, max_rows: int, max_columns: int
    ) -> Generator[Any, None, None]:
        """(row number, {column: _XlsxCell}) for rows up to max_rows, columns up to max."""
        shared: dict[str, tuple[str, str]] = {}
        with self.archive.open(sheet.part) as source:
            events = SafeElementTree.iterparse(source, events=("end",), forbid_dtd=True)
            cells: dict[int, _XlsxCell] = {}
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

    def _cell(self, element: Any, shared: dict[str, tuple[str, str]]) -> _XlsxCell:
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
        return _XlsxCell(value=value, formula=formula, number_format=fmt.code if fmt else "")

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


def _datetime_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return display_value(value)


def _shown(value: Any, number_format: str) -> str:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number and number_format:
        return format_number(value, number_format)
    return _datetime_text(value)


@dataclass
class _SheetGrid:
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    rows_loaded: int = 0  # rows shown or read so far, up to columns_loaded
    columns_loaded: int = 0
    rows_streamed: int = 0  # rows read in every column for formulas reaching further
    stream: Generator[Any, None, None] | None = None  # that read, resumed when needed
    complete: bool = False  # every non-empty cell of the sheet is in `cells`


@dataclass
class _LeftOut:
    """The first value of a sheet left out for its cost, and how many were."""

    row: int
    column: int
    formula: str
    reason: FormulaTooCostly
    count: int = 1


class _Workbook:
    """Cells of a workbook plus a formula engine for formulas without cached values.

    Formulas reaching below the rows read for display resume a full-width read of their
    sheet just as far as they need. `load_limit` (None: no limit) caps the cells read that
    way in all, and `value_cell_limit` the cells one computed value may read; past either the
    value is unknown and value_text records why in `left_out`.
    """

    def __init__(
        self,
        path: Path,
        *,
        value_cell_limit: int | None = None,
        load_limit: int | None = None,
    ) -> None:
        self.package = _XlsxPackage(path)
        self.sheets = {sheet.name: sheet for sheet in self.package.sheets}
        self.grids: dict[str, _SheetGrid] = {}
        self.engine = FormulaEngine(self.lookup, self.sheets, value_cell_limit=value_cell_limit)
        self.load_limit = load_limit
        self.loaded_cells = 0  # cells read for formulas beyond the rows read for display
        self.left_out: dict[str, _LeftOut] = {}  # by sheet name

    def close(self) -> None:
        for grid in self.grids.values():
            if grid.stream is not None:
                grid.stream.close()
        self.package.close()

    def rows(self, sheet: _XlsxSheet, max_rows: int, max_columns: int) -> Iterator[Any]:
        """Rows of the sheet's top-left window, recorded for formula lookups."""
        grid = self.grids.setdefault(sheet.name, _SheetGrid())
        grid.columns_loaded = max(grid.columns_loaded, max_columns)
        for number, cells in self.package.rows(sheet, max_rows, max_columns):
            self._record(grid, number, cells)
            grid.rows_loaded = max(grid.rows_loaded, number)
            yield number, cells
        grid.rows_loaded = max(grid.rows_loaded, max_rows)  # rows past the end are empty

    @staticmethod
    def _record(grid: _SheetGrid, number: int, cells: dict[int, _XlsxCell]) -> None:
        for column, cell in cells.items():
            # The engine reuses a cached result and evaluates only formulas without one.
            if cell.formula is not None and cell.value is None:
                grid.cells[(number, column)] = cell.formula
            elif cell.value is not None:
                grid.cells[(number, column)] = cell.value

    def lookup(self, sheet: str, row: int, column: int) -> Any:
        grid = self.grids.setdefault(sheet, _SheetGrid())
        if not self._covers(grid, row, column):
            self._stream_to(sheet, grid, row)
        return grid.cells.get((row, column))

    @staticmethod
    def _covers(grid: _SheetGrid, row: int, column: int) -> bool:
        return (
            grid.complete
            or row <= grid.rows_streamed
            or (row <= grid.rows_loaded and column <= grid.columns_loaded)
        )

    def _stream_to(self, name: str, grid: _SheetGrid, row: int) -> None:
        """Read the sheet in every column down to `row`, resuming where the last read
        stopped, within the size cap and `load_limit`; raises FormulaTooCostly past them."""
        sheet = self.sheets[name]
        if sheet.size > FORMULA_LOAD_MAX_XML_BYTES or self._over_load_limit():
            raise _too_far(name, row)
        if grid.stream is None:
            grid.stream = self.package.rows(sheet, MAX_ROWS, MAX_COLUMNS)
        for number, cells in grid.stream:
            if number > grid.rows_loaded:  # rows read for display were paid for already
                self.loaded_cells += len(cells)
            self._record(grid, number, cells)
            grid.rows_streamed = number
            if number >= row:
                return
            if self._over_load_limit():
                raise _too_far(name, row)
        grid.complete = True

    def _over_load_limit(self) -> bool:
        return self.load_limit is not None and self.loaded_cells > self.load_limit

    def value_text(self, sheet: str, row: int, column: int, cell: _XlsxCell) -> str:
        """What the cell shows: its value, or its formula's cached or computed result."""
        if cell.formula is None or cell.value is not None:
            return _shown(cell.value, cell.number_format)
        try:
            value = self.engine.cell_value(sheet, row, column)
        except FormulaTooCostly as exc:
            if sheet in self.left_out:
                self.left_out[sheet].count += 1
            else:
                self.left_out[sheet] = _LeftOut(row, column, cell.formula, exc)
            return ""
        except FormulaError:
            return ""
        return (
            _shown(value, cell.number_format) if isinstance(value, float) else display_value(value)
        )


def _too_far(sheet: str, row: int) -> FormulaTooCostly:
    return FormulaTooCostly(f"needs row {row:,} of {sheet}, further than a preview reads")


def xlsx_preview(path: Path, limits: PreviewLimits) -> Preview:
    result = Preview(kind="xlsx")
    workbook = _Workbook(
        path, value_cell_limit=limits.max_formula_cells, load_limit=limits.max_formula_cells
    )
    try:
        sheets = workbook.package.sheets
        for sheet in sheets[: limits.max_sheets]:
            result.sheets.append(_sheet_preview(workbook, sheet, limits, result))
        if len(sheets) > limits.max_sheets:
            result.note(f"Showing the first {limits.max_sheets} of {len(sheets)} sheets.")
    finally:
        workbook.close()
    return result


def _sheet_preview(
    workbook: _Workbook, sheet: _XlsxSheet, limits: PreviewLimits, result: Preview
) -> SheetPreview:
    from openpyxl.utils import get_column_letter

    rows = list(workbook.rows(sheet, limits.max_rows + 1, limits.max_columns + 1))
    more_rows = bool(rows) and rows[-1][0] > limits.max_rows
    rows = [(number, cells) for number, cells in rows if number <= limits.max_rows]
    height = rows[-1][0] if rows else 0
    width = max((max(cells) for _, cells in rows), default=0)
    more_columns = width > limits.max_columns
    width = min(width, limits.max_columns)
    total_rows, total_columns = sheet.dimension or (None, None)
    preview_sheet = SheetPreview(
        name=sheet.name,
        total_rows=total_rows,
        total_columns=total_columns,
        column_letters=[get_column_letter(index) for index in range(1, width + 1)],
    )
    by_number = dict(rows)
    cut_cells = False
    for number in range(1, height + 1):
        cells = by_number.get(number, {})
        shown = []
        for column in range(1, width + 1):
            cell = cells.get(column)
            preview_cell, cut = _cell_preview(workbook, (sheet.name, number, column), cell, limits)
            cut_cells = cut_cells or cut
            shown.append(preview_cell)
        preview_sheet.rows.append(shown)
    _note_sheet_limits(preview_sheet, result, limits, more_rows, more_columns, cut_cells)
    _note_left_out(sheet.name, workbook.left_out.get(sheet.name), result)
    return preview_sheet


def _cell_preview(
    workbook: _Workbook,
    where: tuple[str, int, int],
    cell: _XlsxCell | None,
    limits: PreviewLimits,
) -> tuple[CellPreview, bool]:
    if cell is None:
        return CellPreview(value=""), False
    shown, cut = cut_cell(workbook.value_text(*where, cell), limits)
    if cell.formula is None:
        return CellPreview(value=shown), cut
    formula, formula_cut = cut_cell(cell.formula, limits)
    return CellPreview(value=shown, formula=formula), cut or formula_cut


def _note_sheet_limits(
    sheet: SheetPreview,
    result: Preview,
    limits: PreviewLimits,
    more_rows: bool,
    more_columns: bool,
    cut_cells: bool,
) -> None:
    if more_rows:
        sheet.truncated = True
        total = sheet.total_rows if sheet.total_rows and sheet.total_rows > limits.max_rows else 0
        of_total = f" of {total:,}" if total else ""
        result.note(f"{sheet.name}: showing the first {limits.max_rows:,} rows{of_total}.")
    if more_columns:
        sheet.truncated = True
        result.note(f"{sheet.name}: showing the first {limits.max_columns} columns.")
    if cut_cells:
        result.note(f"Some cells were cut at {limits.max_cell_chars:,} characters.")


def _note_left_out(sheet: str, left_out: _LeftOut | None, result: Preview) -> None:
    """One note per sheet naming the first value left out for its cost, and why."""
    if left_out is None:
        return
    from openpyxl.utils import get_column_letter

    formula = left_out.formula
    if len(formula) > _NOTE_FORMULA_CHARS:
        formula = formula[:_NOTE_FORMULA_CHARS] + ELLIPSIS
    where = f"{sheet}!{get_column_letter(left_out.column)}{left_out.row}"
    message = f"Some values not computed: {formula} ({where}) {left_out.reason}"
    if left_out.count > 1:
        message += f"; {left_out.count - 1:,} more on {sheet}"
    result.note(message + ".")


_NOTE_FORMULA_CHARS = 120
_TEXT_MAX_COLUMNS = 200


def xlsx_text(path: Path, limits: PreviewLimits) -> Iterator[str]:
    workbook = _Workbook(path)
    try:
        for sheet in workbook.package.sheets:
            yield f"Sheet: {sheet.name}\n"
            yield from _sheet_text(workbook, sheet)
            yield "\n"
    finally:
        workbook.close()


def _sheet_text(workbook: _Workbook, sheet: _XlsxSheet) -> Iterator[str]:
    previous = 0
    for number, cells in workbook.rows(sheet, MAX_ROWS, _TEXT_MAX_COLUMNS):
        texts = [""] * max(cells)
        for column, cell in cells.items():
            texts[column - 1] = _cell_text(workbook, (sheet.name, number, column), cell)
        while texts and not texts[-1]:
            texts.pop()
        if not texts:
            continue
        # Blank rows inside the data stay as empty lines so row positions still read true.
        gap = "\n" * (number - previous - 1) if previous else ""
        previous = number
        yield gap + "\t".join(texts) + "\n"


def _cell_text(workbook: _Workbook, where: tuple[str, int, int], cell: _XlsxCell) -> str:
    shown = workbook.value_text(*where, cell).replace("\t", " ").replace("\n", " ")
    if cell.formula is None:
        return shown
    return f"{cell.formula} → {shown}" if shown else cell.formula
