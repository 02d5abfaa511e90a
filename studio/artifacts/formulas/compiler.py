"""Parsed shapes into Python closures: (engine, sheet, row, column) -> value.

A closure is called with the position of the cell it computes, so one closure serves every
cell sharing a shape. Functions whose arguments are evaluated only when needed (IF, IFERROR,
IFS...) are compiled here; the rest are plain functions of their argument values.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from studio.artifacts.formulas.functions import ARRAY_FUNCTIONS, FUNCTIONS, VOLATILE
from studio.artifacts.formulas.parser import Corner, Node, Parser, Token, shape, tokenize
from studio.artifacts.formulas.values import (
    NA,
    VALUE,
    ExcelError,
    FormulaError,
    RangeValues,
    Value,
    binary,
    blank_as_zero,
    single,
    to_number,
    to_truth,
)

if TYPE_CHECKING:
    from studio.artifacts.formulas.engine import FormulaEngine

MAX_FORMULA_CHARS = 8192  # Excel's own limit

# A compiled shape: (engine, sheet the formula sits on, its row, its column) -> value.
Compiled = Callable[["FormulaEngine", str, int, int], Any]


def compiled_formula(formula: str, row: int, column: int) -> Compiled:
    """The compiled shape of `formula` sitting at (row, column); raises FormulaError."""
    body = formula[1:] if formula.startswith("=") else formula
    if len(body) > MAX_FORMULA_CHARS:
        raise FormulaError("formula is too long")
    result = compile_shape(shape(tokenize(body), row, column))
    if isinstance(result, FormulaError):
        raise FormulaError(str(result))
    return result


@lru_cache(maxsize=4096)
def compile_shape(tokens: tuple[Token, ...]) -> Compiled | FormulaError:
    """Parse and compile once per shape; a shape outside the subset is remembered as such."""
    try:
        return _compile(Parser(list(tokens)).parse())
    except FormulaError as exc:
        return FormulaError(str(exc))  # kept without its traceback
    except RecursionError:
        return FormulaError("formula is nested too deeply")


def _constant(value: Any) -> Compiled:
    return lambda engine, sheet, row, column: value


def _failing(message: str) -> Compiled:
    def fail(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
        raise FormulaError(message)  # only when reached, as IF(TRUE, 1, FOO()) is 1

    return fail


def _compile(node: Node) -> Compiled:
    """A closure computing the node's single value, as Excel would where one is expected."""
    kind = node[0]
    if kind == "value":
        return _constant(node[1])
    if kind == "ref":
        return _compile_ref(node[1], node[2])
    if kind == "range":  # Excel would intersect it with the formula's row or spill it
        return _failing("a range where one value is expected")
    if kind in ("negate", "percent"):
        return _compile_unary(kind, _compile(node[1]))
    if kind == "binary":
        return _compile_binary(node[1], _compile(node[2]), _compile(node[3]))
    if kind == "call":
        return _compile_call(node[1], node[2])
    raise FormulaError(f"unknown node {kind}")


