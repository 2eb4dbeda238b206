"""Dashboard wording: interface texts from the message catalog, record words from the vocabulary.

Interface labels and audit-log actions are the ``ui.*`` and ``action.*`` entries of
:mod:`integration.messages` (the reader's language, else English). Field names and
enum values (sectors, stages, statuses) come from the project vocabulary
(:mod:`integration.vocabulary`), the same words partners use in their sheets.
"""

from __future__ import annotations

from typing import Any

from integration import messages
from integration.vocabulary import country_name, value_word


def label(key: str, locale: str = "en", /, **params: Any) -> str:
    """The interface text for ``key`` in ``locale``, its ``{placeholders}`` filled
    from ``params``; an unknown key reads as itself, humanised."""
    name = "ui." + key
    if not messages.known(name):
        return key.replace("_", " ").capitalize()
    return messages.text(name, locale, **params)


def action_label(action: str, locale: str = "en") -> str:
    """An audit-log action (``AuditEntry.action``) in the reader's words."""
    name = "action." + action
    return messages.text(name, locale) if messages.known(name) else action


def value_label(field: str, value: Any, locale: str = "en") -> str:
    """An enum value (sector, stage, status, ...) in the reader's words."""
    return value_word(field, value, locale)


def country_label(code: str | None, locale: str = "en") -> str:
    """A country's name in ``locale`` (the code itself when unknown)."""
    return country_name(code, locale)
