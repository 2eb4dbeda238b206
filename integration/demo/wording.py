"""How the demo's partner sheets write things: each partner's own words and formats.

The words (headers, labels, country names, "yes") are the first alias in
``integration/data/vocabulary.json``, the same file the sync reads them back
with, so a generated sheet is one the sync understands; the date and amount
formats are the ones the chambers' staff type (``12.03.2025``, ``12 500,00 €``).
Pure functions, no I/O.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from integration.vocabulary import first_word, vocabulary


def _first(per_locale: dict[str, list[str]], locale: str) -> str:
    """The first word of ``locale``, else of English (a language without words of its own)."""
    word = first_word(per_locale, locale)
    if word is None:
        raise KeyError(f"no {locale} or English word in {per_locale!r}")
    return word


# -- vocabulary (the words live in vocabulary.json; this only picks them) -------
def header(kind: str, field_name: str, locale: str) -> str:
    """The first header alias of ``field_name`` in ``locale`` (else English's)."""
    return _first(vocabulary()["headers"][kind][field_name], locale)


def label(field_name: str, value: str, locale: str) -> str:
    """The first label of an enum ``value`` in ``locale`` (e.g. sector ``ict`` -> ``IKT``)."""
    return _first(vocabulary()["labels"][field_name][value], locale)


def country_name(code: str, locale: str) -> str:
    return _first(vocabulary()["countries"][code], locale)


def yes(locale: str) -> str:
    return _first(vocabulary()["booleans"]["true"], locale)


# -- formats -------------------------------------------------------------------
def local_date(day: date, locale: str) -> str:
    """``12.03.2025`` (Latvian, Estonian) or ``12.3.2025`` (Finnish)."""
    if locale == "fi":
        return f"{day.day}.{day.month}.{day.year}"
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def local_amount(value: float, locale: str) -> str:
    """``12 500,00 €``: space as the group separator, comma as the decimal one."""
    whole, cents = f"{value:.2f}".split(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{' '.join(groups)},{cents} €"


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = plain.replace("ı", "i").replace("ə", "e")
    return "".join(ch if ch.isalnum() else "-" for ch in plain).strip("-").replace("--", "-")
