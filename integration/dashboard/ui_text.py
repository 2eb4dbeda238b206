"""Dashboard wording: interface texts from the message catalog, record words from the vocabulary.

Interface labels and audit-log actions are the ``ui.*`` and ``action.*`` entries of
:mod:`integration.messages` (the reader's language, else English). Field names and
enum values (sectors, stages, statuses) come from the project vocabulary
(:mod:`integration.vocabulary`), the same words partners use in their sheets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integration import messages
from integration.vocabulary import country_name, field_label, value_word


def label(key: str, locale: str = "en", /, **params: Any) -> str:
    """The interface text for ``key`` in ``locale``, its ``{placeholders}`` filled
    from ``params``; an unknown key reads as itself, humanised."""
    name = "ui." + key
    if not messages.known(name):
        return key.replace("_", " ").capitalize()
    return messages.text(name, locale, **params)


#: Fields that are no sheet column (so the vocabulary has no header for them)
#: but have an interface word: the owning chamber.
CATALOG_FIELDS = frozenset({"partner"})


def field_name(kind: str, field: str, locale: str = "en") -> str:
    """A field's name for staff: the header partners use in their sheet
    (:func:`integration.vocabulary.field_label`), else the interface's word."""
    if field in CATALOG_FIELDS:
        return label(field, locale)
    return field_label(kind, field, locale)


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


def _word(group: str, code: str | None, locale: str) -> str:
    """``group.code`` from the catalog; an unknown code is shown as itself, readable."""
    if not code:
        return ""
    name = f"{group}.{code}"
    return messages.text(name, locale) if messages.known(name) else code.replace("_", " ")


def trigger_label(trigger: str | None, locale: str = "en") -> str:
    """Why a sync ran (``SyncRun.trigger``: nightly, drive-push, ...) in the reader's words."""
    return _word("trigger", trigger, locale)


def outcome_label(outcome: str | None, locale: str = "en") -> str:
    """How a sync ended (``SyncRun.outcome``: completed, aborted, ...) in the reader's words."""
    return _word("outcome", outcome, locale)


def channel_label(what: str, code: str | None, locale: str = "en") -> str:
    """A Drive push channel's ``status`` or an ``event`` kind in the reader's words."""
    return _word(f"channel.{what}", code, locale)


def source_label(
    source: str | None, locale: str = "en", countries: Mapping[str, str] | None = None
) -> str:
    """Where a change came from (an audit or quarantine ``source``: ``sheet:lv``,
    ``webhook:ee``, ``api``, ``dashboard``) in the reader's words: ``sheet:lv``
    reads "Tabula (Latvija)" in Latvian. ``countries`` maps a partner code to its
    country code, so the partner is named by its country in ``locale``."""
    if not source:
        return ""
    channel, _, partner = source.partition(":")
    name = f"source.{channel}"
    if not messages.known(name):
        return source
    country = (countries or {}).get(partner, partner.upper())
    return messages.text(name, locale, partner=country_name(country, locale) if partner else "")
