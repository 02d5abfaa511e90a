"""A small, safe evaluator for the spreadsheet formulas our generators emit.

openpyxl writes formulas without cached values, so a preview of a generated workbook would
show no numbers at all. This evaluates the common subset -- numbers, strings, cell and range
references (A1, $A$1, Sheet!A1, 'My Sheet'!A1:B3), + - * / ^ & %, comparisons, parentheses
and SUM, AVERAGE, MIN, MAX, COUNT, COUNTA, ROUND, ABS, IF, AND, OR, NOT -- with Excel's
semantics for blanks, text and errors. It never calls eval(): formulas are tokenised, parsed
into tuples and compiled into Python closures. Anything outside the subset, cycles and
runaway work raise FormulaError, which callers show as an unknown ("") value.

Formulas are compiled by shape: references are taken relative to the formula's cell (as in
R1C1 notation), so =D2*E2 in F2 and =D3*E3 in F3 share one parsed and compiled closure, and a
column of 50,000 row formulas is parsed once. Only the cells a requested value needs are
computed, each once; FormulaEngine can cap the cells one value may read (FormulaTooCostly),
so a preview says a value was left out instead of spending seconds on it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

__all__ = [
    "CellLookup",
    "ExcelError",
    "FormulaEngine",
    "FormulaError",
    "FormulaTooCostly",
    "Value",
    "column_index",
    "display_value",
    "evaluate_formula",
]

MAX_FORMULA_CHARS = 8192  # Excel's own limit
MAX_NESTING = 64  # Excel's own limit on nested functions
MAX_REFERENCE_DEPTH = 100  # formula cells referring to formula cells, recursively
DEFAULT_CELL_BUDGET = 2_000_000  # range cells visited per engine, across all formulas
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384


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


# -- tokens ------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"]|"")*")
  | (?P<func>[A-Za-z_][A-Za-z0-9_.]*)(?=\s*\()
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[^\W\d][\w.]*)!)?
        \$?[A-Za-z]{1,3}\$?[0-9]+(?::\$?[A-Za-z]{1,3}\$?[0-9]+)?)(?![\w(])
  | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<bool>TRUE|FALSE)(?![\w(])
  | (?P<error>\#(?:DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|NULL!))
  | (?P<op><>|<=|>=|[-+*/^&=<>%(),])
    """,
    re.VERBOSE | re.IGNORECASE,
)
_CELL_RE = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)([0-9]+)")

Token = tuple[str, Any]


