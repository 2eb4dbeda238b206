"""Validation of candidate records: JSON Schema plus the rules a schema cannot express.

``validate_record`` (schema, formats, per-country registration codes) lives in
:mod:`integration.validation.records`; cross-record rules (parties, duplicates) in
:mod:`integration.validation.cross_rules`. Both report :class:`ValidationIssue`.
"""

from __future__ import annotations

from typing import Any

from integration.validation.errors import ValidationIssue, issue, message_for

__all__ = [
    "ValidationIssue",
    "check_row",
    "issue",
    "message_for",
    "validate_record",
    "validator_for",
]

_LAZY = {"validate_record", "validator_for", "check_row"}


def __getattr__(name: str) -> Any:
    # Imported lazily: records imports the normalisers, which import errors from
    # this package, so an eager import here would be circular.
    if name in _LAZY:
        from integration.validation import records

        return getattr(records, name)
    raise AttributeError(name)
