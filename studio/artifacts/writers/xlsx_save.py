"""Saving an openpyxl workbook with a cached value for every formula the evaluator computes.

openpyxl writes a formula cell with an empty <v/>: Excel and LibreOffice recompute it on
load, but pandas.read_excel and openpyxl's data_only mode read the cache and get nothing.
Here studio.artifacts.formulas computes each formula before saving, and a small hook around
openpyxl's cell writer (``_write_cell`` below) puts the value in <v> beside the formula. A
formula the evaluator cannot compute keeps an empty cache; the workbook asks for a full
recalculation on load, so spreadsheet applications fill it in.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import math
import zipfile
from typing import IO, Any

import openpyxl.worksheet._writer as _worksheet_writer
from openpyxl.cell import _writer as _cell_writer
from openpyxl.utils.datetime import to_excel
from openpyxl.xml.constants import ARC_APP
from openpyxl.xml.functions import Element, SubElement, tostring

from studio.artifacts.formulas import ExcelError, workbook_formula_values
from studio.artifacts.writers.common import APPLICATION, StablePackage, xml_text

logger = logging.getLogger(__name__)

XLSX_MAX_CELL_CHARS = 32_767  # Excel's hard limit; longer text makes Excel "repair" the file

# (sheet title, coordinate) -> (cell type attribute or None, text of <v>), while a save runs.
_CACHED: contextvars.ContextVar[dict[tuple[str, str], tuple[str | None, str]] | None] = (
    contextvars.ContextVar("xlsx_cached_values", default=None)
)


def save_workbook(book: Any, stream: IO[bytes]) -> None:
    """Write `book` to `stream` with cached formula values, marked for recalculation on load.

    Unlike Workbook.save this keeps the properties' modified time as the caller set it.
    """
    from openpyxl.writer.excel import ExcelWriter

    book.calculation.fullCalcOnLoad = True
    token = _CACHED.set(cached_values(book))
    try:
        ExcelWriter(book, _Package(stream, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    finally:
        _CACHED.reset(token)


def cached_values(book: Any) -> dict[tuple[str, str], tuple[str | None, str]]:
    """Every formula cell's computed value as its <v> will carry it."""
    computed = workbook_formula_values(book)
    formulas = [
        (sheet.title, cell.coordinate)
        for sheet in book.worksheets
        for cell in sheet._cells.values()
        if cell.data_type == "f"
    ]
    if len(computed) < len(formulas):
        left = [f"{sheet}!{ref}" for sheet, ref in formulas if (sheet, ref) not in computed]
        logger.debug("no cached value for %d formula(s): %s", len(left), ", ".join(left[:20]))
    values = {}
    for key, value in computed.items():
        if isinstance(value, dt.datetime):  # a date-formatted result: Excel stores its serial
            value = to_excel(value, book.epoch)
        cached = _cached_text(value)
        if cached is not None:
            values[key] = cached
    return values


def _cached_text(value: Any) -> tuple[str | None, str] | None:
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            return None
        if number.is_integer() and abs(number) < 1e15:
            return None, str(int(number))
        return None, repr(number)
    if isinstance(value, ExcelError):
        return "e", str(value)
    if isinstance(value, str):
        return "str", xml_text(value)[:XLSX_MAX_CELL_CHARS]
    return None


def _write_cell(xf: Any, worksheet: Any, cell: Any, styled: bool = False) -> None:
    """openpyxl's cell writer, with the cached value in <v> for a formula that has one."""
    values = _CACHED.get()
    cached = None
    if values and cell.data_type == "f" and isinstance(cell._value, str):
        cached = values.get((worksheet.title, cell.coordinate))
    if cached is None:
        _cell_writer.write_cell(xf, worksheet, cell, styled)
        return
    _, attributes = _cell_writer._set_attributes(cell, styled)
    kind, text = cached
    if kind:
        attributes["t"] = kind
    element = Element("c", attributes)
    SubElement(element, "f").text = cell._value[1:]
    SubElement(element, "v").text = text
    xf.write(element)


# openpyxl's worksheet writer calls the cell writer by this module-level name.
_worksheet_writer.write_cell = _write_cell


class _Package(StablePackage):
    """The package openpyxl writes into, naming this studio as the application: openpyxl's
    own extended properties say "Microsoft Excel Compatible" and cannot be set."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if zinfo_or_arcname == ARC_APP:
            data = _app_xml()
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)


def _app_xml() -> bytes:
    from openpyxl.packaging.extended import ExtendedProperties

    properties = ExtendedProperties()
    properties.Application = APPLICATION
    properties.AppVersion = None
    return tostring(properties.to_tree())
