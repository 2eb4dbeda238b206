"""Rendering stored cells for ``valueRenderOption`` / ``dateTimeRenderOption``.

FORMATTED_VALUE gives strings as a person sees them in the spreadsheet's
locale (Google's "automatic" number format shows at most 10 significant
digits; dates use their stored pattern); UNFORMATTED_VALUE gives numbers and
booleans as JSON values (dates as serial numbers, or formatted strings with
``dateTimeRenderOption=FORMATTED_STRING``); FORMULA gives the formula text
for formula cells and the unformatted value otherwise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from .cells import Cell
from .locales import EN_US, Conventions
from .parsing import datetime_from_serial

FORMATTED = "FORMATTED_VALUE"
UNFORMATTED = "UNFORMATTED_VALUE"
FORMULA = "FORMULA"
RENDER_OPTIONS = (FORMATTED, UNFORMATTED, FORMULA)
DT_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")
DATE_KINDS = ("DATE", "TIME", "DATE_TIME")

Evaluator = Callable[[Cell], Any]


def format_number(x: float | int, conv: Conventions = EN_US) -> str:
    """Google's automatic number format."""
    if isinstance(x, bool):
        return "TRUE" if x else "FALSE"
    if isinstance(x, int):
        text = str(x) if abs(x) < 10**15 else _sci(float(x))
    elif math.isnan(x) or math.isinf(x):
        return "#NUM!"
    elif x.is_integer() and abs(x) < 1e15:
        text = str(int(x))
    elif x != 0 and (abs(x) >= 1e15 or abs(x) < 1e-9):
        text = _sci(x)
    else:
        text = f"{x:.10g}"
        if "e" in text:
            text = _sci(x)
    return text.replace(".", conv.decimal) if conv.decimal != "." else text


def _sci(x: float) -> str:
    """``1.23457E+15``: six significant digits, as Google's automatic format."""
    mant, exp = f"{x:.5E}".split("E")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"


def _fixed(value: float, decimals: int, grouped: bool, conv: Conventions) -> str:
    text = f"{value:,.{decimals}f}" if grouped else f"{value:.{decimals}f}"
    return text.replace(",", "\0").replace(".", conv.decimal).replace("\0", conv.group_out)


def _pattern_decimals(pattern: str) -> int:
    """Digits after the point in a number pattern: ``#,##0.00 "€"`` -> 2, ``0%`` -> 0."""
    m = re.search(r"\.(0+)", pattern)
    return len(m.group(1)) if m else 0


def format_with(value: Any, fmt: tuple[str, str], conv: Conventions = EN_US) -> str:
    """Render a number under a number/date/percent/currency format."""
    kind, pattern = fmt
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    decimals = _pattern_decimals(pattern)
    if kind == "PERCENT":
        return _fixed(value * 100, decimals, False, conv) + "%"
    if kind == "CURRENCY":
        symbol = (re.search(r'"([^"]*)"', pattern) or [None, conv.currency])[1]
        amount = _fixed(abs(value), decimals, True, conv)
        sign = "-" if value < 0 else ""
        if pattern.startswith('"'):
            return f"{sign}{symbol}{amount}"
        return (
            f"{sign}{amount}\u00a0{symbol}" if conv.currency_after else f"{sign}{amount} {symbol}"
        )
    if kind == "NUMBER":
        return _fixed(value, decimals, "," in pattern, conv)
    if kind in DATE_KINDS:
        try:
            moment = datetime_from_serial(float(value))
        except (OverflowError, ValueError):
            return format_number(value, conv)
        return format_date(moment, pattern)
    return format_number(value, conv)


_DATE_TOKEN = re.compile(r"yyyy|yy|MM|M|dd|d|HH|H|hh|h|mm|m|ss|s|am/pm|AM/PM")


def format_date(moment: Any, pattern: str) -> str:
    """Render a date/time pattern (``yyyy-mm-dd``, ``dd.MM.yyyy``, ``h:mm:ss am/pm``).

    ``m``/``mm`` mean minutes right after an hour or before seconds, else month.
    """
    ampm = "am/pm" in pattern.lower()
    tokens = list(_DATE_TOKEN.finditer(pattern))
    out = []
    pos = 0
    for i, m in enumerate(tokens):
        out.append(pattern[pos : m.start()])
        prev = tokens[i - 1].group(0) if i else ""
        nxt = tokens[i + 1].group(0) if i + 1 < len(tokens) else ""
        out.append(_date_field(moment, m.group(0), prev, nxt, ampm))
        pos = m.end()
    out.append(pattern[pos:])
    return "".join(out)


#: The part of a moment that each date token (other than m/mm, h/hh, yy, am/pm) shows.
_DATE_FIELDS = {
    "yyyy": "year",
    "MM": "month",
    "M": "month",
    "dd": "day",
    "d": "day",
    "ss": "second",
    "s": "second",
}


def _date_field(moment: Any, tok: str, prev: str, nxt: str, ampm: bool) -> str:
    """One token of a date pattern, given its neighbours: ``m``/``mm`` are minutes
    after an hour or before seconds (else the month), hours are 1-12 when the
    pattern has am/pm."""
    if tok in ("mm", "m"):
        minute = prev.lower().startswith("h") or nxt.startswith("s")
        return _padded(moment.minute if minute else moment.month, tok)
    if tok.lower() in ("hh", "h"):
        return _padded((moment.hour % 12 or 12) if ampm else moment.hour, tok)
    if tok == "yy":
        return f"{moment.year % 100:02d}"
    if tok in _DATE_FIELDS:
        return _padded(getattr(moment, _DATE_FIELDS[tok]), tok)
    return "PM" if moment.hour >= 12 else "AM"


def _padded(value: int, tok: str) -> str:
    """A number as its token asks: one letter unpadded, more letters zero-padded to
    that many digits (``d`` -> 5, ``dd`` -> 05, ``yyyy`` -> 0987)."""
    return str(value) if len(tok) == 1 else f"{value:0{len(tok)}d}"


def render(
    v: Any, option: str, dt_option: str, evaluate: Evaluator, conv: Conventions = EN_US
) -> Any:
    """The JSON value of one stored cell (never called with ``None``)."""
    if isinstance(v, Cell):
        if v.formula is not None:
            if option == FORMULA:
                return v.formula
            result = evaluate(v)
            if option == FORMATTED or isinstance(result, str):
                if v.fmt is not None:
                    return format_with(result, v.fmt, conv)
                return result if isinstance(result, str) else format_number(result, conv)
            return result
        if v.fmt is not None:
            if option == FORMATTED:
                return format_with(v.value, v.fmt, conv)
            if dt_option == "FORMATTED_STRING" and v.fmt[0] in DATE_KINDS:
                return format_with(v.value, v.fmt, conv)
            return v.value
        v = v.value
        if v is None:
            return ""
    if option == FORMATTED:
        if isinstance(v, str):
            return v
        return format_number(v, conv)
    return v
