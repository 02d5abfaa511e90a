"""VLOOKUP, HLOOKUP, XLOOKUP, INDEX, MATCH and CHOOSE."""

from __future__ import annotations

from studio.artifacts.formulas.functions.common import Function, arity, number_arg
from studio.artifacts.formulas.functions.criteria import wildcard_pattern
from studio.artifacts.formulas.values import (
    NA,
    REF,
    VALUE,
    Argument,
    ExcelError,
    FormulaError,
    RangeValues,
    Value,
    compare,
    single,
    to_truth,
)


def _same_kind(a: Value, b: Value) -> bool:
    return type(a) is type(b) and a is not None


def _position(key: Value, cells: list[Value], mode: int) -> int | None:
    """0-based position of `key` among `cells`: mode 0 is an exact match (text
    case-insensitive, with wildcards), 1 the last cell not above `key` and -1 the last not
    below it, in a list sorted ascending (1) or descending (-1)."""
    if mode == 0:
        if isinstance(key, str):
            pattern = wildcard_pattern(key)
            return next(
                (
                    i
                    for i, cell in enumerate(cells)
                    if isinstance(cell, str) and pattern.fullmatch(cell)
                ),
                None,
            )
        return next(
            (i for i, cell in enumerate(cells) if _same_kind(cell, key) and cell == key), None
        )
    found = None
    for i, cell in enumerate(cells):
        if not _same_kind(cell, key):
            continue
        if compare("=", cell, key):
            found = i
        elif compare(">" if mode > 0 else "<", cell, key):
            break  # sorted: every later cell is past the key too
        else:
            found = i
    return found


def _rows(table: RangeValues) -> list[list[Value]]:
    return [list(table[r * table.columns : (r + 1) * table.columns]) for r in range(table.rows)]


def _table_lookup(name: str, by_row: bool) -> Function:
    def lookup(args: list[Argument]) -> Value:
        arity(name, args, 3, 4)
        key, table = single(args[0]), args[1]
        if isinstance(key, ExcelError):
            return key
        if not isinstance(table, RangeValues):
            return VALUE
        index = number_arg(args[2])
        if isinstance(index, ExcelError):
            return index
        approximate = to_truth(single(args[3])) if len(args) == 4 else True
        if isinstance(approximate, ExcelError):
            return approximate
        lines = _rows(table)
        if not by_row:  # HLOOKUP reads the table's first row; turn it so rows are columns
            lines = [list(column) for column in zip(*lines, strict=True)]
        if index < 1:
            return VALUE
        if index > len(lines[0]):
            return REF
        found = _position(key, [line[0] for line in lines], 1 if approximate else 0)
        return NA if found is None else lines[found][int(index) - 1]

    return lookup


def _xlookup(args: list[Argument]) -> Value:
    arity("XLOOKUP", args, 3, 6)
    key, keys, results = single(args[0]), args[1], args[2]
    if isinstance(key, ExcelError):
        return key
    if not (isinstance(keys, RangeValues) and isinstance(results, RangeValues)):
        return VALUE
    modes = [number_arg(arg) for arg in args[4:6]]
    match_mode, search_mode = (modes + [0.0, 1.0][len(modes) :])[:2]
    if match_mode not in (0.0, 2.0) or search_mode not in (1.0, -1.0):
        raise FormulaError("XLOOKUP supports exact and wildcard matches, searched either way")
    vertical = keys.columns == 1
    if keys.rows != 1 and not vertical:
        return VALUE
    if (results.rows if vertical else results.columns) != len(keys):
        return VALUE
    cells = list(keys)
    if search_mode < 0:
        cells.reverse()
    if match_mode == 0.0 and isinstance(key, str):
        key = key.replace("~", "~~").replace("*", "~*").replace("?", "~?")  # no wildcards
    found = _position(key, cells, 0)
    if found is None:
        return single(args[3]) if len(args) > 3 and args[3] is not None else NA
    if search_mode < 0:
        found = len(cells) - 1 - found
    if vertical:
        row = results[found * results.columns : (found + 1) * results.columns]
        return RangeValues(row, 1, results.columns)
    return RangeValues((results.at(r, found) for r in range(results.rows)), results.rows, 1)


def _index(args: list[Argument]) -> Value:
    arity("INDEX", args, 2, 3)
    table = args[0]
    if not isinstance(table, RangeValues):
        table = RangeValues([table])
    positions = [number_arg(arg) if arg is not None else 0.0 for arg in args[1:]]
    error = next((p for p in positions if isinstance(p, ExcelError)), None)
    if error is not None:
        return error
    if len(positions) == 1:  # one index into a single row or column
        if table.rows == 1:
            positions = [1.0, positions[0]]
        elif table.columns == 1:
            positions.append(1.0)
        else:
            positions.append(0.0)
    row, column = (int(p) for p in positions)
    if row < 0 or column < 0 or row > table.rows or column > table.columns:
        return REF
    if row and column:
        return table.at(row - 1, column - 1)
    if row:  # a whole row, or column, of the table: for SUM(INDEX(B2:D9, 0, 2)) and the like
        return RangeValues(table[(row - 1) * table.columns : row * table.columns], 1, table.columns)
    if column:
        return RangeValues((table.at(r, column - 1) for r in range(table.rows)), table.rows, 1)
    return table


def _match(args: list[Argument]) -> Value:
    arity("MATCH", args, 2, 3)
    key, cells = single(args[0]), args[1]
    if isinstance(key, ExcelError):
        return key
    if not isinstance(cells, RangeValues):
        cells = RangeValues([cells])
    if cells.rows != 1 and cells.columns != 1:
        return NA
    mode = number_arg(args[2]) if len(args) == 3 else 1.0
    if isinstance(mode, ExcelError):
        return mode
    found = _position(key, list(cells), (mode > 0) - (mode < 0))
    return NA if found is None else float(found + 1)


def _choose(args: list[Argument]) -> Value:
    if len(args) < 2:
        arity("CHOOSE", args, 2, 255)
    index = number_arg(args[0])
    if isinstance(index, ExcelError):
        return index
    if not 1 <= int(index) < len(args):
        return VALUE
    return args[int(index)]


FUNCTIONS: dict[str, Function] = {
    "VLOOKUP": _table_lookup("VLOOKUP", by_row=True),
    "HLOOKUP": _table_lookup("HLOOKUP", by_row=False),
    "XLOOKUP": _xlookup,
    "INDEX": _index,
    "MATCH": _match,
    "CHOOSE": _choose,
}
