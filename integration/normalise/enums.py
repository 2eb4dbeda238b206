"""Enum labels as people write them (``IKT``, ``Zaļās tehnoloģijas``, ``Allekirjoitettu``,
``Latvija``, ``Suomi``) turned into the schema's enum values, and partners as staff
name them (``Latvija``, ``LT``) turned into partner codes.

The allowed values come from the schemas; the words for them from the vocabulary
file. Nothing here restates an enum.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from integration.normalise.text import clean_line
from integration.vocabulary import country_table, fold, vocabulary
from schemas import load_schema


def enum_values(kind: str, field: str) -> tuple[str, ...]:
    """The schema's allowed values for ``field`` of ``kind`` (empty if it has no enum)."""
    prop = load_schema(kind)["properties"].get(field, {})
    return tuple(prop.get("enum", ()))


@cache
def enum_table(kind: str, field: str) -> dict[str, str]:
    """Folded word -> enum value for one field: the values themselves plus every label.

    Labels whose value the schema does not allow are a data error and raise, so the
    vocabulary can never smuggle in a value the schema would reject.
    """
    allowed = enum_values(kind, field)
    if not allowed:
        raise KeyError(f"{kind}.{field} has no enum in the schema")
    table: dict[str, str] = {}
    if field == "country":
        words = country_table()
    else:
        words = {}
        group = vocabulary()["labels"].get(field, {})
        for value, per_locale in group.items():
            for labels in per_locale.values():
                for label in labels:
                    words[fold(label) or label] = value
    for key, value in words.items():
        if value not in allowed:
            raise ValueError(
                f"vocabulary maps {key!r} to {value!r}, not allowed for {kind}.{field}"
            )
        table[key] = value
    for value in allowed:
        table[fold(value)] = value
    return table


def parse_enum(kind: str, field: str, value: Any) -> Any:
    """The enum value ``value`` stands for, ``None`` for blank, else ``value`` unchanged."""
    text = clean_line(value)
    if not isinstance(text, str):
        return text
    table = enum_table(kind, field)
    found = table.get(fold(text))
    if found is None:
        found = table.get(text)
    return text if found is None else found


def parse_partner_code(value: Any) -> Any:
    """A partner as staff name it: its code (``LV``, ``lt``) or its country's name in
    any language (``Latvija``, ``Lithuania``) -> the lower-case code; anything else
    unchanged. Which codes exist is the partners file's to say, so the validator
    (given the configured codes) reports a code no partner has."""
    text = clean_line(value)
    if not isinstance(text, str):
        return text
    key = fold(text)
    country = country_table().get(key)
    if country is not None:
        return country.lower()
    return key if len(key) == 2 and key.isalpha() and key.isascii() else text


def parse_country(value: Any) -> Any:
    """ISO 3166-1 alpha-2 code for a code or a country name in en/lv/et/fi/az."""
    return parse_enum("lead", "country", value)


@cache
def localized_labels(field: str, locale: str) -> dict[str, str]:
    """Enum value -> the first label a partner in ``locale`` would type (for messages)."""
    group = vocabulary()["labels"].get(field, {})
    out: dict[str, str] = {}
    for value, per_locale in group.items():
        words = per_locale.get(locale) or per_locale.get("en") or [value]
        out[value] = words[0]
    return out
