"""Argument handling shared by the function families."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from studio.artifacts.formulas.values import (
    Argument,
    ExcelError,
    FormulaError,
    RangeValues,
    Value,
    finite,
    single,
    to_number,
    to_text,
)

Function = Callable[[list[Argument]], Any]


def arity(name: str, args: list[Argument], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        wanted = str(low) if low == high else f"{low} to {high}"
        raise FormulaError(f"{name} takes {wanted} argument{'s' if high != 1 else ''}")


def values_of(args: list[Argument]) -> Iterator[Value]:
    """Every value of the arguments, ranges flattened."""
    for arg in args:
        if isinstance(arg, RangeValues):
            yield from arg
        else:
            yield arg


def numbers(args: list[Argument]) -> list[float] | ExcelError:
    """Numbers of function arguments, Excel-style: references contribute only their
    numbers, while literal arguments are converted (a literal "x" is #VALUE!)."""
    found: list[float] = []
    for arg in args:
        if isinstance(arg, RangeValues):
            for value in arg:
                if isinstance(value, ExcelError):
                    return value
                if type(value) is float:
                    found.append(value)
            continue
        number = to_number(arg)
        if isinstance(number, ExcelError):
            return number
        found.append(number)
    return found


def number_arg(arg: Argument) -> float | ExcelError:
    return to_number(single(arg))


def text_arg(arg: Argument) -> str | ExcelError:
    return to_text(single(arg))


def numeric(name: str, compute: Callable[..., Any], low: int, high: int | None = None) -> Function:
    """A function of number arguments; omitted optional ones are left out of the call."""

    def function(args: list[Argument]) -> Value:
        arity(name, args, low, high)
        converted = [number_arg(arg) for arg in args]
        error = next((n for n in converted if isinstance(n, ExcelError)), None)
        if error is not None:
            return error
        result = compute(*converted)
        return finite(result) if isinstance(result, float) else result

    return function
