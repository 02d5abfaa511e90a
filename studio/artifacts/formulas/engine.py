"""The engine: evaluates the formulas of one workbook on demand, memoised and budgeted."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from studio.artifacts.formulas.compiler import compiled_formula
from studio.artifacts.formulas.parser import MAX_ROWS
from studio.artifacts.formulas.values import (
    CellLookup,
    FormulaError,
    FormulaTooCostly,
    RangeValues,
    Value,
    plain,
)

MAX_REFERENCE_DEPTH = 100  # formula cells referring to formula cells, recursively
DEFAULT_CELL_BUDGET = 2_000_000  # range cells visited per engine, across all formulas

_UNKNOWN = object()  # memo marker for a cell whose formula could not be evaluated


class FormulaEngine:
    """Evaluates formulas of one workbook, memoising cell results across calls.

    Only what is asked for is computed: a cell's formula, and the cells it reads,
    transitively. Work is bounded twice: `cell_budget` caps the range cells read by the
    engine in all, and `value_cell_limit` (None: no limit) caps the cells one top-level
    cell_value or evaluate call may read, counting each reference and each cell of a range,
    with an already computed cell counting once. Past either the call raises
    FormulaTooCostly, before reading a range that would not fit. Cells computed on the way
    stay memoised: they are right, only the value asked for is unknown.

    `sheet_rows` (sheet name -> its last used row), when given, ends whole-column ranges
    such as A:A at a sheet's last row instead of Excel's 1,048,576th.
    """

    def __init__(
        self,
        lookup: CellLookup,
        sheet_names: Iterable[str],
        *,
        cell_budget: int = DEFAULT_CELL_BUDGET,
        value_cell_limit: int | None = None,
        sheet_rows: Callable[[str], int] | None = None,
    ) -> None:
        self._lookup = lookup
        self._sheets = {name.casefold(): name for name in sheet_names}
        self._memo: dict[tuple[str, int, int], Any] = {}
        self._active: set[tuple[str, int, int]] = set()
        self._budget = cell_budget
        self._total_budget = cell_budget
        self._value_limit = value_cell_limit
        self._sheet_rows = sheet_rows
        self._read_for_value = 0  # cells read for the current top-level value

    def evaluate(self, formula: str, sheet: str) -> Value:
        """Value of `formula` as if it sat on `sheet`; raises FormulaError when unknown."""
        compiled = compiled_formula(formula, 0, 0)  # at (0, 0) every reference is absolute
        self._read_for_value = 0
        try:
            result = compiled(self, sheet, 0, 0)
        except RecursionError as exc:
            raise FormulaError("formula is nested too deeply") from exc
        return _result(result)

    def cell_value(self, sheet: str, row: int, column: int) -> Value:
        """Value of a cell, evaluating it when it holds a formula."""
        self._read_for_value = 0
        return self._cell(self._sheet_name(sheet), row, column)

    # reads made by compiled formulas
    def _read(self, sheet: str, row: int, column: int) -> Value:
        self._charge(1)
        return self._cell(self._sheet_name(sheet), row, column)

    def _read_range(
        self, sheet: str, row1: int, column1: int, row2: int, column2: int
    ) -> RangeValues:
        name = self._sheet_name(sheet)
        if row2 == MAX_ROWS and self._sheet_rows is not None:
            row2 = max(row1, min(row2, self._sheet_rows(name)))
        rows, columns = row2 - row1 + 1, column2 - column1 + 1
        self._budget -= rows * columns
        if self._budget < 0:
            raise FormulaTooCostly(
                f"reads too many cells: over the {self._total_budget:,} allowed for the workbook"
            )
        self._charge(rows * columns)
        cell = self._cell
        return RangeValues(
            (
                cell(name, row, column)
                for row in range(row1, row2 + 1)
                for column in range(column1, column2 + 1)
            ),
            rows,
            columns,
        )

    def _charge(self, cells: int) -> None:
        self._read_for_value += cells
        limit = self._value_limit
        if limit is not None and self._read_for_value > limit:
            if cells > limit:  # one range is past the limit on its own
                raise FormulaTooCostly(
                    f"depends on at least {cells:,} cells, over the limit of {limit:,}"
                )
            raise FormulaTooCostly(f"reads more than {limit:,} cells, the limit for one value")

    def _cell(self, name: str, row: int, column: int) -> Value:
        key = (name, row, column)
        memo = self._memo
        if key in memo:
            cached = memo[key]
            if cached is _UNKNOWN:
                raise FormulaError("depends on a formula that cannot be evaluated")
            return cached
        raw = self._lookup(name, row, column)
        if not (isinstance(raw, str) and raw.startswith("=") and len(raw) > 1):
            return plain(raw)
        if key in self._active:
            raise FormulaError("circular reference")
        if len(self._active) >= MAX_REFERENCE_DEPTH:
            raise FormulaError("formula chain is too long")
        self._active.add(key)
        try:
            value = _result(compiled_formula(raw, row, column)(self, name, row, column))
        except FormulaTooCostly:
            raise  # a limit on the value asked for, not a property of this cell
        except FormulaError:
            memo[key] = _UNKNOWN
            raise
        except RecursionError as exc:
            memo[key] = _UNKNOWN
            raise FormulaError("formula is nested too deeply") from exc
        finally:
            self._active.discard(key)
        memo[key] = value
        return value

    def _sheet_name(self, sheet: str) -> str:
        name = self._sheets.get(sheet.casefold())
        if name is None:
            raise FormulaError(f"unknown sheet {sheet!r}")
        return name


def _result(value: Any) -> Value:
    """A formula's own value: blank shows as 0; an array result (which Excel would spill
    over neighbouring cells) is outside what we compute."""
    if isinstance(value, RangeValues):
        if len(value) != 1:
            raise FormulaError("the result is an array of values")
        value = value[0]
    return 0.0 if value is None else value


def evaluate_formula(
    formula: str, *, sheet: str, lookup: CellLookup, sheet_names: Iterable[str]
) -> Value:
    """One-off evaluation; for many cells of a workbook keep one FormulaEngine instead."""
    return FormulaEngine(lookup, sheet_names).evaluate(formula, sheet)
