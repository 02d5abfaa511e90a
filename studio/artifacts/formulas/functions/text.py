"""Text functions: CONCAT, TEXTJOIN, LEFT, MID, TRIM, TEXT, VALUE and the like."""

from __future__ import annotations

from collections.abc import Callable

from studio.artifacts.formulas.functions.common import (
    Function,
    arity,
    number_arg,
    text_arg,
    values_of,
)
from studio.artifacts.formulas.number_format import format_number
from studio.artifacts.formulas.values import (
    VALUE,
    Argument,
    ExcelError,
    Value,
    display_value,
    first_error,
    single,
    to_number,
    to_text,
    to_truth,
)

MAX_TEXT = 32_767  # Excel's longest cell text


def _joined(parts: list[str]) -> Value:
    text = "".join(parts)
    return VALUE if len(text) > MAX_TEXT else text


def _concat(args: list[Argument]) -> Value:
    values = list(values_of(args))
    error = first_error(values)
    return error if error is not None else _joined([str(to_text(value)) for value in values])


def _concatenate(args: list[Argument]) -> Value:
    texts = [text_arg(arg) for arg in args]
    error = first_error(texts)
    return error if error is not None else _joined(texts)  # type: ignore[arg-type]


def _textjoin(args: list[Argument]) -> Value:
    if len(args) < 3:
        arity("TEXTJOIN", args, 3, 255)
    delimiter, skip_empty = text_arg(args[0]), to_truth(single(args[1]))
    values = list(values_of(args[2:]))
    error = first_error([delimiter, skip_empty, *values])
    if error is not None:
        return error
    texts = [str(to_text(value)) for value in values]
    if skip_empty:
        texts = [text for text in texts if text]
    return _joined([str(delimiter).join(texts)])


def _text_function(name: str, compute: Callable[[str], Value]) -> Function:
    def function(args: list[Argument]) -> Value:
        arity(name, args, 1)
        text = text_arg(args[0])
        return text if isinstance(text, ExcelError) else compute(text)

    return function


def _side(name: str, take: Callable[[str, int], str]) -> Function:
    def function(args: list[Argument]) -> Value:
        arity(name, args, 1, 2)
        text = text_arg(args[0])
        count = number_arg(args[1]) if len(args) == 2 else 1.0
        if isinstance(text, ExcelError):
            return text
        if isinstance(count, ExcelError):
            return count
        return VALUE if count < 0 else take(text, int(count))

    return function


def _mid(args: list[Argument]) -> Value:
    arity("MID", args, 3)
    text, start, count = text_arg(args[0]), number_arg(args[1]), number_arg(args[2])
    error = first_error([text, start, count])
    if error is not None:
        return error
    if start < 1 or count < 0:
        return VALUE
    return str(text)[int(start) - 1 : int(start) - 1 + int(count)]


def _substitute(args: list[Argument]) -> Value:
    arity("SUBSTITUTE", args, 3, 4)
    text, old, new = (text_arg(arg) for arg in args[:3])
    instance = number_arg(args[3]) if len(args) == 4 else None
    error = first_error([text, old, new, instance])
    if error is not None:
        return error
    text, old, new = str(text), str(old), str(new)
    if not old:
        return text
    if instance is None:
        return text.replace(old, new)
    if instance < 1:
        return VALUE
    position = -1
    for _ in range(int(instance)):
        position = text.find(old, position + 1)
        if position < 0:
            return text
    return text[:position] + new + text[position + len(old) :]


def _text(args: list[Argument]) -> Value:
    arity("TEXT", args, 2)
    value, code = single(args[0]), text_arg(args[1])
    error = first_error([value, code])
    if error is not None:
        return error
    number = to_number(value)
    if isinstance(number, ExcelError) or isinstance(value, bool):  # shown as they are
        return display_value(value)
    return format_number(number, str(code))


def _value(args: list[Argument]) -> Value:
    arity("VALUE", args, 1)
    value = single(args[0])
    return to_number(value if value is not None else "")


FUNCTIONS: dict[str, Function] = {
    "CONCAT": _concat,
    "CONCATENATE": _concatenate,
    "TEXTJOIN": _textjoin,
    "LEFT": _side("LEFT", lambda text, count: text[:count]),
    "RIGHT": _side("RIGHT", lambda text, count: text[len(text) - count :] if count else ""),
    "MID": _mid,
    "LEN": _text_function("LEN", lambda text: float(len(text))),
    "UPPER": _text_function("UPPER", str.upper),
    "LOWER": _text_function("LOWER", str.lower),
    "PROPER": _text_function("PROPER", str.title),
    "TRIM": _text_function("TRIM", lambda text: " ".join(part for part in text.split(" ") if part)),
    "SUBSTITUTE": _substitute,
    "TEXT": _text,
    "VALUE": _value,
}
