"""Arithmetic, statistics, logic and information functions."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation

from studio.artifacts.formulas.functions.common import (
    Function,
    arity,
    numbers,
    numeric,
    values_of,
)
from studio.artifacts.formulas.values import (
    DIV0,
    NA,
    NUM,
    VALUE,
    Argument,
    ExcelError,
    RangeValues,
    Value,
    arithmetic,
    finite,
    first_error,
    single,
    to_truth,
)


def _over_numbers(compute: Callable[[list[float]], Value]) -> Function:
    def function(args: list[Argument]) -> Value:
        found = numbers(args)
        return found if isinstance(found, ExcelError) else compute(found)

    return function


def _average(found: list[float]) -> Value:
    return finite(math.fsum(found) / len(found)) if found else DIV0


def _count(args: list[Argument]) -> Value:
    total = 0
    for arg in args:
        if isinstance(arg, RangeValues):
            total += sum(1 for value in arg if type(value) is float)
        else:
            total += not isinstance(numbers([arg]), ExcelError)
    return float(total)


def _counta(args: list[Argument]) -> Value:
    return float(sum(1 for value in values_of(args) if value is not None))


def _countblank(args: list[Argument]) -> Value:
    arity("COUNTBLANK", args, 1)
    return float(sum(1 for value in values_of(args) if value is None or value == ""))


def _rounder(mode: str) -> Callable[[float, float], Value]:
    def round_(number: float, digits: float = 0.0) -> Value:
        try:
            # From 15 significant digits, as Excel sees 0.1+0.2, rounding away from zero
            # on a half (2.675 -> 2.68) like Excel, not to even.
            exponent = Decimal(1).scaleb(-int(digits))
            exact = Decimal(format(number, ".15g"))
            return float(exact.quantize(exponent, rounding=mode))
        except (InvalidOperation, OverflowError, ValueError):
            return number  # beyond Decimal's precision a float has no digits left to round

    return round_


def _mod(number: float, divisor: float) -> Value:
    if divisor == 0:
        return DIV0
    return finite(number - divisor * math.floor(number / divisor))


def _sqrt(number: float) -> Value:
    return NUM if number < 0 else math.sqrt(number)


def _sumproduct(args: list[Argument]) -> Value:
    if not args:
        arity("SUMPRODUCT", args, 1, 255)
    arrays = [arg if isinstance(arg, RangeValues) else RangeValues([arg]) for arg in args]
    if len({(array.rows, array.columns) for array in arrays}) != 1:
        return VALUE
    error = first_error(value for array in arrays for value in array)
    if error is not None:
        return error
    total = 0.0
    for row in zip(*arrays, strict=True):
        product = 1.0
        for value in row:  # text, blanks and TRUE/FALSE count as 0
            product *= value if type(value) is float else 0.0
        total += product
    return finite(total)


def _logical(combine: Callable[[list[bool]], bool]) -> Function:
    def function(args: list[Argument]) -> Value:
        truths: list[bool] = []
        for arg in args:
            for value in arg if isinstance(arg, RangeValues) else [arg]:
                if isinstance(arg, RangeValues) and (value is None or isinstance(value, str)):
                    continue  # references skip blanks and text
                truth = to_truth(value)
                if isinstance(truth, ExcelError):
                    return truth
                truths.append(truth)
        return combine(truths) if truths else VALUE

    return function


def _not(args: list[Argument]) -> Value:
    arity("NOT", args, 1)
    truth = to_truth(single(args[0]))
    return truth if isinstance(truth, ExcelError) else not truth


def _is(name: str, test: Callable[[Value], bool]) -> Function:
    def function(args: list[Argument]) -> Value:
        arity(name, args, 1)
        return test(single(args[0]))

    return function


def _na(args: list[Argument]) -> Value:
    arity("NA", args, 0)
    return NA


FUNCTIONS: dict[str, Function] = {
    "SUM": _over_numbers(lambda found: finite(math.fsum(found))),
    "AVERAGE": _over_numbers(_average),
    "MIN": _over_numbers(lambda found: min(found, default=0.0)),
    "MAX": _over_numbers(lambda found: max(found, default=0.0)),
    "MEDIAN": _over_numbers(lambda found: statistics.median(found) if found else NUM),
    "PRODUCT": _over_numbers(lambda found: finite(math.prod(found)) if found else 0.0),
    "COUNT": _count,
    "COUNTA": _counta,
    "COUNTBLANK": _countblank,
    "SUMPRODUCT": _sumproduct,
    "ROUND": numeric("ROUND", _rounder(ROUND_HALF_UP), 1, 2),
    "ROUNDUP": numeric("ROUNDUP", _rounder(ROUND_UP), 1, 2),
    "ROUNDDOWN": numeric("ROUNDDOWN", _rounder(ROUND_DOWN), 1, 2),
    "INT": numeric("INT", lambda number: float(math.floor(number)), 1),
    "MOD": numeric("MOD", _mod, 2),
    "POWER": numeric("POWER", lambda a, b: arithmetic("^", a, b), 2),
    "SQRT": numeric("SQRT", _sqrt, 1),
    "ABS": numeric("ABS", abs, 1),
    "AND": _logical(all),
    "OR": _logical(any),
    "NOT": _not,
    "ISBLANK": _is("ISBLANK", lambda value: value is None),
    "ISNUMBER": _is("ISNUMBER", lambda value: type(value) is float),
    "ISTEXT": _is("ISTEXT", lambda value: isinstance(value, str)),
    "ISERROR": _is("ISERROR", lambda value: isinstance(value, ExcelError)),
    "ISNA": _is("ISNA", lambda value: value == NA),
    "NA": _na,
}
