"""Money as people type it (``1 234,50 €``, ``1234.50``, ``EUR 1,234.50``) to a number
and an optional currency code."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any

from babel.numbers import get_decimal_symbol

from integration.normalise.enums import enum_table
from integration.normalise.locales import babel_locale
from integration.normalise.text import clean_line
from integration.vocabulary import fold

_SPLIT = re.compile(r"^(?P<pre>[^\d+\-]*?)\s*(?P<num>[+\-]?\s*\d[\d\s.,'’]*)\s*(?P<post>.*?)$")
_GROUP_SPACES = re.compile(r"[\s'’]")


@cache
def decimal_symbol(locale: str) -> str:
    """The decimal separator of ``locale`` according to babel (``,`` for lv/et/fi)."""
    return get_decimal_symbol(babel_locale(locale))


def _number(text: str, locale: str) -> Decimal | None:
    """Parse digits with any mix of group and decimal separators.

    Both ``,`` and ``.`` present: the last one is the decimal separator. Only one kind:
    repeated means grouping; a single one is decimal when it is the locale's decimal
    symbol, else grouping if exactly three digits follow (``1,234`` in English).
    """
    text = _GROUP_SPACES.sub("", text)
    sign = ""
    if text[:1] in "+-":
        sign, text = text[0].replace("+", ""), text[1:]
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        group = "." if decimal == "," else ","
        if text.count(decimal) > 1:
            return None
        text = text.replace(group, "").replace(decimal, ".")
    elif commas or dots:
        sep = "," if commas else "."
        head, _, tail = text.rpartition(sep)
        if text.count(sep) > 1:
            if len(tail) != 3:
                return None
            text = text.replace(sep, "")
        elif sep != decimal_symbol(locale) and len(tail) == 3 and head:
            text = head + tail
        else:
            text = text.replace(sep, ".")
    try:
        return Decimal(sign + text)
    except InvalidOperation:
        return None


def _plain(number: Decimal) -> int | float:
    """A JSON-friendly number: ``int`` when whole, else ``float``."""
    return int(number) if number == number.to_integral_value() else float(number)


def parse_currency(value: Any) -> Any:
    """ISO 4217 code for a code, symbol or word (``€``, ``eiro``, ``euroa``), else unchanged."""
    text = clean_line(value)
    if not isinstance(text, str):
        return text
    table = enum_table("agreement", "currency")
    found = table.get(fold(text))
    if found is None:
        found = table.get(text)
    return text if found is None else found


@lru_cache(maxsize=8192)
def _parse_text(text: str, locale: str) -> tuple[Any, str | None] | None:
    match = _SPLIT.match(text)
    if not match:
        return None
    pre, post = match["pre"].strip(), match["post"].strip()
    if pre and post:
        return None
    currency = None
    if pre or post:
        currency = parse_currency(pre or post)
        if currency not in enum_table("agreement", "currency").values():
            return None
    number = _number(match["num"].strip(), locale)
    if number is None:
        return None
    return _plain(number), currency


def parse_amount(value: Any, locale: str = "en") -> tuple[Any, str | None]:
    """``(number, currency code or None)`` for an amount cell.

    Text that is not an amount comes back unchanged as the first item (with no
    currency) so the validator reports it; blank gives ``(None, None)``.
    """
    if value is None:
        return None, None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int | float):
        # NaN and infinity are not amounts (and not JSON): keep them visible as text.
        return (value, None) if math.isfinite(value) else (str(value), None)
    if isinstance(value, Decimal):
        return (_plain(value), None) if value.is_finite() else (str(value), None)
    text = clean_line(value)
    if not isinstance(text, str):
        return text, None
    parsed = _parse_text(text, locale)
    return (text, None) if parsed is None else parsed
