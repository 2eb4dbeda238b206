"""USER_ENTERED parsing: turn what a person types into a stored cell.

Follows Google's behaviour for the spreadsheet's locale (see :mod:`.locales`):
numbers (``1,234.5`` in en_US, ``1 234,5`` in lv_LV; ``0042`` -> 42),
percentages, currency amounts, booleans, dates and times (stored as serial
numbers -- days since 1899-12-30 -- with a date format; ISO ``2025-03-12`` is
understood everywhere, ``12.03.2025`` where the day comes first), a leading
apostrophe forcing text, and ``=`` starting a formula.  RAW input is stored
as-is.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .cells import Cell
from .locales import EN_US, Conventions

EPOCH = dt.datetime(1899, 12, 30)

_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_LOCAL_DATE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([AaPp][Mm])?$")


def serial_from_datetime(value: dt.datetime) -> int | float:
    """Days since 1899-12-30 (Google's serial number); whole days as an int."""
    delta = value - EPOCH
    if not delta.seconds and not delta.microseconds:
        return delta.days
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6


def datetime_from_serial(serial: float) -> dt.datetime:
    return EPOCH + dt.timedelta(days=serial)


def _whole(x: float) -> int | float:
    return int(x) if x.is_integer() and abs(x) < 1e15 else x


def _decimals(text: str, conv: Conventions) -> int:
    return len(text.rsplit(conv.decimal, 1)[1]) if conv.decimal in text else 0


def _number(text: str, conv: Conventions) -> int | float | None:
    if not conv.number_re.match(text) or not any(ch.isdigit() for ch in text):
        return None
    return _whole(conv.to_float(text))


def _grouped_pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _percent(text: str, conv: Conventions) -> Cell | None:
    if not text.endswith("%"):
        return None
    body = text[:-1].rstrip()
    num = _number(body, conv)
    if num is None:
        return None
    decimals = _decimals(body, conv)
    pattern = "0%" if decimals == 0 else "0." + "0" * decimals + "%"
    return Cell(
        _whole(num / 100) if isinstance(num, int) else num / 100, None, ("PERCENT", pattern)
    )


def _currency(text: str, conv: Conventions) -> Cell | None:
    symbols = {conv.currency, "$", "€"}
    sign = ""
    body = text
    if body[:1] in "+-":
        sign, body = body[0], body[1:].lstrip()
    symbol = next((s for s in symbols if body.startswith(s) or body.endswith(s)), None)
    if symbol is None:
        return None
    body = body[len(symbol) :] if body.startswith(symbol) else body[: -len(symbol)]
    body = body.strip()
    if body[:1] in "+-" and not sign:
        sign, body = body[0], body[1:]
    num = _number(body, conv)
    if num is None or body[:1] in "+-":
        return None
    amount = -num if sign == "-" else num
    decimals = 2 if _decimals(body, conv) else 0
    base = "#,##0.00" if decimals else "#,##0"
    pattern = f'{base} "{symbol}"' if conv.currency_after else f'"{symbol}"{base}'
    return Cell(amount, None, ("CURRENCY", pattern))


def _date(text: str, conv: Conventions) -> tuple[dt.date, str] | None:
    m = _ISO_DATE.match(text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        sep = text[4]
        pattern = f"yyyy{sep}mm{sep}dd"
    else:
        m = _LOCAL_DATE.match(text)
        if not m:
            return None
        a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
        if sep == "." and not conv.day_first:
            return None  # 12.03.2025 is text in en_US
        d, mo = (a, b) if conv.day_first else (b, a)
        if y < 100:
            y += 2000 if y < 30 else 1900
        pattern = conv.date_pattern
    try:
        return dt.date(y, mo, d), pattern
    except ValueError:
        return None


def _time(text: str) -> tuple[float, str] | None:
    m = _TIME.match(text)
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2))
    s = int(m.group(3) or 0)
    ampm = (m.group(5) or "").lower()
    if ampm:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if ampm == "pm" else 0)
    if h > 23 or mi > 59 or s > 59:
        return None
    if ampm:
        pattern = "h:mm:ss am/pm" if m.group(3) else "h:mm am/pm"
    else:
        pattern = "h:mm:ss" if m.group(3) else "h:mm"
    return (h * 3600 + mi * 60 + s) / 86400, pattern


def parse_user_entered(value: Any, conv: Conventions = EN_US) -> Any:
    """Stored form of one USER_ENTERED input value (``None`` for empty)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return _whole(float(value)) if isinstance(value, float) else value
    text = str(value)
    if text == "":
        return None
    if text.startswith("'"):
        return text[1:] or None
    if text.startswith("=") and len(text) > 1:
        return Cell(None, text, None)
    stripped = text.strip()
    low = stripped.lower()
    if low in ("true", "false"):
        return low == "true"
    parsed = _numeric(stripped, conv)
    if parsed is None:
        parsed = _moment(stripped, conv)
    return text if parsed is None else parsed


def _numeric(text: str, conv: Conventions) -> Any:
    """A number, percentage or amount of money in the locale's way of writing
    them, else None; a grouped number ("1,000") keeps its grouping when shown."""
    num = _number(text, conv)
    if num is not None:
        if any(g in text for g in conv.groups):
            return Cell(num, None, ("NUMBER", _grouped_pattern(_decimals(text, conv))))
        return num
    for parse in (_percent, _currency):
        cell = parse(text, conv)
        if cell is not None:
            return cell
    return None


def _moment(text: str, conv: Conventions) -> Cell | None:
    """A date, a date and time, or a time of day, stored as a serial number with
    the pattern it was written in (so it is shown the same way), else None."""
    date = _date(text, conv)
    if date:
        d, pattern = date
        return Cell(
            serial_from_datetime(dt.datetime(d.year, d.month, d.day)), None, ("DATE", pattern)
        )
    parts = text.split(None, 1)
    if len(parts) == 2:
        date = _date(parts[0], conv)
        tm = _time(parts[1].strip())
        if date and tm:
            d, dpat = date
            serial = serial_from_datetime(dt.datetime(d.year, d.month, d.day)) + tm[0]
            return Cell(_whole(float(serial)), None, ("DATE_TIME", f"{dpat} {tm[1]}"))
    tm = _time(text)
    if tm:
        return Cell(tm[0], None, ("TIME", tm[1]))
    return None


def parse_raw(value: Any, conv: Conventions = EN_US) -> Any:
    """Stored form of one RAW input value: kept exactly as sent."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value
