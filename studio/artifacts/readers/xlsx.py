"""xlsx previews and text: each cell's cached value with its number format applied; a formula
without a cached value (a workbook from elsewhere) is computed by a FormulaEngine.

Callers go through studio.artifacts.readers, which checks the zip first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.artifacts.formulas import (
    MAX_COLUMNS,
    MAX_ROWS,
    FormulaEngine,
    FormulaError,
    FormulaTooCostly,
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
from studio.artifacts.readers.xlsx_package import (
    FORMULA_LOAD_MAX_XML_BYTES,
    XlsxCell,
    XlsxPackage,
    XlsxSheet,
)


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
        self.package = XlsxPackage(path)
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

    def rows(self, sheet: XlsxSheet, max_rows: int, max_columns: int) -> Iterator[Any]:
        """Rows of the sheet's top-left window, recorded for formula lookups."""
        grid = self.grids.setdefault(sheet.name, _SheetGrid())
        grid.columns_loaded = max(grid.columns_loaded, max_columns)
        for number, cells in self.package.rows(sheet, max_rows, max_columns):
            self._record(grid, number, cells)
            grid.rows_loaded = max(grid.rows_loaded, number)
            yield number, cells
        grid.rows_loaded = max(grid.rows_loaded, max_rows)  # rows past the end are empty

    @staticmethod
    def _record(grid: _SheetGrid, number: int, cells: dict[int, XlsxCell]) -> None:
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

    def value_text(self, sheet: str, row: int, column: int, cell: XlsxCell) -> str:
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
    workbook: _Workbook, sheet: XlsxSheet, limits: PreviewLimits, result: Preview
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
    cell: XlsxCell | None,
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


def _sheet_text(workbook: _Workbook, sheet: XlsxSheet) -> Iterator[str]:
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


def _cell_text(workbook: _Workbook, where: tuple[str, int, int], cell: XlsxCell) -> str:
    shown = workbook.value_text(*where, cell).replace("\t", " ").replace("\n", " ")
    if cell.formula is None:
        return shown
    return f"{cell.formula} → {shown}" if shown else cell.formula
