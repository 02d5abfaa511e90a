"""A small, safe evaluator for the spreadsheet formulas models write into workbooks.

It covers what business workbooks use -- references (A1, $A$1, Sheet!A1, 'My Sheet'!A1:B3,
A:A), operators (+ - * / ^ & % and comparisons), and the lookup, conditional-aggregate,
maths, text, date and logical functions in functions/ -- with Excel's semantics for blanks,
text, dates (serial numbers) and errors, and is checked against LibreOffice in the tests.
It never calls eval(): formulas are tokenised, parsed into tuples and compiled into Python
closures, once per shape (parser.py). Anything outside the subset, functions that change
with the clock (TODAY), cycles and runaway work raise FormulaError, which callers show as
an unknown value; FormulaEngine caps the cells one value may read (FormulaTooCostly).

Why not a library: `formulas` brings numpy, scipy and schedula, an EUPL licence and no cell
budget, and is far slower on a small workbook; `pycel` is GPL-3.0, has had no release since
2021 and lacks XLOOKUP, TEXTJOIN, MEDIAN, DATEDIF and NETWORKDAYS.
"""

from studio.artifacts.formulas.engine import FormulaEngine, evaluate_formula
from studio.artifacts.formulas.number_format import format_number
from studio.artifacts.formulas.parser import (
    MAX_COLUMNS,
    MAX_ROWS,
    column_index,
    with_function_prefixes,
)
from studio.artifacts.formulas.values import (
    CellLookup,
    ExcelError,
    FormulaError,
    FormulaTooCostly,
    Value,
    display_value,
)
from studio.artifacts.formulas.workbook import workbook_formula_values

__all__ = [
    "MAX_COLUMNS",
    "MAX_ROWS",
    "CellLookup",
    "ExcelError",
    "FormulaEngine",
    "FormulaError",
    "FormulaTooCostly",
    "Value",
    "column_index",
    "display_value",
    "evaluate_formula",
    "format_number",
    "with_function_prefixes",
    "workbook_formula_values",
]
