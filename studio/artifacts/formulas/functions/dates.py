"""Date functions over serial numbers: DATE, YEAR, EOMONTH, DATEDIF, NETWORKDAYS..."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Callable

from studio.artifacts.formulas.functions.common import (
    Function,
    arity,
    number_arg,
    numeric,
    text_arg,
    values_of,
)
from studio.artifacts.formulas.values import (
    NUM,
    VALUE,
    Argument,
    ExcelError,
    Value,
    datetime_from_serial,
    first_error,
    serial_from_datetime,
    to_number,
)


def _day(serial: float) -> dt.date | ExcelError:
    try:
        return datetime_from_serial(math.floor(serial)).date()
    except ValueError:
        return NUM


def _serial(day: dt.date) -> float:
    return serial_from_datetime(day)


def _add_months(day: dt.date, months: int, end_of_month: bool) -> dt.date | ExcelError:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1900 <= year <= 9999:
        return NUM
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, last if end_of_month else min(day.day, last))


def _date(year: float, month: float, day: float) -> Value:
    year, month, day = int(year), int(month), int(day)
    if 0 <= year < 1900:
        year += 1900
    start = _add_months(dt.date(year, 1, 1), month - 1, False) if 1900 <= year <= 9999 else NUM
    if isinstance(start, ExcelError):
        return start
    serial = _serial(start) + day - 1
    return serial if serial >= 0 else NUM


def _part(take: Callable[[dt.date], int]) -> Callable[[float], Value]:
    def part(serial: float) -> Value:
        day = _day(serial)
        return day if isinstance(day, ExcelError) else float(take(day))

    return part


def _shifted(end_of_month: bool) -> Callable[[float, float], Value]:
    def shifted(serial: float, months: float) -> Value:
        day = _day(serial)
        if isinstance(day, ExcelError):
            return day
        moved = _add_months(day, int(months), end_of_month)
        return moved if isinstance(moved, ExcelError) else _serial(moved)

    return shifted


def _weekday(serial: float, kind: float = 1.0) -> Value:
    day = _day(serial)
    if isinstance(day, ExcelError):
        return day
    monday_zero = day.weekday()
    if kind == 1:
        return float((monday_zero + 1) % 7 + 1)  # Sunday 1 .. Saturday 7
    if kind == 2:
        return float(monday_zero + 1)  # Monday 1 .. Sunday 7
    if kind == 3:
        return float(monday_zero)  # Monday 0 .. Sunday 6
    return NUM


def _days(end: float, start: float) -> Value:
    return float(math.floor(end) - math.floor(start))


def _two_days(
    start: Argument, end: Argument, *others: Value
) -> tuple[dt.date, dt.date] | ExcelError:
    """The dates of a start and an end argument, or the first error among them and others."""
    serials = [number_arg(start), number_arg(end)]
    error = first_error([*serials, *others])
    if error is not None:
        return error
    first, last = (_day(serial) for serial in serials)  # type: ignore[arg-type]
    if isinstance(first, ExcelError):
        return first
    return last if isinstance(last, ExcelError) else (first, last)


def _datedif(args: list[Argument]) -> Value:
    arity("DATEDIF", args, 3)
    unit = text_arg(args[2])
    days = _two_days(args[0], args[1], unit)
    if isinstance(days, ExcelError):
        return days
    first, last = days
    if first > last:
        return NUM
    months = (last.year - first.year) * 12 + last.month - first.month - (last.day < first.day)
    unit = str(unit).upper()
    if unit == "D":
        return float((last - first).days)
    if unit == "M":
        return float(months)
    if unit == "Y":
        return float(months // 12)
    if unit == "YM":
        return float(months % 12)
    if unit == "MD":
        anchor = _add_months(first, months, False)
        return float((last - anchor).days) if isinstance(anchor, dt.date) else anchor
    if unit == "YD":
        anchor = _add_months(first, months // 12 * 12, False)
        return float((last - anchor).days) if isinstance(anchor, dt.date) else anchor
    return NUM


def _networkdays(args: list[Argument]) -> Value:
    arity("NETWORKDAYS", args, 2, 3)
    holidays = [to_number(value) for value in values_of(args[2:]) if value is not None]
    days = _two_days(args[0], args[1], *holidays)
    if isinstance(days, ExcelError):
        return days
    first, last = days
    sign = 1.0
    if first > last:
        first, last, sign = last, first, -1.0
    off = {math.floor(h) for h in holidays}  # type: ignore[arg-type]
    count = 0
    day = first
    while day <= last:
        if day.weekday() < 5 and _serial(day) not in off:
            count += 1
        day += dt.timedelta(days=1)
    return sign * count


def _time(hour: float, minute: float, second: float) -> Value:
    total = int(hour) * 3600 + int(minute) * 60 + int(second)
    return VALUE if total < 0 else (total % 86400) / 86400


FUNCTIONS: dict[str, Function] = {
    "DATE": numeric("DATE", _date, 3),
    "TIME": numeric("TIME", _time, 3),
    "YEAR": numeric("YEAR", _part(lambda day: day.year), 1),
    "MONTH": numeric("MONTH", _part(lambda day: day.month), 1),
    "DAY": numeric("DAY", _part(lambda day: day.day), 1),
    "EOMONTH": numeric("EOMONTH", _shifted(end_of_month=True), 2),
    "EDATE": numeric("EDATE", _shifted(end_of_month=False), 2),
    "WEEKDAY": numeric("WEEKDAY", _weekday, 1, 2),
    "DAYS": numeric("DAYS", _days, 2),
    "DATEDIF": _datedif,
    "NETWORKDAYS": _networkdays,
}

# Functions whose value changes with the clock: a cached value would be stale at once.
VOLATILE = frozenset({"TODAY", "NOW", "RAND", "RANDBETWEEN"})
