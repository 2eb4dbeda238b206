"""The words people type, loaded once from ``integration/data/vocabulary.json``.

Header aliases, country names, enum labels, boolean words and message templates
live in that one data file so a partner's new spelling is a data change, not a
code change. This module only loads it and builds the folded look-up tables.

It is a leaf (it imports nothing from ``integration``): the normalisers, the
validators, the sync mapping and the dashboard all read it, so none of them has
to import another to find a word.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from schemas import load_schema

_NOT_ALNUM = re.compile(r"[\W_]+")
# Letters that Unicode does not decompose into a base letter plus an accent, but
# that people replace with a plain letter when their keyboard lacks them.
PLAIN_LETTERS = str.maketrans(
    {"ə": "e", "ı": "i", "ø": "o", "æ": "ae", "ß": "ss", "ł": "l", "đ": "d"}
)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Reduce ``text`` to a matching key: no accents, no case, no spaces or punctuation.

    ``"Uzņēmuma  nosaukums"``, ``"uznemuma-nosaukums"`` and ``"UZNEMUMA NOSAUKUMS"``
    all fold to ``"uznemumanosaukums"``, so staff can type headers and labels the way
    they like. Cached because the same few hundred strings recur in every sheet.
    """
    return _NOT_ALNUM.sub("", plain_text(text))


def plain_text(text: str) -> str:
    """``text`` case-folded and without accents (``Azərbaycan`` -> ``azerbaycan``)."""
    if text.isascii():
        # nothing to decompose or replace (most company names and e-mails): the
        # same result without the per-character pass
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.translate(PLAIN_LETTERS)


@cache
def vocabulary() -> dict[str, Any]:
    """The parsed vocabulary file (cached; treat as read-only)."""
    text = resources.files("integration").joinpath("data/vocabulary.json").read_text("utf-8")
    return json.loads(text)


def _invert(table: dict[str, dict[str, list[str]]], what: str) -> dict[str, str]:
    """Map every folded word of ``table`` (value -> locale -> words) to its value.

    A word that would mean two different values is a data error: fail loudly at
    load time rather than guess at run time.
    """
    out: dict[str, str] = {}
    for value, per_locale in table.items():
        for words in [[value], *per_locale.values()]:
            for word in words:
                # Symbols (€, $, ✓) fold to nothing: keep those verbatim.
                key = fold(word) or word
                other = out.get(key)
                if other is not None and other != value:
                    raise ValueError(
                        f"vocabulary {what}: {word!r} means both {other!r} and {value!r}"
                    )
                out[key] = value
    return out


@cache
def header_table(kind: str) -> dict[str, str]:
    """Folded header alias -> field name for ``kind`` (lead, agreement), incl. service columns."""
    headers = vocabulary()["headers"]
    if kind not in ("lead", "agreement"):
        raise KeyError(f"unknown record kind {kind!r}")
    table = {**headers[kind], **headers["service"]}
    return _invert(table, f"headers.{kind}")


@cache
def country_table() -> dict[str, str]:
    """Folded country name (en/lv/et/fi/az) or code -> ISO 3166-1 alpha-2 code."""
    return _invert(vocabulary()["countries"], "countries")


@cache
def label_table(name: str) -> dict[str, str]:
    """Folded label -> enum value for a label group (sector, stage, status, ...)."""
    return _invert(vocabulary()["labels"][name], f"labels.{name}")


@cache
def boolean_table() -> dict[str, bool]:
    """Folded yes/no word in any of the four languages -> bool."""
    words = vocabulary()["booleans"]
    out: dict[str, bool] = {}
    for value, flag in (("true", True), ("false", False)):
        for per_locale in words[value].values():
            for word in per_locale:
                if fold(word):
                    out[fold(word)] = flag
    # Symbols fold to "" (punctuation is dropped), so keep them verbatim too.
    for value, flag in (("true", True), ("false", False)):
        for per_locale in words[value].values():
            for word in per_locale:
                if not fold(word):
                    out[word] = flag
    return out


def first_word(per_locale: dict[str, list[str]] | None, locale: str) -> str | None:
    """The first word ``locale`` uses (else English's), to show a value back to a reader."""
    per_locale = per_locale or {}
    words = per_locale.get(locale) or per_locale.get("en")
    return words[0] if words else None


def first_countries() -> tuple[str, ...]:
    """The countries a list of countries names first: the project's target country,
    then the partner chambers' (``countries_first`` in the vocabulary file)."""
    return tuple(vocabulary().get("countries_first", ()))


def country_name(code: str | None, locale: str = "en") -> str:
    """A country's name in ``locale`` (``LV`` -> ``Latvija``); the code itself when unknown."""
    if not code:
        return ""
    return first_word(vocabulary()["countries"].get(code.upper()), locale) or code


def field_label(kind: str, field: str, locale: str = "en") -> str:
    """How a partner in ``locale`` names ``field``: the first header alias,
    else the schema's title, else the field name made readable ("erased_at"
    -> "Erased at", for the store's own columns the dashboard shows)."""
    headers = vocabulary()["headers"]
    per_kind = headers.get(kind, {})
    aliases = (
        per_kind.get(field)
        or per_kind.get(field.removesuffix("_id"))
        or headers["service"].get(field)
    )
    readable = field.replace("_", " ").capitalize()
    if not aliases:
        if kind in ("lead", "agreement"):
            return load_schema(kind)["properties"].get(field, {}).get("title", readable)
        return readable
    return first_word(aliases, locale) or readable


def value_word(field: str, value: object, locale: str = "en") -> str:
    """An enum value (sector, stage, status, ...) in the reader's words."""
    if value is None or value == "":
        return ""
    per_value = vocabulary().get("labels", {}).get(field, {}).get(str(value))
    return first_word(per_value, locale) or str(value).replace("_", " ")
