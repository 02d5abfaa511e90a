"""Values of the formula language and Excel's rules for converting and comparing them."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl.utils.datetime import from_excel, to_excel


class FormulaError(Exception):
    """The formula is outside the supported subset, cyclic, or too costly to evaluate."""


class FormulaTooCostly(FormulaError):
    """Computing the value would read more cells than the engine allows: it is unknown."""


@dataclass(frozen=True)
class ExcelError:
    """An Excel error value such as #DIV/0!; it propagates like Excel's."""

    code: str

    def __str__(self) -> str:
        return self.code


DIV0 = ExcelError("#DIV/0!")
VALUE = ExcelError("#VALUE!")
REF = ExcelError("#REF!")
NUM = ExcelError("#NUM!")
NA = ExcelError("#N/A")

Value = float | str | bool | ExcelError | None
# Raw content of a cell: a plain value, or a string starting with "=" for a formula.
CellLookup = Callable[[str, int, int], Any]


class RangeValues(list):
    """Values of a reference argument, row by row, with the range's shape: functions treat
    them apart from literals (SUM skips a referenced "x" but not a literal one)."""

    def __init__(self, values: Iterable[Any] = (), rows: int = 1, columns: int | None = None):
        super().__init__(values)
        self.rows = rows
        self.columns = columns if columns is not None else (len(self) // rows if rows else 0)

    def at(self, row: int, column: int) -> Any:
        """The value at a 0-based position; blank outside the range."""
        if 0 <= row < self.rows and 0 <= column < self.columns:
            return self[row * self.columns + column]
        return None


Argument = Value | RangeValues


def single(value: Argument) -> Value:
    """The one value of an argument: a range of one cell gives its value. A larger one is
    unknown: Excel would intersect it with the formula's row or spill, neither modelled."""
    if isinstance(value, RangeValues):
        if len(value) != 1:
            raise FormulaError("a range where one value is expected")
        return value[0]
    return value


def display_value(value: Value) -> str:
    """Text a spreadsheet would show for a value in General format."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | int):
        number = float(value)
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return format(number, ".12g")
    return str(value)


# -- dates as serial numbers (the 1900 date system, as Excel and LibreOffice write xlsx) ---


def serial_from_datetime(value: dt.date | dt.datetime | dt.time | dt.timedelta) -> float:
    return float(to_excel(value))


def datetime_from_serial(serial: float) -> dt.datetime:
    """The moment a serial stands for; raises ValueError outside years 1900-9999."""
    if not 0 <= serial < 2958466:
        raise ValueError(f"no date has serial {serial}")
    if serial < 1:  # a time of day alone: Excel's day 0, shown as 1900-01-00
        return dt.datetime(1899, 12, 31) + dt.timedelta(days=serial)
    return from_excel(serial)


def plain(raw: Any) -> Value:
    """A cell's stored content as a formula value: dates become serial numbers."""
    if raw is None or isinstance(raw, bool | str | ExcelError):
        return raw
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, dt.date | dt.time | dt.timedelta):
        return serial_from_datetime(raw)
    return str(raw)


# -- conversions -------------------------------------------------------------------------


def blank_as_zero(value: Value) -> Value:
    return 0.0 if value is None else value


def to_number(value: Value) -> float | ExcelError:
    if value is None:
        return 0.0
    if isinstance(value, ExcelError):
        return value
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    text = str(value).strip().replace(",", "")
    percent = text.endswith("%")
    try:
        number = float(text[:-1] if percent else text)
    except ValueError:
        pass
    else:  # Python also reads "inf", "nan" and "1_000", Excel does not
        if math.isfinite(number) and "_" not in text:
            return number / 100 if percent else number
        return VALUE
    try:  # Excel reads ISO dates typed as text
        return serial_from_datetime(dt.datetime.fromisoformat(text))
    except ValueError:
        return VALUE


def to_text(value: Value) -> str | ExcelError:
    """A value as text in formulas ("x"&A1): numbers with up to 15 significant digits."""
    if isinstance(value, ExcelError):
        return value
    if type(value) is not float or (value.is_integer() and abs(value) < 1e15):
        return display_value(value)
    digits = format(value, ".15g")
    if 1e-5 <= abs(value) < 1e15:
        return format(Decimal(digits), "f")  # 0.00001, not 1e-05
    return digits.upper()  # 1E+20, as Excel writes it


def to_truth(value: Value) -> bool | ExcelError:
    if isinstance(value, ExcelError | bool):
        return value
    if value is None:
        return False
    if isinstance(value, float):
        return value != 0
    upper = str(value).strip().upper()
    if upper in ("TRUE", "FALSE"):
        return upper == "TRUE"
    return VALUE


def finite(number: float) -> float | ExcelError:
    return number if math.isfinite(number) else NUM


def first_error(values: Iterable[Any]) -> ExcelError | None:
    return next((value for value in values if isinstance(value, ExcelError)), None)


# -- operators ---------------------------------------------------------------------------


def binary(operator: str, left: Value, right: Value) -> Value:
    for operand in (left, right):
        if isinstance(operand, ExcelError):
            return operand
    if operator == "&":
        return f"{to_text(left)}{to_text(right)}"
    if operator in _COMPARISONS:
        return compare(operator, left, right)
    a, b = to_number(left), to_number(right)
    if isinstance(a, ExcelError):
        return a
    if isinstance(b, ExcelError):
        return b
    return arithmetic(operator, a, b)


def arithmetic(operator: str, a: float, b: float) -> float | ExcelError:
    if operator == "+":
        return finite(a + b)
    if operator == "-":
        return finite(a - b)
    if operator == "*":
        return finite(a * b)
    if operator == "/":
        return DIV0 if b == 0 else finite(a / b)
    if a == 0 and b <= 0:
        return NUM if b == 0 else DIV0
    try:
        result = a**b
    except (OverflowError, ZeroDivisionError):
        return NUM
    return NUM if isinstance(result, complex) else finite(result)


_TYPE_RANK = {float: 0, str: 1, bool: 2}
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def compare(operator: str, left: Value, right: Value) -> bool:
    left, right = _comparable(left, right), _comparable(right, left)
    left_rank, right_rank = _TYPE_RANK[type(left)], _TYPE_RANK[type(right)]
    if left_rank != right_rank:
        # Excel orders every number below every text, and every text below TRUE/FALSE.
        a: Any = left_rank
        b: Any = right_rank
    elif isinstance(left, str):
        a, b = left.casefold(), str(right).casefold()
    else:
        a, b = left, right
    return _COMPARISONS[operator](a, b)


def _comparable(value: Value, other: Value) -> float | str | bool:
    """A blank compares as 0, "" or FALSE, whichever matches the other side."""
    if value is None:
        if isinstance(other, str):
            return ""
        if isinstance(other, bool):
            return False
        return 0.0
    return value  # type: ignore[return-value] - errors were handled by the caller
