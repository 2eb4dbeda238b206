"""One shape for every problem found in a record: data, rendered where it is read.

Schema errors, normalisation problems, cross-record rules and the sync's own row
problems all become a :class:`ValidationIssue` ``{field, code, params}``: what is
wrong, with which value, never the sentence itself. The sentence is made by
:func:`render` from the message catalog when a reader sees it, in the reader's
language: the sheet status cell in the partner's, the dashboard and the API in
the viewer's. That is why a quarantine entry stores the data, not the text: one
entry reads in English for an admin and in Latvian for the LV chamber.

Parameters are language-free: field *names* (``key``), enum *values*
(``allowed``), country *codes* (``country``), type *names* (``expected``); their
words are chosen at render time. The normalisers report problems too, so this
module sits below both :mod:`integration.normalise` and
:mod:`integration.validation`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as data_field
from functools import lru_cache
from typing import Any

from integration import messages
from integration.vocabulary import country_name, field_label, first_countries, vocabulary
from schemas import load_schema

#: Codes used across the project (each has a ``validation.<code>`` text in the message catalog).
CODES = (
    "required",
    "format",
    "enum",
    "registration_code",
    "email",
    "phone",
    "date",
    "uri",
    "type",
    "minimum",
    "too_long",
    "unknown_field",
    "duplicate",
    "reference",
    "party",
    "same_firm",
    "same_country",
    "signed_date",
    "invalid",
    "erased",
    "choice",
)

#: How many allowed values a message lists before it shortens the list.
_ENUM_SHOWN = 10


@dataclass(frozen=True, slots=True, eq=True)
class ValidationIssue:
    """A problem with one field of one record (``field`` is ``""`` for whole-record issues).

    ``template`` is the catalog key of the sentence (``validation.<code>`` when
    empty); ``kind`` (lead, agreement) names the fields; ``locale`` is the
    language :attr:`message` speaks, the one its first reader (the partner whose
    row it is) reads.
    """

    field: str
    code: str
    params: Mapping[str, Any] = data_field(default_factory=dict)
    kind: str = ""
    locale: str = messages.FALLBACK
    template: str = ""

    @property
    def message(self) -> str:
        """The sentence in :attr:`locale`."""
        return self.text(self.locale)

    def text(self, locale: str) -> str:
        """The sentence in ``locale``."""
        return render(self.as_data(), locale, self.kind)

    def as_data(self) -> dict[str, Any]:
        """What is stored: ``{"field", "code", "params"}`` (and ``template`` when it is
        not ``validation.<code>``), JSON-ready and free of any language."""
        out: dict[str, Any] = {"field": self.field, "code": self.code, "params": dict(self.params)}
        if self.template:
            out["template"] = self.template
        return out

    def as_dict(self) -> dict[str, Any]:
        """:meth:`as_data` plus ``message`` in :attr:`locale` (for one-reader output)."""
        return {**self.as_data(), "message": self.message}

    def as_entry(self) -> dict[str, Any]:
        """``{"field", "code", "message"}`` in :attr:`locale`: an entry of an API
        problem's ``errors``, a shape clients read as it is (no ``params``)."""
        return {"field": self.field, "code": self.code, "message": self.message}


