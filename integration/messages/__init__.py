"""Every text the project shows or writes, in every interface language: one catalog.

Dashboard labels (``ui.*``), audit-log actions (``action.*``), the sync's
status-cell texts (``sync.*``) and validation messages (``validation.*``) live in
one file per language next to this module (``en.json``, ``lv.json``, ...). A
language is the set of those files: adding one (say ``lt.json``) is adding its
texts, nothing else, and any text it lacks is shown in English. That is the one
fallback rule: the reader's locale, else English.

The words people *type* (header aliases, enum labels, country names) are parsing
data and stay in :mod:`integration.vocabulary`; this catalog holds only what the
project says.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from babel import Locale, UnknownLocaleError

#: The language every text exists in, and the one any missing text falls back to.
FALLBACK = "en"


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """``{"ui": {"sign_in": "Sign in"}}`` -> ``{"ui.sign_in": "Sign in"}``."""
    out: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = str(value)
    return out


def load_catalog(files: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Parse ``{locale: JSON text}`` into ``{locale: {dotted key: text}}`` (English first)."""
    if FALLBACK not in files:
        raise ValueError(f"the message catalog needs {FALLBACK}.json: every text falls back to it")
    order = [FALLBACK, *sorted(locale for locale in files if locale != FALLBACK)]
    return {locale: _flatten(json.loads(files[locale])) for locale in order}


def read_catalog(folder: Traversable) -> dict[str, dict[str, str]]:
    """The catalog in ``folder``: one ``<locale>.json`` per language."""
    files = {
        entry.name.removesuffix(".json"): entry.read_text("utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    }
    return load_catalog(files)


@cache
def catalog() -> dict[str, dict[str, str]]:
    """The shipped catalog, read once from the ``*.json`` files of this package."""
    return read_catalog(resources.files(__package__))


class _Keep(dict):
    """Leaves an unfilled placeholder visible instead of raising: a message is never lost."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def lookup(
    key: str, locale: str, texts: Mapping[str, Mapping[str, str]] | None = None
) -> str | None:
    """The raw text for ``key``: the locale's own, else English, else ``None``."""
    texts = catalog() if texts is None else texts
    own = texts.get(locale, {}).get(key)
    return own if own else texts[FALLBACK].get(key)


#: CLDR plural categories: a text whose entry maps these to texts has plural forms.
PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})


def known(key: str) -> bool:
    """Whether the catalog has ``key`` (every key exists in English)."""
    english = catalog()[FALLBACK]
    return key in english or f"{key}.other" in english


@cache
def plural_texts() -> frozenset[str]:
    """The texts with plural forms: entries of the English catalog whose keys are
    all CLDR categories (``{"one": ..., "other": ...}``). An entry of words that
    merely has an ``other`` among them (the event kinds: ``b2b_forum``, ...,
    ``other``) is a table of words, not a plural text."""
    children: dict[str, set[str]] = {}
    for key in catalog()[FALLBACK]:
        head, _, last = key.rpartition(".")
        children.setdefault(head, set()).add(last)
    return frozenset(
        head for head, lasts in children.items() if "other" in lasts and lasts <= PLURAL_CATEGORIES
    )


def plural_category(locale: str, count: Any) -> str:
    """The CLDR plural category of ``count`` in ``locale`` (Babel's rules):
    Latvian 1 and 21 are ``one``, 0 and 11 ``zero``, 2 and 5 ``other``."""
    try:
        return Locale.parse(locale).plural_form(abs(count))
    except (TypeError, ValueError, UnknownLocaleError):
        return "other"


def _plural(key: str, locale: str, count: Any) -> str | None:
    """The form of plural text ``key`` for ``count``: the locale's own form, else
    the locale's ``other``, else English's form for ``count``."""
    texts = catalog()
    own = texts.get(locale, {})
    form = own.get(f"{key}.{plural_category(locale, count)}") or own.get(f"{key}.other")
    if form:
        return form
    english = texts[FALLBACK]
    return english.get(f"{key}.{plural_category(FALLBACK, count)}") or english.get(f"{key}.other")


def text(key: str, locale: str = FALLBACK, /, **params: Any) -> str:
    """The text for ``key`` (e.g. ``"sync.merged"``) in ``locale``, filled with ``params``.

    A text with plural forms (an entry of CLDR categories, ``{"one": ..., "other":
    ...}``) takes the form Babel's plural rules give ``params["count"]``.
    Raises :class:`KeyError` for a key that is not in the catalog at all: a typo
    in a key is a bug to find in tests, not a blank on a page.
    """
    template = lookup(key, locale)
    if template is None and key in plural_texts():
        template = _plural(key, locale, params.get("count", 0))
    if template is None:
        raise KeyError(f"no message {key!r} in the catalog")
    return template.format_map(_Keep(params))


def _language(locale: str, field: str) -> str | None:
    return catalog()[locale].get(f"language.{field}")


#: Interface languages, English first.
LOCALES: tuple[str, ...] = tuple(catalog())

#: Each language's name in itself, for the language chooser.
LOCALE_NAMES: dict[str, str] = {loc: _language(loc, "name") or loc for loc in LOCALES}

#: Babel locale for numbers and money per language (the language itself when unset).
NUMBER_FORMATS: dict[str, str] = {loc: _language(loc, "number_format") or loc for loc in LOCALES}


def zone_name(zone: str, locale: str) -> str:
    """A time zone as a reader of ``locale`` calls it, not its tz id:
    ``Europe/Riga`` is "Austrumeiropas laiks (Rīga)" in Latvian (Babel's names)."""
    # deferred: babel.dates (~0.2 s, its time zone data) loads only when a zone is named
    from babel.dates import get_timezone, get_timezone_location, get_timezone_name

    babel_locale = NUMBER_FORMATS.get(locale, locale)
    name = get_timezone_name(get_timezone(zone), locale=babel_locale)
    city = get_timezone_location(zone, locale=babel_locale, return_city=True)
    return f"{name} ({city})"
