"""Spreadsheet locales: how numbers and dates are typed and shown.

Google parses USER_ENTERED text and formats FORMATTED_VALUE output by the
spreadsheet's ``locale`` property.  The emulator knows the conventions of the
locales this project's partners use (and falls back to en_US for others):
decimal and grouping separators, the order of day and month in a typed date,
and the currency symbol and where it goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache


@dataclass(frozen=True)
class Conventions:
    decimal: str = "."
    groups: str = ","  # separators accepted between thousands when typing
    group_out: str = ","  # separator used when showing grouped numbers
    day_first: bool = False  # 12.03.2025 / 12/03/2025 is 12 March
    date_sep: str = "/"
    date_pattern: str = "M/d/yyyy"
    currency: str = "$"
    currency_after: bool = False  # "1 234,50 €" rather than "$1,234.50"
    number_re: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        group = "[" + re.escape(self.groups) + "]"
        dec = re.escape(self.decimal)
        pattern = rf"^[+-]?(?:\d{{1,3}}(?:{group}\d{{3}})+|\d+)?(?:{dec}\d+)?(?:[eE][+-]?\d+)?$"
        object.__setattr__(self, "number_re", re.compile(pattern))

    def to_float(self, text: str) -> float:
        cleaned = "".join(ch for ch in text if ch not in self.groups)
        return float(cleaned.replace(self.decimal, "."))


_NBSP = "\u00a0\u202f"
EN_US = Conventions()
_COMMA_SPACE = Conventions(
    decimal=",",
    groups=" " + _NBSP,
    group_out="\u00a0",
    day_first=True,
    date_sep=".",
    currency="€",
    currency_after=True,
)
TABLE: dict[str, Conventions] = {
    "en_US": EN_US,
    "en_GB": Conventions(day_first=True, date_pattern="dd/MM/yyyy", currency="£"),
    "lv_LV": replace(_COMMA_SPACE, date_pattern="dd.MM.yyyy"),
    "lv": replace(_COMMA_SPACE, date_pattern="dd.MM.yyyy"),
    "et_EE": replace(_COMMA_SPACE, date_pattern="dd.MM.yyyy"),
    "et": replace(_COMMA_SPACE, date_pattern="dd.MM.yyyy"),
    "fi_FI": replace(_COMMA_SPACE, date_pattern="d.M.yyyy"),
    "fi": replace(_COMMA_SPACE, date_pattern="d.M.yyyy"),
    "az_AZ": replace(_COMMA_SPACE, currency="₼", date_pattern="dd.MM.yyyy"),
    "ru_RU": replace(_COMMA_SPACE, currency="₽", date_pattern="dd.MM.yyyy"),
    "de_DE": Conventions(
        decimal=",",
        groups=".",
        group_out=".",
        day_first=True,
        date_sep=".",
        date_pattern="dd.MM.yyyy",
        currency="€",
        currency_after=True,
    ),
}


@lru_cache(maxsize=64)
def conventions(locale: str | None) -> Conventions:
    """Conventions of a locale such as ``lv_LV`` (unknown locales behave as en_US)."""
    if not locale:
        return EN_US
    return TABLE.get(locale) or TABLE.get(locale.split("_")[0]) or EN_US
