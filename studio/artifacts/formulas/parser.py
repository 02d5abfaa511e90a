"""Formula text into a tree of tuples, with references made relative to the formula's cell.

A formula's *shape* is its tokens with each reference made relative to the cell holding it,
as R1C1 notation does: in F2, =D2*E2 reads "this row, two columns left, times this row, one
column left" -- and so do =D3*E3 in F3 and every other row of the column. Shapes are parsed
and compiled once, so a 50,000-row column of row formulas costs one parse, not 50,000.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from studio.artifacts.formulas.values import ExcelError, FormulaError

MAX_NESTING = 64  # Excel's own limit on nested functions
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384

_SHEET = r"(?:(?:'(?:[^']|'')+'|[^\W\d][\w.]*)!)?"
_TOKEN_RE = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"]|"")*")
  | (?P<func>[A-Za-z_][A-Za-z0-9_.]*)(?=\s*\()
  | (?P<ref>{_SHEET}
        (?:\$?[A-Za-z]{{1,3}}\$?[0-9]+(?::\$?[A-Za-z]{{1,3}}\$?[0-9]+)?
         |\$?[A-Za-z]{{1,3}}:\$?[A-Za-z]{{1,3}}))(?![\w(])
  | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<bool>TRUE|FALSE)(?![\w(])
  | (?P<error>\#(?:DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|NULL!))
  | (?P<op><>|<=|>=|[-+*/^&=<>%(),])
    """,
    re.VERBOSE | re.IGNORECASE,
)
_CELL_RE = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)([0-9]*)")
# Prefixes files carry for functions newer than Excel 2007 (_xlfn.IFS) or from add-ins.
_FUNCTION_PREFIXES = ("_XLFN._XLWS.", "_XLFN.", "_XLWS.")

# Functions newer than Excel 2007 that files store as _xlfn.NAME; without the prefix Excel and
# LibreOffice show #NAME? until the formula is typed again.
NEWER_FUNCTIONS = frozenset({"CONCAT", "TEXTJOIN", "IFS", "IFNA", "XLOOKUP", "DAYS"})

Token = tuple[str, Any]
Node = tuple[Any, ...]
# One corner of a reference: (row, row is relative, column, column is relative), where a
# relative row or column is an offset from the formula's cell and an absolute one ($A$1) is
# the row or column itself. The position is then `value + anchor * relative`.
Corner = tuple[int, int, int, int]


def _matches(formula: str) -> Iterator[re.Match[str]]:
    """Every token of the formula, whitespace included, in order."""
    position = 0
    while position < len(formula):
        match = _TOKEN_RE.match(formula, position)
        if match is None:
            raise FormulaError(f"unsupported syntax at {formula[position : position + 12]!r}")
        yield match
        position = match.end()


def tokenize(formula: str) -> list[Token]:
    return [
        (kind, match.group(kind))
        for match in _matches(formula)
        if (kind := match.lastgroup or "") != "ws"
    ]


def with_function_prefixes(formula: str) -> str:
    """The formula as an xlsx file must store it: =IFS(...) as =_xlfn.IFS(...); text in
    quotes is left alone. Raises FormulaError on syntax the tokeniser does not know."""
    body = formula[1:] if formula.startswith("=") else formula
    parts = [
        "_xlfn." + match.group(0)
        if match.lastgroup == "func" and match.group(0).upper() in NEWER_FUNCTIONS
        else match.group(0)
        for match in _matches(body)
    ]
    return ("=" if formula.startswith("=") else "") + "".join(parts)


def shape(tokens: list[Token], row: int, column: int) -> tuple[Token, ...]:
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
    if last and not first[-1].isdigit():  # a whole column, A:C
        return (sheet, _corner(first, row, column, 1), _corner(last, row, column, MAX_ROWS))
    return (
        sheet,
        _corner(first, row, column),
        _corner(last, row, column) if last else None,
    )


def _corner(text: str, row: int, column: int, whole_column_row: int = 0) -> Corner:
    match = _CELL_RE.fullmatch(text)
    if match is None or not (match.group(4) or whole_column_row):
        raise FormulaError(f"bad reference {text!r}")
    column_fixed, letters, row_fixed, digits = match.groups()
    at_row, at_column = int(digits or whole_column_row), column_index(letters)
    if not (1 <= at_row <= MAX_ROWS and 1 <= at_column <= MAX_COLUMNS):
        raise FormulaError(f"reference out of range {text!r}")
    row_relative = int(not row_fixed and not whole_column_row)
    column_relative = int(not column_fixed)
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


def function_name(text: str) -> str:
    name = text.upper()
    for prefix in _FUNCTION_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


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


class Parser:
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
            return self.call(function_name(text))
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
