"""Values of every formula of an openpyxl workbook, for writing them as cached values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl.styles.numbers import is_date_format
from openpyxl.utils.datetime import from_excel
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula

from studio.artifacts.formulas.engine import FormulaEngine
from studio.artifacts.formulas.values import ExcelError, FormulaError


def workbook_formula_values(
    workbook: Workbook,
) -> dict[tuple[str, str], float | str | bool | dt.datetime | ExcelError]:
    """{(sheet title, coordinate): value} for each formula cell of a workbook loaded with its
    formulas whose value can be computed; cells whose formula cannot (FormulaError) are left
    out. A number in a cell formatted as a date comes back as a datetime, as openpyxl reads
    it with data_only=True; Excel errors come back as ExcelError."""
    # The cells dict, not iter_rows(): reading a worksheet through cell() adds empty cells.
    cells = {ws.title: ws._cells for ws in workbook.worksheets}

    def lookup(sheet: str, row: int, column: int) -> Any:
        cell = cells[sheet].get((row, column))
        value = None if cell is None else cell.value
        return value.text if isinstance(value, ArrayFormula) else value

    engine = FormulaEngine(
        lookup,
        cells,
        sheet_rows=lambda sheet: workbook[sheet].max_row,
    )
    values: dict[tuple[str, str], Any] = {}
    for sheet, sheet_cells in cells.items():
        for (row, column), cell in sheet_cells.items():
            if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                continue
            try:
                value = engine.cell_value(sheet, row, column)
            except FormulaError:
                continue
            if type(value) is float and is_date_format(cell.number_format):
                value = from_excel(value, workbook.epoch)
            values[(sheet, cell.coordinate)] = value
    return values
