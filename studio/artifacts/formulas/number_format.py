"""Numbers as text through an Excel number format code, as TEXT(value, "0.00") shows them:
the common number codes (0, 0.00, #,##0, 0%, "$"#,##0.00;(#,##0)) and date codes (yyyy-mm-dd,
d mmm yyyy, mmmm, dddd, hh:mm AM/PM)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from studio.artifacts.formulas.values import datetime_from_serial, display_value

# [Red], [$-409] and [>100] are dropped; [$€-407] keeps its currency symbol.
_BRACKETS = re.compile(r"\[(?:\$([^\]-]*)[^\]]*|[^\]]*)\]")
# "text" literals, \x escapes, _x (space as wide as x) and *x (fill with x).
_LITERALS = re.compile(r'"([^"]*)"|\\(.)|_.|\*.')
_NUMBER = re.compile(
    r"^(?P<prefix>[^0#?.,%]*)(?P<digits>[0#?,]*)(?:\.(?P<decimals>[0#?]+))?(?P<suffix>[^0#?]*)$"
)
_DATE_CODE = re.compile(r"yyyy|yy|m{1,5}|d{1,4}|h{1,2}|s{1,2}|AM/PM|A/P", re.IGNORECASE)
_DATE_LETTERS = re.compile(r"[ydhms]|AM/PM|A/P", re.IGNORECASE)


def format_number(number: float, code: str) -> str:
    """Text of `number` under `code`; codes it does not know show it as General."""
    sections = code.split(";")
    section, sign = sections[0], "-" if number < 0 else ""
    if number < 0 and len(sections) > 1:
        section, sign = sections[1], ""  # the negative section carries its own sign/brackets
    elif number == 0 and len(sections) > 2:
        section = sections[2]
    section = _BRACKETS.sub(lambda match: match.group(1) or "", section)
    if section.strip().upper() in ("", "GENERAL"):
        return sign + display_value(abs(number)) if sign else display_value(number)
    if _DATE_LETTERS.search(_LITERALS.sub("", section)):
        return _format_date(number, section)
    section = _LITERALS.sub(_literal, section)
    match = _NUMBER.match(section)
    if match is None or not (match["digits"] or match["decimals"]):
        return display_value(number)
    value = abs(number) * (100 if "%" in match["suffix"] else 1)
    decimals = len(match["decimals"] or "")
    digits = match["digits"].replace(",", "")
    grouping = "," if "," in match["digits"] else ""
    rounded = Decimal(format(value, ".15g")).quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP
    )
    text = f"{rounded:{grouping}.{decimals}f}"
    if not digits.count("0") and text.startswith("0"):  # "#.00" shows .50, not 0.50
        text = text[1:]
    return f"{sign}{match['prefix']}{text}{match['suffix']}"


def _literal(match: re.Match[str]) -> str:
    quoted, escaped = match.groups()
    if quoted is not None:
        return quoted
    if escaped is not None:
        return escaped
    return " " if match.group(0).startswith("_") else ""


def _format_date(serial: float, code: str) -> str:
    try:
        moment = datetime_from_serial(serial)
    except ValueError:
        return "#" * 10  # what Excel shows for a date it cannot draw
    twelve_hour = bool(re.search(r"AM/PM|A/P", code, re.IGNORECASE))
    parts: list[str] = []
    position = 0
    codes = list(_DATE_CODE.finditer(code))
    for index, match in enumerate(codes):
        parts.append(_LITERALS.sub(_literal, code[position : match.start()]))
        parts.append(_date_part(match.group(0), moment, codes, index, twelve_hour))
        position = match.end()
    parts.append(_LITERALS.sub(_literal, code[position:]))
    return "".join(parts)


def _date_part(token: str, moment, codes: list[re.Match[str]], index: int, twelve: bool) -> str:
    lower = token.lower()
    if lower == "yyyy":
        return f"{moment.year:04d}"
    if lower == "yy":
        return f"{moment.year % 100:02d}"
    if lower[0] == "m":
        if len(lower) <= 2 and _means_minutes(codes, index):
            return f"{moment.minute:0{len(lower)}d}"
        if len(lower) <= 2:
            return f"{moment.month:0{len(lower)}d}"
        names = ("%b", "%B", "%B")
        return moment.strftime(names[min(len(lower), 5) - 3])[: 1 if len(lower) == 5 else None]
    if lower[0] == "d":
        if len(lower) <= 2:
            return f"{moment.day:0{len(lower)}d}"
        return moment.strftime("%a" if len(lower) == 3 else "%A")
    if lower[0] == "h":
        hour = (moment.hour % 12 or 12) if twelve else moment.hour
        return f"{hour:0{len(lower)}d}"
    if lower[0] == "s":
        return f"{moment.second:0{len(lower)}d}"
    morning = moment.hour < 12
    if lower == "am/pm":
        return "AM" if morning else "PM"
    return ("A" if morning else "P") if token[0] == "A" else ("a" if morning else "p")


def _means_minutes(codes: list[re.Match[str]], index: int) -> bool:
    """m is minutes right after an hour or right before a second, months otherwise."""
    before = codes[index - 1].group(0)[0].lower() if index else ""
    after = codes[index + 1].group(0)[0].lower() if index + 1 < len(codes) else ""
    return before == "h" or after == "s"
