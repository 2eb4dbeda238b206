"""Validation of candidate records: JSON Schema plus the rules a schema cannot express.

``validate_record`` (schema, formats, per-country registration codes) lives in
:mod:`integration.validation.records`; cross-record rules (parties, duplicates) in
:mod:`integration.validation.cross_rules`. Both report
:class:`~integration.issues.ValidationIssue`, which lives outside this package so
the normalisers can report problems without importing the validators.
"""

from __future__ import annotations

from integration.issues import ValidationIssue, issue, message_for
from integration.validation.records import check_row, validate_record, validator_for

__all__ = [
    "ValidationIssue",
    "check_row",
    "issue",
    "message_for",
    "validate_record",
    "validator_for",
]
