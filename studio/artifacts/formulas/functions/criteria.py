"""SUMIF(S), COUNTIF(S), AVERAGEIF(S) and the criteria they share (">=10", "<>x", "a*")."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache

from studio.artifacts.formulas.functions.common import Function, arity
from studio.artifacts.formulas.values import (
    DIV0,
    VALUE,
    Argument,
    ExcelError,
    RangeValues,
    Value,
    compare,
    finite,
    single,
    to_number,
)

Test = Callable[[Value], bool]
_OPERATORS = ("<=", ">=", "<>", "<", ">", "=")


def criterion(value: Value) -> Test | ExcelError:
    """What a criterion argument matches: a number or TRUE/FALSE equals itself; text may
    start with a comparison and use the wildcards * and ? (~ escapes them)."""
    if isinstance(value, ExcelError):
        return value
    if value is None:
        value = 0.0  # an empty criterion cell matches zeros
    if not isinstance(value, str):
        return lambda cell: type(cell) is type(value) and cell == value
    return _text_criterion(value)


@lru_cache(maxsize=256)
def _text_criterion(text: str) -> Test:
    operator = next((op for op in _OPERATORS if text.startswith(op)), "=")
    operand = text[len(operator) :] if text.startswith(operator) else text
    number = to_number(operand) if operand.strip() else VALUE
    if isinstance(number, float):
        return lambda cell: type(cell) is float and compare(operator, cell, number)
    upper = operand.upper()
    if upper in ("TRUE", "FALSE"):
        truth = upper == "TRUE"
        return lambda cell: isinstance(cell, bool) and compare(operator, cell, truth)
    if operator in ("=", "<>"):
        if operand == "":  # "=" matches blanks, "<>" anything but
            empty: Test = lambda cell: cell is None or cell == ""  # noqa: E731
            return empty if operator == "=" or text == "" else lambda cell: not empty(cell)
        pattern = wildcard_pattern(operand)
        matches: Test = lambda cell: isinstance(cell, str) and bool(pattern.fullmatch(cell))  # noqa: E731
        return matches if operator == "=" else lambda cell: not matches(cell)
    return lambda cell: isinstance(cell, str) and compare(operator, cell, operand)


def wildcard_pattern(text: str) -> re.Pattern[str]:
    parts = []
    escaped = False
    for char in text:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "~":
            escaped = True
        elif char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _as_range(arg: Argument) -> RangeValues | ExcelError:
    return arg if isinstance(arg, RangeValues) else VALUE


def _matching(pairs: list[tuple[Argument, Argument]], size: RangeValues) -> list[bool] | ExcelError:
    """Which positions meet every (range, criterion) pair; ranges must match in shape."""
    selected = [True] * len(size)
    for range_arg, criterion_arg in pairs:
        cells = _as_range(range_arg)
        if isinstance(cells, ExcelError):
            return cells
        if (cells.rows, cells.columns) != (size.rows, size.columns):
            return VALUE
        test = criterion(single(criterion_arg))
        if isinstance(test, ExcelError):
            return test
        selected = [kept and test(cell) for kept, cell in zip(selected, cells, strict=True)]
    return selected


def _aligned(cells: RangeValues, values: RangeValues) -> RangeValues:
    """The values at the positions of `cells`, as SUMIF reads a sum range of another shape
    from its top-left corner."""
    if (values.rows, values.columns) == (cells.rows, cells.columns):
        return values
    return RangeValues(
        (values.at(r, c) for r in range(cells.rows) for c in range(cells.columns)),
        cells.rows,
        cells.columns,
    )


def _aggregate(name: str, total: Callable[[list[float]], Value], counts: bool = False):
    """An *IF function: (range, criterion[, values]); an *IFS function: (values, range,
    criterion, ...) or, for COUNTIFS, (range, criterion, ...)."""

    def single_criterion(args: list[Argument]) -> Value:
        arity(name, args, 2, 2 if counts else 3)
        cells = _as_range(args[0])
        if isinstance(cells, ExcelError):
            return cells
        values = cells if len(args) == 2 else _as_range(args[2])
        if isinstance(values, ExcelError):
            return values
        selected = _matching([(cells, args[1])], cells)
        return _total(selected, _aligned(cells, values), total, counts)

    def many_criteria(args: list[Argument]) -> Value:
        offset = 0 if counts else 1
        if len(args) < offset + 2 or (len(args) - offset) % 2:
            arity(name, args, offset + 2, offset + 2)
        values = _as_range(args[0])
        if isinstance(values, ExcelError):
            return values
        pairs = list(zip(args[offset::2], args[offset + 1 :: 2], strict=True))
        return _total(_matching(pairs, values), values, total, counts)

    return many_criteria if name.endswith("S") else single_criterion


def _total(
    selected: list[bool] | ExcelError,
    values: RangeValues,
    total: Callable[[list[float]], Value],
    counts: bool,
) -> Value:
    if isinstance(selected, ExcelError):
        return selected
    if counts:
        return float(sum(selected))
    found: list[float] = []
    for kept, value in zip(selected, values, strict=True):
        if not kept:
            continue
        if isinstance(value, ExcelError):
            return value
        if type(value) is float:
            found.append(value)
    return total(found)


def _sum(found: list[float]) -> Value:
    return finite(math.fsum(found))


def _average(found: list[float]) -> Value:
    return finite(math.fsum(found) / len(found)) if found else DIV0


FUNCTIONS: dict[str, Function] = {
    "SUMIF": _aggregate("SUMIF", _sum),
    "SUMIFS": _aggregate("SUMIFS", _sum),
    "COUNTIF": _aggregate("COUNTIF", _sum, counts=True),
    "COUNTIFS": _aggregate("COUNTIFS", _sum, counts=True),
    "AVERAGEIF": _aggregate("AVERAGEIF", _average),
    "AVERAGEIFS": _aggregate("AVERAGEIFS", _average),
}
