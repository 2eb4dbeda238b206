"""Dates as partners type them (``12.03.2025``, ``12.3.2025``, ``2025-03-12``) or as
Sheets stores them (serial day numbers), turned into ISO ``YYYY-MM-DD``."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache, lru_cache
from typing import Any

from babel.dates import get_month_names
from babel.dates import parse_date as babel_parse_date

from integration.normalise.locales import PROJECT_LANGUAGES, babel_locale
from integration.normalise.text import clean_line
from integration.vocabulary import fold, vocabulary

#: Day 0 of Google Sheets (and Excel after its 1900 leap-year bug): 30 December 1899.
SHEETS_EPOCH = dt.date(1899, 12, 30)
_MAX_SERIAL = (dt.date(9999, 12, 31) - SHEETS_EPOCH).days

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_DAY_FIRST = re.compile(
    r"^(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4}|\d{2})\.?(?:\s+[0-9:]+)?$"
)
_SERIAL_TEXT = re.compile(r"^\d{5}(?:\.\d+)?$")
_YEAR_FIRST = re.compile(r"^(\d{4})\s*[./]\s*(\d{1,2})\s*[./]\s*(\d{1,2})\.?$")
_NAMED_MONTH = re.compile(r"^(\d{1,2})\.?\s+([^\W\d_]+)\.?,?\s+(\d{4})\.?$")
# Latvian style: "2025. gada 12. marts" / "2025. g. 12. martā".
_YEAR_DAY_MONTH = re.compile(
    r"^(\d{4})\.?\s*(?:gada|g\.)?\s+(\d{1,2})\.?\s+([^\W\d_]+)\.?$", re.IGNORECASE
)
_THREE_NUMBERS = re.compile(r"^\d{1,4}\D{1,3}\d{1,2}\D{1,3}\d{1,4}$")


def _babel_months(locale: str, table: dict[str, int], clashes: set[str]) -> None:
    """Add babel's month names of ``locale`` (wide and abbreviated) to ``table``."""
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for number, name in get_month_names(width, context, babel_locale(locale)).items():
                key = fold(name)
                if table.setdefault(key, number) != number:
                    clashes.add(key)


@cache
def month_table() -> dict[str, int]:
    """Folded month name (wide and abbreviated, en/lv/et/fi, babel's CLDR data) -> 1..12.

    A name that means different months in different languages is left out.
    """
    table: dict[str, int] = {}
    clashes: set[str] = set()
    for locale in PROJECT_LANGUAGES:
        _babel_months(locale, table, clashes)
    for locale, words in vocabulary()["months"].items():
        if locale.startswith("_"):
            continue
        for number, word in enumerate(words, start=1):
            if table.setdefault(fold(word), number) != number:
                clashes.add(fold(word))
    for key in clashes:
        del table[key]
    return table


@cache
def local_month_table(locale: str) -> dict[str, int]:
    """The month names of a partner language beyond the project's (``lt``: ``kovo``)."""
    table: dict[str, int] = {}
    clashes: set[str] = set()
    _babel_months(locale, table, clashes)
    return {key: number for key, number in table.items() if key not in clashes}


def _month(name: str, locale: str) -> int | None:
    key = fold(name)
    return month_table().get(key) or local_month_table(locale).get(key)


def from_serial(serial: float) -> dt.date:
    """The date of a Sheets serial number (the fraction, a time of day, is dropped)."""
    return SHEETS_EPOCH + dt.timedelta(days=int(serial))


def _ymd(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


@lru_cache(maxsize=8192)
def _parse_text(text: str, locale: str) -> str | None:
    match = _ISO.match(text)
    if match:
        return _ymd(int(match[1]), int(match[2]), int(match[3]))
    match = _DAY_FIRST.match(text)
    if match:
        year = int(match[3])
        if len(match[3]) == 2:
            year += 2000
        return _ymd(year, int(match[2]), int(match[1]))
    match = _YEAR_FIRST.match(text)
    if match:
        return _ymd(int(match[1]), int(match[2]), int(match[3]))
    match = _NAMED_MONTH.match(text)
    if match:
        month = _month(match[2], locale)
        return _ymd(int(match[3]), month, int(match[1])) if month else None
    match = _YEAR_DAY_MONTH.match(text)
    if match:
        month = _month(match[3], locale)
        return _ymd(int(match[1]), month, int(match[2])) if month else None
    if _SERIAL_TEXT.match(text):
        return from_serial(float(text)).isoformat()
    if _THREE_NUMBERS.match(text):
        try:
            return babel_parse_date(text, locale=babel_locale(locale)).isoformat()
        except (ValueError, IndexError, LookupError):
            return None
    return None


def parse_date(value: Any, locale: str = "en") -> Any:
    """ISO date string for ``value``, or ``value`` unchanged when it is not a date.

    Accepts ``date``/``datetime`` objects (XLSX cells), Sheets serial numbers (int or
    float, as ``UNFORMATTED_VALUE`` reads return them), ISO dates (a time part is
    dropped), day-first dotted/slashed dates with 2- or 4-digit years, ``2025.03.12``,
    month names in any of the four languages (``12. marts 2025``, ``12 March 2025``,
    ``12. maaliskuuta 2025``) and other numeric forms of the locale via babel.
    Blank gives ``None``.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        if 1 <= value <= _MAX_SERIAL:
            return from_serial(value).isoformat()
        return value
    text = clean_line(value)
    if text is None or not isinstance(text, str):
        return text
    parsed = _parse_text(text, locale)
    return parsed if parsed is not None else text
