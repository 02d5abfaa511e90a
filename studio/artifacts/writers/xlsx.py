"""xlsx through openpyxl: typed cells and formulas, a bold frozen header, column widths and
number formats, charts and conditional formats, saved with cached formula values."""

from __future__ import annotations

import contextlib
import math
import re
from typing import IO, Any

from studio.artifacts.formulas import FormulaError, with_function_prefixes
from studio.artifacts.writers.common import Meta, format_cell, xml_text
from studio.artifacts.writers.xlsx_save import XLSX_MAX_CELL_CHARS, save_workbook
from studio.generation.schemas import (
    CellValue,
    ConditionalFormat,
    Sheet,
    SheetChart,
    WorkbookContent,
)

_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def write_xlsx(stream: IO[bytes], content: WorkbookContent, meta: Meta) -> None:
    """Values follow openpyxl's rules: a string starting with "=" is a formula unless it is a
    lone "=", booleans and numbers are typed, None leaves no cell."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for sheet in content.sheets:
        _fill(book.create_sheet(sheet_title(sheet.name, used)), sheet)
    props = book.properties
    props.title = xml_text(meta.title)[:255]
    props.creator = props.lastModifiedBy = xml_text(meta.author)[:255] or None
    props.created = props.modified = meta.when
    save_workbook(book, stream)


def _fill(target: Any, sheet: Sheet) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    target.append([cell_value(name) for name in sheet.columns])
    for row in sheet.rows:
        target.append([cell_value(value) for value in row])
    bold = Font(bold=True)
    for cell in target[1]:
        cell.font = bold
    target.freeze_panes = "A2"
    last = len(sheet.rows) + 1
    for index, number_format in _column_formats(sheet):
        for (cell,) in target.iter_rows(min_row=2, max_row=last, min_col=index, max_col=index):
            if cell.value is not None:
                cell.number_format = number_format
    for index, width in enumerate(_column_widths(sheet), 1):
        target.column_dimensions[get_column_letter(index)].width = width
    for rule in sheet.conditional_formats:
        _conditional_format(target, sheet, rule)
    for number, chart in enumerate(sheet.charts):
        _chart(target, sheet, chart, number)


def sheet_title(name: str, used: set[str]) -> str:
    """Excel refuses []:*?/\\ in sheet names, more than 31 chars and case-blind duplicates."""
    base = _SHEET_NAME_BAD.sub("-", xml_text(name)).strip("'").strip() or "Sheet"
    base = base[:31]
    title, counter = base, 2
    while title.casefold() in used:
        suffix = f" ({counter})"
        title = base[: 31 - len(suffix)] + suffix
        counter += 1
    used.add(title.casefold())
    return title


def cell_value(value: CellValue) -> CellValue:
    """A value as a cell can hold it; formulas with newer functions named as files store them."""
    if isinstance(value, str):
        text = xml_text(value)[:XLSX_MAX_CELL_CHARS]
        if len(text) > 1 and text.startswith("="):
            with contextlib.suppress(FormulaError):  # kept as written: the cell shows #NAME?
                return with_function_prefixes(text)
        return text
    if isinstance(value, float) and not math.isfinite(value):
        return None  # Excel has no NaN or infinity; writing one corrupts the sheet
    return value


def _column(sheet: Sheet, header: str) -> int | None:
    """1-based index of the column with this header, matched case- and space-blind."""
    wanted = header.strip().casefold()
    for index, name in enumerate(sheet.columns, 1):
        if name.strip().casefold() == wanted:
            return index
    return None


def _column_formats(sheet: Sheet) -> list[tuple[int, str]]:
    formats = []
    for header, number_format in sheet.number_formats.items():
        index = _column(sheet, header)
        if index is not None and number_format:
            formats.append((index, number_format))
    return formats


def _column_widths(sheet: Sheet, sample_rows: int = 200) -> list[float]:
    """Width from the header and a sample of rows: wide enough to read, never absurd."""
    widths = [len(str(name)) + 4 for name in sheet.columns]  # +4 leaves room for the filter icon
    extra = 3 if sheet.number_formats else 1
    for row in sheet.rows[:sample_rows]:
        for index, value in enumerate(row[: len(widths)]):
            if isinstance(value, str) and value.startswith("="):
                length = 12
            else:
                length = len(format_cell(value)) + extra
            widths[index] = max(widths[index], length)
    return [float(min(max(width, 8), 60)) for width in widths]


def _data_range(sheet: Sheet, index: int, rows: int | None = None) -> str:
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(index)
    last = 1 + min(rows or len(sheet.rows), len(sheet.rows))
    return f"{letter}2:{letter}{max(last, 2)}"


def _conditional_format(target: Any, sheet: Sheet, rule: ConditionalFormat) -> None:
    from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, DataBarRule
    from openpyxl.styles import PatternFill

    index = _column(sheet, rule.column)
    if index is None or not sheet.rows:
        return  # a column the model named but did not write: nothing to highlight
    color = rule.color.lstrip("#").upper()
    if rule.rule == "color_scale":
        made = ColorScaleRule(
            start_type="min", start_color="F8696B", end_type="max", end_color="63BE7B"
        )
    elif rule.rule == "data_bar":
        made = DataBarRule(start_type="min", end_type="max", color=color)
    elif rule.value is None:
        return
    else:
        operator = "greaterThan" if rule.rule == "above" else "lessThan"
        fill = PatternFill(start_color=color, end_color=color, fill_type="solid")
        made = CellIsRule(operator=operator, formula=[repr(rule.value)], fill=fill)
    target.conditional_formatting.add(_data_range(sheet, index), made)


def _chart(target: Any, sheet: Sheet, spec: SheetChart, number: int) -> None:
    from openpyxl.chart import BarChart, LineChart, PieChart, Reference
    from openpyxl.utils import get_column_letter

    categories = _column(sheet, spec.categories)
    columns = [index for name in spec.values if (index := _column(sheet, name)) is not None]
    if categories is None or not columns or not sheet.rows:
        return
    last = 1 + min(spec.rows or len(sheet.rows), len(sheet.rows))
    if spec.type == "pie":
        chart: Any = PieChart()
        columns = columns[:1]
    elif spec.type == "line":
        chart = LineChart()
    else:
        chart = BarChart()
        chart.type = "bar" if spec.type == "bar" else "col"
    if spec.title.strip():
        chart.title = xml_text(spec.title)[:255]
    for index in columns:
        data = Reference(target, min_col=index, min_row=1, max_row=last)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(target, min_col=categories, min_row=2, max_row=last))
    chart.width, chart.height = 16, 8
    anchor_column = get_column_letter(len(sheet.columns) + 2)
    target.add_chart(chart, f"{anchor_column}{2 + number * 17}")