def _compile_unary(kind: str, operand: Compiled) -> Compiled:
    def unary(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
        number = to_number(single(operand(engine, sheet, row, column)))
        if isinstance(number, ExcelError):
            return number
        return -number if kind == "negate" else number / 100

    return unary


def _compile_ref(sheet_name: str | None, corner: Corner) -> Compiled:
    row_value, row_relative, column_value, column_relative = corner

    def ref(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
        return engine._read(
            sheet_name or sheet,
            row_value + row * row_relative,
            column_value + column * column_relative,
        )

    return ref


def _compile_range(sheet_name: str | None, first: Corner, last: Corner) -> Compiled:
    def values(engine: FormulaEngine, sheet: str, row: int, column: int) -> RangeValues:
        row1 = first[0] + row * first[1]
        row2 = last[0] + row * last[1]
        column1 = first[2] + column * first[3]
        column2 = last[2] + column * last[3]
        return engine._read_range(
            sheet_name or sheet,
            min(row1, row2),
            min(column1, column2),
            max(row1, row2),
            max(column1, column2),
        )

    return values


def _compile_argument(node: Node) -> Compiled:
    """A function argument: references give RangeValues, which functions treat apart."""
    if node[0] == "ref":
        scalar = _compile(node)
        return lambda engine, sheet, row, column: RangeValues([scalar(engine, sheet, row, column)])
    if node[0] == "range":
        return _compile_range(node[1], node[2], node[3])
    return _compile(node)


def _compile_binary(operator: str, left: Compiled, right: Compiled) -> Compiled:
    def compute(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
        a, b = single(left(engine, sheet, row, column)), single(right(engine, sheet, row, column))
        return binary(operator, a, b)

    return compute


def _compile_call(name: str, args: tuple[Node, ...]) -> Compiled:
    lazy = _LAZY.get(name)
    if lazy is not None:
        return lazy(tuple(_compile(arg) for arg in args))
    if name in VOLATILE:
        return _failing(f"{name} changes with the clock: its value is not fixed")
    function = FUNCTIONS.get(name)
    if function is None:
        return _failing(f"unsupported function {name}")
    compile_argument = _compile_array if name in ARRAY_FUNCTIONS else _compile_argument
    arguments = [compile_argument(arg) for arg in args]

    def call(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
        return function([argument(engine, sheet, row, column) for argument in arguments])

    return call


# -- arrays, for SUMPRODUCT((A2:A9="North")*B2:B9) ---------------------------------------


def _compile_array(node: Node) -> Compiled:
    """An argument where ranges combine element by element into arrays."""
    kind = node[0]
    if kind in ("ref", "range"):
        return _compile_argument(node)
    if kind == "binary":
        return _compile_array_binary(node[1], _compile_array(node[2]), _compile_array(node[3]))
    if kind in ("negate", "percent"):
        factor = -1.0 if kind == "negate" else 0.01
        return _compile_array_binary("*", _compile_array(node[1]), _constant(factor))
    return _compile(node)


def _compile_array_binary(operator: str, left: Compiled, right: Compiled) -> Compiled:
    def elementwise(engine: FormulaEngine, sheet: str, row: int, column: int) -> Any:
        a, b = left(engine, sheet, row, column), right(engine, sheet, row, column)
        if not isinstance(a, RangeValues) and not isinstance(b, RangeValues):
            return binary(operator, a, b)
        a, b = _broadcast(a, b), _broadcast(b, a)
        if (a.rows, a.columns) != (b.rows, b.columns):
            return VALUE
        values = (binary(operator, x, y) for x, y in zip(a, b, strict=True))
        return RangeValues(values, a.rows, a.columns)

    return elementwise


def _broadcast(value: Any, other: Any) -> RangeValues:
    if isinstance(value, RangeValues) and len(value) != 1:
        return value
    one = value[0] if isinstance(value, RangeValues) else value
    size = other if isinstance(other, RangeValues) else RangeValues([None])
    return RangeValues([one] * len(size), size.rows, size.columns)


# -- functions evaluating arguments only as needed ---------------------------------------


def _if(args: tuple[Compiled, ...]) -> Compiled:
    if not 1 < len(args) <= 3:
        return _failing("IF takes 2 or 3 arguments")
    condition, if_true = args[0], args[1]
    if_false = args[2] if len(args) == 3 else None

    def if_(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
        truth = to_truth(single(condition(engine, sheet, row, column)))
        if isinstance(truth, ExcelError):
            return truth
        if truth:
            return blank_as_zero(if_true(engine, sheet, row, column))
        if if_false is None:
            return False
        return blank_as_zero(if_false(engine, sheet, row, column))

    return if_


def _on_error(name: str, catches: Callable[[ExcelError], bool]) -> Callable[..., Compiled]:
    def compile_on_error(args: tuple[Compiled, ...]) -> Compiled:
        if len(args) != 2:
            return _failing(f"{name} takes 2 arguments")
        value, fallback = args

        def on_error(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
            result = value(engine, sheet, row, column)
            if isinstance(result, ExcelError) and catches(result):
                return blank_as_zero(fallback(engine, sheet, row, column))
            return blank_as_zero(result)

        return on_error

    return compile_on_error


def _ifs(args: tuple[Compiled, ...]) -> Compiled:
    if not args or len(args) % 2:
        return _failing("IFS takes pairs of a condition and a value")
    pairs = list(zip(args[::2], args[1::2], strict=True))

    def ifs(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
        for condition, value in pairs:
            truth = to_truth(single(condition(engine, sheet, row, column)))
            if isinstance(truth, ExcelError):
                return truth
            if truth:
                return blank_as_zero(value(engine, sheet, row, column))
        return NA

    return ifs


_LAZY: dict[str, Callable[[tuple[Compiled, ...]], Compiled]] = {
    "IF": _if,
    "IFERROR": _on_error("IFERROR", lambda error: True),
    "IFNA": _on_error("IFNA", lambda error: error == NA),
    "IFS": _ifs,
}
