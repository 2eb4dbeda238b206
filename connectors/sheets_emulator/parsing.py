"""USER_ENTERED parsing: turn what a person types into a stored cell.

Follows Google's en_US behaviour: numbers (``1,234.5``, ``0042`` -> 42),
percentages, dollar amounts, booleans, dates and times (stored as serial
numbers -- days since 1899-12-30 -- with a date format), a leading apostrophe
forcing text, and ``=`` starting a formula.  RAW input is stored as-is.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .cells import Cell

EPOCH = dt.datetime(1899, 12, 30)

_NUM = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?$")
_PCT = re.compile(r"^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?)\s*%$")
_CUR = re.compile(r"^([+-]?)\s*\$\s*((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?)$")
_ISO_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*([AaPp][Mm])?$")


def serial_from_datetime(value: dt.datetime) -> int | float:
    """Days since 1899-12-30 (Google's serial number); whole days as an int."""
    delta = value - EPOCH
    if not delta.seconds and not delta.microseconds:
        return delta.days
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6


def datetime_from_serial(serial: float) -> dt.datetime:
    return EPOCH + dt.timedelta(days=serial)


def _number(text: str) -> int | float | None:
    if not _NUM.match(text) or not any(ch.isdigit() for ch in text):
        return None
    f = float(text.replace(",", ""))
    if f.is_integer() and "e" not in text.lower() and abs(f) < 1e15:
        return int(f)
    return f


def _date(text: str) -> tuple[dt.date, str] | None:
    m = _ISO_DATE.match(text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        pattern = "yyyy-mm-dd" if "-" in text else "yyyy/mm/dd"
    else:
        m = _US_DATE.match(text)
        if not m:
            return None
        mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if y < 100:
            y += 2000 if y < 30 else 1900
        pattern = "M/d/yyyy"
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
    pattern = "h:mm:ss am/pm" if ampm or m.group(3) else "h:mm"
    if ampm and not m.group(3):
        pattern = "h:mm am/pm"
    return (h * 3600 + mi * 60 + s) / 86400, pattern


def parse_user_entered(value: Any) -> Any:
    """Stored form of one USER_ENTERED input value (``None`` for empty)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return (
            int(value)
            if isinstance(value, float) and value.is_integer() and abs(value) < 1e15
            else value
        )
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
    num = _number(stripped)
    if num is not None:
        if "," in stripped:  # "1,000" keeps its thousands separator when displayed
            decimals = len(stripped.split(".", 1)[1]) if "." in stripped else 0
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            return Cell(num, None, ("NUMBER", pattern))
        return num
    m = _PCT.match(stripped)
    if m and any(ch.isdigit() for ch in m.group(1)):
        decimals = len(m.group(2) or "")
        pattern = "0%" if decimals == 0 else "0." + "0" * decimals + "%"
        return Cell(float(m.group(1).replace(",", "")) / 100, None, ("PERCENT", pattern))
    m = _CUR.match(stripped)
    if m:
        amount = float(m.group(2).replace(",", ""))
        if m.group(1) == "-":
            amount = -amount
        pattern = '"$"#,##0.00' if m.group(3) else '"$"#,##0'
        return Cell(_int_if_whole(amount), None, ("CURRENCY", pattern))
    date = _date(stripped)
    if date:
        d, pattern = date
        return Cell(
            serial_from_datetime(dt.datetime(d.year, d.month, d.day)), None, ("DATE", pattern)
        )
    parts = stripped.split(" ", 1)
    if len(parts) == 2:
        date = _date(parts[0])
        tm = _time(parts[1].strip())
        if date and tm:
            d, dpat = date
            serial = serial_from_datetime(dt.datetime(d.year, d.month, d.day)) + tm[0]
            serial = int(serial) if float(serial).is_integer() else serial
            return Cell(serial, None, ("DATE_TIME", f"{dpat} {tm[1].replace(' am/pm', '')}:ss"))
    tm = _time(stripped)
    if tm:
        return Cell(tm[0], None, ("TIME", tm[1]))
    return text


def _int_if_whole(x: float) -> int | float:
    return int(x) if x.is_integer() else x


def parse_raw(value: Any) -> Any:
    """Stored form of one RAW input value: kept exactly as sent."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value