def _tokenize(formula: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(formula):
        match = _TOKEN_RE.match(formula, position)
        if match is None:
            raise FormulaError(f"unsupported syntax at {formula[position : position + 12]!r}")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


# -- shapes ------------------------------------------------------------------------------
#
# A formula's *shape* is its tokens with each reference made relative to the cell holding it,
# as R1C1 notation does: in F2, =D2*E2 reads "this row, two columns left, times this row, one
# column left" -- and so do =D3*E3 in F3 and every other row of the column. Shapes are parsed
# and compiled into closures once, and a closure is called with the position of the cell it
# computes, so a 50,000-row column of row formulas costs one parse, not 50,000.

# One corner of a reference: (row, row is relative, column, column is relative), where a
# relative row or column is an offset from the formula's cell and an absolute one ($A$1) is
# the row or column itself. The position is then `value + anchor * relative`.
Corner = tuple[int, int, int, int]


def _shape(tokens: list[Token], row: int, column: int) -> tuple[Token, ...]:
    """The tokens with references as ("ref", (sheet, corner, corner or None)) relative to
    the cell at (row, column); row = column = 0 keeps every reference absolute."""
    return tuple(
        ("ref", _relative_reference(text, row, column)) if kind == "ref" else (kind, text)
        for kind, text in tokens
    )


def _relative_reference(text: str, row: int, column: int) -> tuple[Any, ...]:
    sheet: str | None = None
    if "!" in text:
        sheet_part, _, text = text.rpartition("!")
        sheet = sheet_part[1:-1].replace("''", "'") if sheet_part.startswith("'") else sheet_part
    first, _, last = text.partition(":")
    return (
        sheet,
        _corner(first, row, column),
        _corner(last, row, column) if last else None,
    )


def _corner(text: str, row: int, column: int) -> Corner:
    match = _CELL_RE.fullmatch(text)
    if match is None:
        raise FormulaError(f"bad reference {text!r}")
    column_fixed, letters, row_fixed, digits = match.groups()
    at_row, at_column = int(digits), column_index(letters)
    if not (1 <= at_row <= MAX_ROWS and 1 <= at_column <= MAX_COLUMNS):
        raise FormulaError(f"reference out of range {text!r}")
    row_relative, column_relative = int(not row_fixed), int(not column_fixed)
    return (
        at_row - row * row_relative,
        row_relative,
        at_column - column * column_relative,
        column_relative,
    )


def column_index(letters: str) -> int:
    """'A' -> 1, 'AA' -> 27."""
    index = 0
    for char in letters.upper():
        index = index * 26 + (ord(char) - 64)
    return index


# -- parser ------------------------------------------------------------------------------

Node = tuple[Any, ...]

# (left, right) binding powers; Excel binds negation tighter than ^, so -2^2 = 4.
_INFIX = {
    "=": (1, 2),
    "<>": (1, 2),
    "<": (1, 2),
    ">": (1, 2),
    "<=": (1, 2),
    ">=": (1, 2),
    "&": (3, 4),
    "+": (5, 6),
    "-": (5, 6),
    "*": (7, 8),
    "/": (7, 8),
    "^": (9, 10),
}
_PREFIX_POWER = 11
_PERCENT_POWER = 12


class _Parser:
    """Parses a shape (tokens with relative references) into a tree of tuples."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0
        self.depth = 0

    def parse(self) -> Node:
        node = self.expression(0)
        if self.position != len(self.tokens):
            raise FormulaError(f"unexpected {self.tokens[self.position][1]!r}")
        return node

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise FormulaError("formula ends too early")
        self.position += 1
        return token

    def expect(self, text: str) -> None:
        kind, value = self.take()
        if kind != "op" or value != text:
            raise FormulaError(f"expected {text!r}, got {value!r}")

    def expression(self, min_power: int) -> Node:
        self.depth += 1
        if self.depth > MAX_NESTING * 4:
            raise FormulaError("formula is nested too deeply")
        left = self.prefix()
        while (token := self.peek()) is not None and token[0] == "op":
            operator = token[1]
            if operator == "%":
                if min_power > _PERCENT_POWER:
                    break
                self.position += 1
                left = ("percent", left)
                continue
            powers = _INFIX.get(operator)
            if powers is None or powers[0] < min_power:
                break
            self.position += 1
            left = ("binary", operator, left, self.expression(powers[1]))
        self.depth -= 1
        return left

    def prefix(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            return ("value", float(text))
        if kind == "string":
            return ("value", text[1:-1].replace('""', '"'))
        if kind == "bool":
            return ("value", text.upper() == "TRUE")
        if kind == "error":
            return ("value", ExcelError(text.upper()))
        if kind == "ref":
            sheet, first, last = text
            return ("ref", sheet, first) if last is None else ("range", sheet, first, last)
        if kind == "func":
            return self.call(text.upper())
        if kind == "op" and text == "(":
            node = self.expression(0)
            self.expect(")")
            return node
        if kind == "op" and text in "+-":
            operand = self.expression(_PREFIX_POWER)
            return ("negate", operand) if text == "-" else operand
        raise FormulaError(f"unexpected {text!r}")

    def call(self, name: str) -> Node:
        self.expect("(")
        args: list[Node] = []
        token = self.peek()
        if token == ("op", ")"):
            self.position += 1
            return ("call", name, tuple(args))
        while True:
            token = self.peek()
            if token in (("op", ","), ("op", ")")):
                args.append(("value", None))  # an omitted argument, as in IF(A1,,1)
            else:
                args.append(self.expression(0))
            kind, text = self.take()
            if (kind, text) == ("op", ")"):
                return ("call", name, tuple(args))
            if (kind, text) != ("op", ","):
                raise FormulaError(f"expected ',' or ')', got {text!r}")


# -- compiler ----------------------------------------------------------------------------

# A compiled shape: (engine, sheet the formula sits on, its row, its column) -> value.
Compiled = Callable[["FormulaEngine", str, int, int], Any]


def _compiled(formula: str, row: int, column: int) -> Compiled:
    """The compiled shape of `formula` sitting at (row, column); raises FormulaError."""
    body = formula[1:] if formula.startswith("=") else formula
    if len(body) > MAX_FORMULA_CHARS:
        raise FormulaError("formula is too long")
    compiled = _compile_shape(_shape(_tokenize(body), row, column))
    if isinstance(compiled, FormulaError):
        raise FormulaError(str(compiled))
    return compiled


@lru_cache(maxsize=4096)
def _compile_shape(shape: tuple[Token, ...]) -> Compiled | FormulaError:
    """Parse and compile once per shape; a shape outside the subset is remembered as such."""
    try:
        return _compile(_Parser(list(shape)).parse())
    except FormulaError as exc:
        return FormulaError(str(exc))  # kept without its traceback
    except RecursionError:
        return FormulaError("formula is nested too deeply")


def _compile(node: Node) -> Compiled:
    """A closure computing the node's single value, as Excel would where one is expected."""
    kind = node[0]
    if kind == "value":
        constant = node[1]
        return lambda engine, sheet, row, column: constant
    if kind == "ref":
        return _compile_ref(node[1], node[2])
    if kind == "range":
        return lambda engine, sheet, row, column: VALUE  # a range where one value is expected
    if kind == "negate":
        operand = _compile(node[1])

        def negate(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
            number = _number(operand(engine, sheet, row, column))
            return number if isinstance(number, ExcelError) else -number

        return negate
    if kind == "percent":
        operand = _compile(node[1])

        def percent(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
            number = _number(operand(engine, sheet, row, column))
            return number if isinstance(number, ExcelError) else number / 100

        return percent
    if kind == "binary":
        return _compile_binary(node[1], _compile(node[2]), _compile(node[3]))
    if kind == "call":
        return _compile_call(node[1], node[2])
    raise FormulaError(f"unknown node {kind}")


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
    def values(engine: FormulaEngine, sheet: str, row: int, column: int) -> _RangeValues:
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
    """A function argument: references give _RangeValues, which functions treat apart."""
    if node[0] == "ref":
        scalar = _compile(node)
        return lambda engine, sheet, row, column: _RangeValues([scalar(engine, sheet, row, column)])
    if node[0] == "range":
        return _compile_range(node[1], node[2], node[3])
    return _compile(node)


def _compile_binary(operator: str, left: Compiled, right: Compiled) -> Compiled:
    def binary(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
        return _binary(
            operator, left(engine, sheet, row, column), right(engine, sheet, row, column)
        )

    return binary


def _compile_call(name: str, args: tuple[Node, ...]) -> Compiled:
    if name == "IF":
        return _compile_if(args)
    function = _FUNCTIONS.get(name)
    if function is None:
        message = f"unsupported function {name}"

        def unsupported(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
            raise FormulaError(message)  # only when reached, as IF(TRUE, 1, VLOOKUP(…)) is 1

        return unsupported
    arguments = [_compile_argument(arg) for arg in args]

    def call(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
        return function([argument(engine, sheet, row, column) for argument in arguments])

    return call


def _compile_if(args: tuple[Node, ...]) -> Compiled:
    if not 1 < len(args) <= 3:

        def wrong(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
            raise FormulaError("IF takes 2 or 3 arguments")

        return wrong
    condition, if_true = _compile(args[0]), _compile(args[1])
    if_false = _compile(args[2]) if len(args) == 3 else None

    def if_(engine: FormulaEngine, sheet: str, row: int, column: int) -> Value:
        truth = _truth(condition(engine, sheet, row, column))
        if isinstance(truth, ExcelError):
            return truth
        if truth:
            return _blank_as_zero(if_true(engine, sheet, row, column))
        if if_false is None:
            return False
        return _blank_as_zero(if_false(engine, sheet, row, column))

    return if_


# -- evaluation --------------------------------------------------------------------------


class _RangeValues(list):
    """Values of a reference argument: functions treat them differently from literals."""


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
    """

    def __init__(
        self,
        lookup: CellLookup,
        sheet_names: Iterable[str],
        *,
        cell_budget: int = DEFAULT_CELL_BUDGET,
        value_cell_limit: int | None = None,
    ) -> None:
        self._lookup = lookup
        self._sheets = {name.casefold(): name for name in sheet_names}
        self._memo: dict[tuple[str, int, int], Any] = {}
        self._active: set[tuple[str, int, int]] = set()
        self._budget = cell_budget
        self._total_budget = cell_budget
        self._value_limit = value_cell_limit
        self._read_for_value = 0  # cells read for the current top-level value

    def evaluate(self, formula: str, sheet: str) -> Value:
        """Value of `formula` as if it sat on `sheet`; raises FormulaError when unknown."""
        compiled = _compiled(formula, 0, 0)  # at (0, 0) every reference is absolute
        self._read_for_value = 0
        try:
            result = compiled(self, sheet, 0, 0)
        except RecursionError as exc:
            raise FormulaError("formula is nested too deeply") from exc
        return 0.0 if result is None else result

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
    ) -> _RangeValues:
        name = self._sheet_name(sheet)
        size = (row2 - row1 + 1) * (column2 - column1 + 1)
        self._budget -= size
        if self._budget < 0:
            raise FormulaTooCostly(
                f"reads too many cells: over the {self._total_budget:,} allowed for the workbook"
            )
        self._charge(size)
        cell = self._cell
        return _RangeValues(
            cell(name, row, column)
            for row in range(row1, row2 + 1)
            for column in range(column1, column2 + 1)
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
            return _plain(raw)
        if key in self._active:
            raise FormulaError("circular reference")
        if len(self._active) >= MAX_REFERENCE_DEPTH:
            raise FormulaError("formula chain is too long")
        self._active.add(key)
        try:
            value = _compiled(raw, row, column)(self, name, row, column)
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
        value = 0.0 if value is None else value
        memo[key] = value
        return value

    def _sheet_name(self, sheet: str) -> str:
        name = self._sheets.get(sheet.casefold())
        if name is None:
            raise FormulaError(f"unknown sheet {sheet!r}")
        return name


def evaluate_formula(
    formula: str, *, sheet: str, lookup: CellLookup, sheet_names: Iterable[str]
) -> Value:
    """One-off evaluation; for many cells of a workbook keep one FormulaEngine instead."""
    return FormulaEngine(lookup, sheet_names).evaluate(formula, sheet)


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


# -- Excel semantics ---------------------------------------------------------------------


def _plain(raw: Any) -> Value:
    if raw is None or isinstance(raw, bool | str | ExcelError):
        return raw
    if isinstance(raw, int | float):
        return float(raw)
    return str(raw)  # dates and other typed values take part as text


def _blank_as_zero(value: Value) -> Value:
    return 0.0 if value is None else value


def _number(value: Value) -> float | ExcelError:
    if value is None:
        return 0.0
    if isinstance(value, ExcelError):
        return value
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    try:
        return float(str(value).strip().replace(",", ""))
    except ValueError:
        return VALUE


def _text(value: Value) -> str:
    return display_value(value)


def _truth(value: Value) -> bool | ExcelError:
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


def _finite(number: float) -> float | ExcelError:
    return number if math.isfinite(number) else NUM


def _binary(operator: str, left: Value, right: Value) -> Value:
    for operand in (left, right):
        if isinstance(operand, ExcelError):
            return operand
    if operator == "&":
        return _text(left) + _text(right)
    if operator in ("=", "<>", "<", ">", "<=", ">="):
        return _compare(operator, left, right)
    a, b = _number(left), _number(right)
    if isinstance(a, ExcelError):
        return a
    if isinstance(b, ExcelError):
        return b
    return _arithmetic(operator, a, b)


def _arithmetic(operator: str, a: float, b: float) -> float | ExcelError:
    if operator == "+":
        return _finite(a + b)
    if operator == "-":
        return _finite(a - b)
    if operator == "*":
        return _finite(a * b)
    if operator == "/":
        return DIV0 if b == 0 else _finite(a / b)
    if a == 0 and b <= 0:
        return NUM if b == 0 else DIV0
    try:
        result = a**b
    except (OverflowError, ZeroDivisionError):
        return NUM
    return NUM if isinstance(result, complex) else _finite(result)


_TYPE_RANK = {float: 0, str: 1, bool: 2}


def _compare(operator: str, left: Value, right: Value) -> bool:
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
    return {
        "=": a == b,
        "<>": a != b,
        "<": a < b,
        ">": a > b,
        "<=": a <= b,
        ">=": a >= b,
    }[operator]


def _comparable(value: Value, other: Value) -> float | str | bool:
    """A blank compares as 0, "" or FALSE, whichever matches the other side."""
    if value is None:
        if isinstance(other, str):
            return ""
        if isinstance(other, bool):
            return False
        return 0.0
    return value  # type: ignore[return-value] - errors were handled by the caller


def _numbers(args: list[Value | _RangeValues]) -> list[float] | ExcelError:
    """Numbers of function arguments, Excel-style: references contribute only their
    numbers, while literal arguments are converted (a literal "x" is #VALUE!)."""
    numbers: list[float] = []
    for arg in args:
        if isinstance(arg, _RangeValues):
            for value in arg:
                if isinstance(value, ExcelError):
                    return value
                if isinstance(value, float) and not isinstance(value, bool):
                    numbers.append(value)
            continue
        number = _number(arg)
        if isinstance(number, ExcelError):
            return number
        numbers.append(number)
    return numbers


def _sum(args: list[Value | _RangeValues]) -> Value:
    numbers = _numbers(args)
    return numbers if isinstance(numbers, ExcelError) else _finite(math.fsum(numbers))


def _average(args: list[Value | _RangeValues]) -> Value:
    numbers = _numbers(args)
    if isinstance(numbers, ExcelError):
        return numbers
    return _finite(math.fsum(numbers) / len(numbers)) if numbers else DIV0


def _min(args: list[Value | _RangeValues]) -> Value:
    numbers = _numbers(args)
    return numbers if isinstance(numbers, ExcelError) else min(numbers, default=0.0)


def _max(args: list[Value | _RangeValues]) -> Value:
    numbers = _numbers(args)
    return numbers if isinstance(numbers, ExcelError) else max(numbers, default=0.0)


def _count(args: list[Value | _RangeValues]) -> Value:
    total = 0
    for arg in args:
        values = arg if isinstance(arg, _RangeValues) else [_number(arg)]
        total += sum(1 for value in values if type(value) is float)
    return float(total)


def _counta(args: list[Value | _RangeValues]) -> Value:
    total = 0
    for arg in args:
        values = arg if isinstance(arg, _RangeValues) else [arg]
        total += sum(1 for value in values if value is not None)
    return float(total)


def _round(args: list[Value | _RangeValues]) -> Value:
    if not 1 <= len(args) <= 2:
        raise FormulaError("ROUND takes 1 or 2 arguments")
    number = _number(_single(args[0]))
    digits = _number(_single(args[1])) if len(args) == 2 else 0.0
    if isinstance(number, ExcelError):
        return number
    if isinstance(digits, ExcelError):
        return digits
    try:
        # Decimal from the shortest repr rounds half away from zero, like Excel (2.675 -> 2.68).
        exponent = Decimal(1).scaleb(-int(digits))
        return float(Decimal(repr(number)).quantize(exponent, rounding=ROUND_HALF_UP))
    except (InvalidOperation, OverflowError, ValueError):
        return number  # beyond Decimal's precision a float has no digits left to round


def _abs(args: list[Value | _RangeValues]) -> Value:
    if len(args) != 1:
        raise FormulaError("ABS takes 1 argument")
    number = _number(_single(args[0]))
    return number if isinstance(number, ExcelError) else abs(number)


def _logical(args: list[Value | _RangeValues], combine: Callable[[list[bool]], bool]) -> Value:
    truths: list[bool] = []
    for arg in args:
        values = arg if isinstance(arg, _RangeValues) else [arg]
        for value in values:
            if isinstance(arg, _RangeValues) and (value is None or isinstance(value, str)):
                continue  # references skip blanks and text
            truth = _truth(value)
            if isinstance(truth, ExcelError):
                return truth
            truths.append(truth)
    return combine(truths) if truths else VALUE


def _not(args: list[Value | _RangeValues]) -> Value:
    if len(args) != 1:
        raise FormulaError("NOT takes 1 argument")
    truth = _truth(_single(args[0]))
    return truth if isinstance(truth, ExcelError) else not truth


def _single(arg: Value | _RangeValues) -> Value:
    if isinstance(arg, _RangeValues):
        return arg[0] if len(arg) == 1 else VALUE
    return arg


_FUNCTIONS: dict[str, Callable[[list[Value | _RangeValues]], Value]] = {
    "SUM": _sum,
    "AVERAGE": _average,
    "MIN": _min,
    "MAX": _max,
    "COUNT": _count,
    "COUNTA": _counta,
    "ROUND": _round,
    "ABS": _abs,
    "AND": lambda args: _logical(args, all),
    "OR": lambda args: _logical(args, any),
    "NOT": _not,
}