def _short(value: Any, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _stored(value: Any) -> Any:
    """A parameter as kept: JSON scalars as they are, anything else as short text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    return _short(value)


def issue(
    code: str,
    field: str,
    locale: str = messages.FALLBACK,
    /,
    *,
    kind: str = "",
    template: str = "",
    **params: Any,
) -> ValidationIssue:
    """Build a :class:`ValidationIssue` for ``field`` of a ``kind`` record.

    ``params`` are language-free (see the module docstring); a pasted paragraph in
    ``value`` is shortened so it does not flood a status cell.
    """
    kept = {name: _stored(value) for name, value in params.items()}
    return ValidationIssue(
        field=field, code=code, params=kept, kind=kind, locale=locale, template=template
    )


def duplicate_problem(other_id: str, owner: str) -> dict[str, Any]:
    """Input that matches the firm ``other_id`` of partner ``owner``, as stored
    data: the same problem for a sheet row, a form and an API body ("Duplicate
    of L-000123 (EE)" in each reader's language)."""
    return issue(
        "duplicate", "", kind="lead", template="sync.duplicate", id=other_id, partner=owner
    ).as_data()


def template_of(error: Mapping[str, Any]) -> str:
    """The catalog key of a stored problem's sentence (``validation.invalid`` when unknown)."""
    key = str(error.get("template") or f"validation.{error.get('code', '')}")
    return key if messages.known(key) else "validation.invalid"


def shortened_allowed(values: list[Any]) -> list[str]:
    """The allowed values a message lists: all of a short enum; of a long one (the
    countries) the project's own first, then the list is marked as cut."""
    if len(values) <= _ENUM_SHOWN:
        return [str(v) for v in values]
    shown = [v for v in first_countries() if v in values] or [str(v) for v in values[:5]]
    return [*shown, "…"]


def allowed_words(field: str, values: list[Any], locale: str) -> str:
    """The allowed values as a reader in ``locale`` would type them."""
    group = vocabulary()["labels"].get(field, {})

    def word(value: str) -> str:
        if value == "…" or field != "country":
            return _first(group.get(value), locale) or value
        return country_name(value, locale)

    return ", ".join(word(str(v)) for v in values)


def _first(per_locale: Mapping[str, list[str]] | None, locale: str) -> str | None:
    per_locale = per_locale or {}
    words = per_locale.get(locale) or per_locale.get(messages.FALLBACK)
    return words[0] if words else None


@lru_cache(maxsize=1024)
def _label(kind: str, name: str, locale: str) -> str:
    """A field's name in ``locale``; a name that is no field of ``kind`` reads as typed."""
    if kind not in ("lead", "agreement") or name not in load_schema(kind)["properties"]:
        return name
    return field_label(kind, name, locale)


def shown_params(params: Mapping[str, Any], field: str, kind: str, locale: str) -> dict[str, Any]:
    """The words a sentence is filled with in ``locale``: labels for field names,
    enum values and countries, the type's name, the partner's code in capitals."""
    out: dict[str, Any] = {name: value for name, value in params.items()}
    out["field"] = _label(kind, str(params.get("field", field)), locale)
    if "key" in params:
        out["key"] = _label(kind or "lead", str(params["key"]), locale)
    if isinstance(params.get("allowed"), list):
        out["allowed"] = allowed_words(field, params["allowed"], locale)
    if "expected" in params:
        name = f"type.{params['expected']}"
        out["expected"] = (
            messages.text(name, locale) if messages.known(name) else params["expected"]
        )
    if "country" in params:
        out["country"] = country_name(str(params["country"]), locale)
    if "partner" in params:
        out["partner"] = str(params["partner"]).upper()
    if "value" in params:
        out["value"] = _short(params["value"])
    return out


def render(error: Mapping[str, Any], locale: str, kind: str = "") -> str:
    """A stored problem ``{field, code, params}`` as a sentence in ``locale``.

    An entry stored before problems were data (no ``params``) keeps the text it
    was stored with: ``messages[locale]`` where it has one, else ``message``.
    """
    params = error.get("params")
    if not isinstance(params, Mapping):
        texts = error.get("messages") or {}
        return str(texts.get(locale) or error.get("message") or error.get("code") or "")
    field = str(error.get("field") or "")
    return messages.text(template_of(error), locale, **shown_params(params, field, kind, locale))


def rendered(errors: list[Mapping[str, Any]], locale: str, kind: str = "") -> list[dict[str, Any]]:
    """Stored problems with their sentence in ``locale`` added as ``message``."""
    return [{**error, "message": render(error, locale, kind)} for error in errors or []]


def message_for(code: str, locale: str = messages.FALLBACK, /, **params: Any) -> str:
    """The sentence for ``code`` in ``locale`` with ``params`` already in words.

    For texts that are never stored (the ``validate`` command's own lines); a
    stored problem is a :class:`ValidationIssue` rendered by :func:`render`.
    """
    key = "validation." + code
    if "value" in params:
        params["value"] = _short(params["value"])
    return messages.text(key if messages.known(key) else "validation.invalid", locale, **params)


def for_readers(
    errors: Sequence[Mapping[str, Any]] | None,
    kind: str,
    locale: str = messages.FALLBACK,
    partner_locale: str | None = None,
) -> list[dict[str, Any]]:
    """Stored problems as an answer gives them: the data, ``message`` in the reader's
    ``locale``, and ``messages`` by language (English, the partner's, the reader's)."""
    languages = list(dict.fromkeys([messages.FALLBACK, partner_locale or locale, locale]))
    out = []
    for error in errors or []:
        data = {k: v for k, v in error.items() if k not in ("message", "messages")}
        data["message"] = render(error, locale, kind)
        data["messages"] = {lang: render(error, lang, kind) for lang in languages}
        out.append(data)
    return out
