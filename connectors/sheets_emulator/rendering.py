"""Rendering stored cells for ``valueRenderOption`` / ``dateTimeRenderOption``.

FORMATTED_VALUE gives strings as a person sees them (Google's "automatic"
number format shows at most 10 significant digits); UNFORMATTED_VALUE gives
numbers and booleans as JSON values (dates as serial numbers, or formatted
strings with ``dateTimeRenderOption=FORMATTED_STRING``); FORMULA gives the
formula text for formula cells and the unformatted value otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .cells import Cell
from .parsing import datetime_from_serial

FORMATTED = "FORMATTED_VALUE"
UNFORMATTED = "UNFORMATTED_VALUE"
FORMULA = "FORMULA"
RENDER_OPTIONS = (FORMATTED, UNFORMATTED, FORMULA)
DT_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")

Evaluator = Callable[[Cell], Any]


def format_number(x: float | int) -> str:
    """Google's automatic number format."""
    if isinstance(x, bool):
        return "TRUE" if x else "FALSE"
    if isinstance(x, int):
        return str(x) if abs(x) < 10**15 else _sci(float(x))
    if math.isnan(x) or math.isinf(x):
        return "#NUM!"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    if x != 0 and (abs(x) >= 1e15 or abs(x) < 1e-9):
        return _sci(x)
    s = f"{x:.10g}"
    if "e" in s:
        return _sci(x)
    return s


def _sci(x: float) -> str:
    """``1.23457E+15``: six significant digits, as Google's automatic format."""
    mant, exp = f"{x:.5E}".split("E")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"


def _group(n: float, decimals: int) -> str:
    return f"{n:,.{decimals}f}"


def format_with(value: Any, fmt: tuple[str, str]) -> str:
    """Render a number under a date/percent/currency format."""
    kind, pattern = fmt
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if kind == "PERCENT":
        decimals = pattern.count("0") - 1 if "." in pattern else 0
        return f"{value * 100:.{decimals}f}%"
    if kind == "CURRENCY":
        decimals = 2 if ".00" in pattern else 0
        sign = "-" if value < 0 else ""
        return f"{sign}${_group(abs(value), decimals)}"
    if kind == "NUMBER":
        decimals = len(pattern.split(".", 1)[1]) if "." in pattern else 0
        return _group(value, decimals) if "," in pattern else f"{value:.{decimals}f}"
    if kind in ("DATE", "TIME", "DATE_TIME"):
        try:
            moment = datetime_from_serial(float(value))
        except (OverflowError, ValueError):
            return format_number(value)
        return _date_pattern(moment, pattern)
    return format_number(value)


def _date_pattern(moment: Any, pattern: str) -> str:
    out = pattern
    hour = moment.hour
    ampm = "am/pm" in out
    if ampm:
        out = out.replace(" am/pm", "")
        hour12 = hour % 12 or 12
    replacements = [
        ("yyyy", f"{moment.year:04d}"),
        ("mm:ss", f"{moment.minute:02d}:{moment.second:02d}"),
        ("h:mm", f"{(hour12 if ampm else hour)}:{moment.minute:02d}"),
        ("mm", f"{moment.month:02d}"),
        ("dd", f"{moment.day:02d}"),
        ("M", f"{moment.month}"),
        ("d", f"{moment.day}"),
    ]
    for token, text in replacements:
        out = out.replace(token, text, 1) if token in out else out
    if ampm:
        out += " PM" if hour >= 12 else " AM"
    return out


def render(v: Any, option: str, dt_option: str, evaluate: Evaluator) -> Any:
    """The JSON value of one stored cell (never called with ``None``)."""
    if isinstance(v, Cell):
        if v.formula is not None:
            if option == FORMULA:
                return v.formula
            result = evaluate(v)
            if option == FORMATTED or isinstance(result, str):
                if v.fmt is not None:
                    return format_with(result, v.fmt)
                return result if isinstance(result, str) else format_number(result)
            return result
        if v.fmt is not None:
            if option == FORMATTED:
                return format_with(v.value, v.fmt)
            if dt_option == "FORMATTED_STRING" and v.fmt[0] in ("DATE", "TIME", "DATE_TIME"):
                return format_with(v.value, v.fmt)
            return v.value
        v = v.value
        if v is None:
            return ""
    if option == FORMATTED:
        if isinstance(v, str):
            return v
        return format_number(v)
    return v
