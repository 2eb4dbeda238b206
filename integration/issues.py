"""One shape for every problem found in a record, with messages in the partner's language.

Schema errors, normalisation problems and cross-record rules all become a
:class:`ValidationIssue` ``{field, code, message}``, so the sheet status cell, the
API, the quarantine table and the ``validate`` command show them the same way.
The normalisers report problems too, so this module sits below both
:mod:`integration.normalise` and :mod:`integration.validation`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from integration import messages

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
)


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """A problem with one field of one record (``field`` is ``""`` for whole-record issues)."""

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """JSON-ready ``{"field", "code", "message"}``."""
        return asdict(self)


def _short(value: Any, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message_for(code: str, locale: str = "en", /, **params: Any) -> str:
    """The message for ``code`` in ``locale`` (falling back to English), filled with ``params``.

    An unknown code reads as the generic ``invalid`` message; ``value`` is shortened
    so a pasted paragraph does not flood a status cell.
    """
    key = "validation." + code
    if "value" in params:
        params["value"] = _short(params["value"])
    return messages.text(key if messages.known(key) else "validation.invalid", locale, **params)


def issue(code: str, field: str, locale: str = "en", /, **params: Any) -> ValidationIssue:
    """Build a :class:`ValidationIssue` whose message comes from :func:`message_for`.

    ``params`` fill the template; ``field`` there is the label the reader knows
    (e.g. "Uzņēmums"), while the positional ``field`` is the record's field name.
    """
    return ValidationIssue(field=field, code=code, message=message_for(code, locale, **params))
