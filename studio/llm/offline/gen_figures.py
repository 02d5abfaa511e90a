"""Figures as the offline engine writes them, and deliberate errors planted in them.

Money and dates follow the locale of the request (see ``locales``); a planted error is a
real mistake (a decimal slip, a unit slip, an outdated rate) described in a sentence that
:func:`read_error` reads back.
"""

from __future__ import annotations

import random
import re

from studio.llm.offline import locales
from studio.llm.offline.domains import Metric

# -- figures -------------------------------------------------------------------------------


def nice_round(x: float, sig: int = 3) -> float:
    """Round to ``sig`` significant figures so budgets look like budgets (1,240,000)."""
    if x == 0:
        return 0.0
    digits = sig - len(str(int(abs(x))))
    return round(x, digits) if digits > 0 else float(round(x, digits))


fmt_money = locales.fmt_money


def fmt_pct(x: float, dp: int = 1) -> str:
    return f"{x:.{dp}f} %"


def fmt_num(x: float, dp: int = 0) -> str:
    return f"{x:,.{dp}f}"


def metric_value(metric: Metric, rng: random.Random) -> str:
    """A plausible value for ``metric``, formatted the way people write it."""
    x = rng.uniform(metric.lo, metric.hi)
    if metric.fmt == "money":
        return fmt_money(nice_round(x) if x >= 1000 else round(x, 2))
    if metric.fmt == "pct":
        return fmt_pct(x, 2 if metric.hi >= 99.5 else 1)
    if metric.fmt == "ratio":
        return f"1:{round(x)}"
    if metric.fmt == "float":
        dp = 2 if metric.hi < 1 else 1
        return f"{x:.{dp}f} {metric.unit}".strip()
    return f"{fmt_num(nice_round(x, 2) if x >= 1000 else round(x))} {metric.unit}".strip()


_AMOUNT = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_NEGATIVE = re.compile(r"-\D{0,4}$")  # '-$1,200' and '-1,200 €' are both negative


def parse_amount(text: str) -> float | None:
    """The first number in a figure string: '$1,240,000' -> 1240000.0, '4.2 %' -> 4.2."""
    text = text or ""
    m = _AMOUNT.search(text)
    if m is None:
        return None
    try:
        value = float(m.group(0).replace(",", ""))
    except ValueError:
        return None
    if not m.group(0).startswith("-") and _NEGATIVE.search(text[max(0, m.start() - 5) : m.start()]):
        value = -value
    return value


def is_money(text: str) -> bool:
    return locales.money_pattern().search(text or "") is not None


# -- planted errors ------------------------------------------------------------------------

_ERROR_FORMAT = re.compile(
    r'"(?P<label>[^"]+)" is stated as "(?P<wrong>[^"]+)" instead of "(?P<right>[^"]+)"'
)


def scaled(value: str, factor: float) -> str | None:
    amount = parse_amount(value)
    if amount is None:
        return None
    new = amount * factor
    m = locales.money_token().search(value) or _AMOUNT.search(value)
    assert m is not None
    if is_money(value):
        text = fmt_money(new)
    elif "." in m.group(0):
        text = f"{new:,.{len(m.group(0).split('.')[1])}f}"
    else:
        text = f"{round(new):,}"
    return value[: m.start()] + text + value[m.end() :]


_UNIT_SLIPS = (
    (" days", " weeks"),
    (" hours", " minutes"),
    (" ms", " s"),
    (" months", " weeks"),
    (" minutes", " hours"),
    (" m²", " ft²"),
    (" kg", " lb"),
)


def plant_error(label: str, value: str, rng: random.Random) -> tuple[str, str]:
    """A wrong version of ``value`` and a sentence describing the mistake."""
    ratio = re.fullmatch(r"1:(\d+)", value.strip())
    if ratio:
        n = int(ratio[1])
        if rng.random() < 0.5:
            wrong = f"{n}:1"
            return wrong, _describe(label, wrong, value, "ratio written the wrong way round")
        wrong = f"1:{n + rng.choice((1, 2))}"
        return wrong, _describe(label, wrong, value, "ratio from last year's staffing model")
    for right_unit, wrong_unit in _UNIT_SLIPS:
        if value.endswith(right_unit) and rng.random() < 0.5:
            wrong = value[: -len(right_unit)] + wrong_unit
            return wrong, _describe(label, wrong, value, "unit slip")
    if value.endswith("%") and rng.random() < 0.4:
        amount = parse_amount(value) or 0.0
        wrong = f"{amount / 100:.3f} %"
        return wrong, _describe(label, wrong, value, "percentage entered as a fraction")
    slips = [
        (10.0, "decimal slip, ten times too large"),
        (0.1, "decimal slip, ten times too small"),
        (rng.choice((0.88, 0.91, 0.93)), "outdated rate from last year's figures"),
    ]
    first = 0 if (r := rng.random()) < 0.5 else 1 if r < 0.75 else 2
    for factor, kind in slips[first:] + slips[:first]:
        wrong = scaled(value, factor)
        # "$69" -> "$690" would still read as the right figure to a text search
        if wrong is not None and value not in wrong and wrong not in value:
            return wrong, _describe(label, wrong, value, kind)
    m = re.search(r"\d[\d,]*(?:\.\d+)?", value)
    if m is None:  # nothing numeric to get wrong
        wrong = f"{value} (2024 figure)"
        return wrong, _describe(label, wrong, value, "outdated figure")
    # zero survives every scaling: state a number from an earlier draft instead
    wrong = f"{value[: m.start()]}{rng.randint(2, 9)}{value[m.end() :]}"
    return wrong, _describe(label, wrong, value, "figure copied from an earlier draft")


def _describe(label: str, wrong: str, right: str, kind: str) -> str:
    return f'"{label}" is stated as "{wrong}" instead of "{right}" ({kind}).'


def read_error(text: str) -> tuple[str, str, str] | None:
    """(label, wrong, right) from a planted_error written by :func:`plant_error`."""
    m = _ERROR_FORMAT.search(text or "")
    return (m["label"], m["wrong"], m["right"]) if m else None
