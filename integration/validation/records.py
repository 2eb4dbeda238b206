"""Validate one candidate record against its schema and report plain-language issues."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from jsonschema import ValidationError

from integration.issues import ValidationIssue, issue, shortened_allowed
from integration.normalise.record import PartyResolver, normalise_record
from integration.validation.validators import (
    REGISTRATION_CODE_KEYWORD,
    quick_check,
    validator_for,
)
from schemas import load_schema

#: Format name -> issue code (formats without an entry report ``format``).
FORMAT_CODES = {
    "email": "email",
    "phone": "phone",
    "date": "date",
    "date-time": "date",
    "registration-code": "registration_code",
    "uri": "uri",
}


@cache
def _field_order(kind: str) -> dict[str, int]:
    return {name: index for index, name in enumerate(load_schema(kind)["properties"])}


def _issues_from(
    error: ValidationError, kind: str, locale: str, seen: set[tuple[str, str]]
) -> list[ValidationIssue]:
    keyword = error.validator
    instance = error.instance
    if keyword == "required":
        record = instance if isinstance(instance, dict) else {}
        missing = [name for name in error.validator_value if name not in record]
        # Required by the schema's if/then (a signed agreement's date): say when.
        template = "required_if_signed" if "then" in error.schema_path else "required"
        found = []
        for name in missing:
            if ("required", name) not in seen:
                seen.add(("required", name))
                found.append(
                    issue(
                        "required",
                        name,
                        locale,
                        kind=kind,
                        template="" if template == "required" else f"validation.{template}",
                    )
                )
        return found
    if keyword == "additionalProperties":
        known = load_schema(kind)["properties"]
        return [
            issue("unknown_field", name, locale, kind=kind)
            for name in (instance if isinstance(instance, dict) else {})
            if name not in known
        ]
    field = str(error.path[0]) if error.path else ""
    if keyword == REGISTRATION_CODE_KEYWORD:
        # The keyword's error carries the whole record: the code and its country.
        record = instance if isinstance(instance, dict) else {}
        country = record.get(error.validator_value, "")
        value = record.get("registration_code", "")
        return [issue("registration_code", field, locale, kind=kind, value=value, country=country)]
    if keyword == "format":
        code = FORMAT_CODES.get(error.validator_value, "format")
        return [issue(code, field, locale, kind=kind, value=instance)]
    if keyword == "enum":
        allowed = shortened_allowed(list(error.validator_value))
        return [issue("enum", field, locale, kind=kind, value=instance, allowed=allowed)]
    if keyword == "type":
        expected_type = error.validator_value
        if isinstance(expected_type, list):
            expected_type = expected_type[0]
        return [issue("type", field, locale, kind=kind, value=instance, expected=expected_type)]
    if keyword in ("minimum", "exclusiveMinimum"):
        return [
            issue("minimum", field, locale, kind=kind, value=instance, limit=error.validator_value)
        ]
    if keyword == "maxLength":
        return [issue("too_long", field, locale, kind=kind, limit=error.validator_value)]
    if keyword == "minLength":
        # Empty text: "missing" for a required field, a malformed value otherwise.
        required = field in load_schema(kind).get("required", ())
        code = "required" if required else "format"
        return [issue(code, field, locale, kind=kind, value=instance)]
    if keyword in ("pattern", "const"):
        return [issue("format", field, locale, kind=kind, value=instance)]
    return [issue("invalid", field, locale, kind=kind, value=instance)]


def validate_record(
    kind: str,
    record: Mapping[str, Any],
    *,
    locale: str = "en",
    partners: Iterable[str] | None = None,
) -> list[ValidationIssue]:
    """All schema problems of ``record`` (kind ``lead`` or ``agreement``), in field order.

    The per-country registration-code check is part of the schema (the
    ``x-registration-code-country`` keyword), so this is the whole single-record check.
    ``partners`` are the configured partner codes (``config.partners``): a partner
    field naming any other code is an ``enum`` issue listing them.
    """
    quick = quick_check(kind, partners)
    if quick is not None and quick(record):
        return []  # the validator would find nothing (it is run for the errors)
    validator = validator_for(kind, partners)
    errors = list(validator.iter_errors(record))
    if not errors:
        return []
    seen: set[tuple[str, str]] = set()
    issues: list[ValidationIssue] = []
    for error in errors:
        for item in _issues_from(error, kind, locale, seen):
            # One issue per field and code: a bad registration code fails both the
            # shape format and the country check, and the reader needs it once.
            if (item.field, item.code) not in seen or item.code == "required":
                seen.add((item.field, item.code))
                issues.append(item)
    order = _field_order(kind)
    issues.sort(key=lambda item: order.get(item.field, len(order)))
    return issues


def check_row(
    kind: str,
    raw: Mapping[str, Any],
    locale: str = "en",
    *,
    partner: str | None = None,
    resolve_party: PartyResolver | None = None,
    partners: Iterable[str] | None = None,
) -> tuple[dict[str, Any], list[ValidationIssue]]:
    """Normalise one row's cells and validate the result: ``(record, issues)``.

    A field the normaliser already reported (e.g. an unknown party) is not reported
    again by the schema (where it would show up as merely "required").
    ``partners``: the configured partner codes, as for :func:`validate_record`.
    """
    record, issues = normalise_record(
        kind, raw, locale, partner=partner, resolve_party=resolve_party
    )
    flagged = {item.field for item in issues}
    for item in validate_record(kind, record, locale=locale, partners=partners):
        if item.field not in flagged:
            issues.append(item)
    return record, issues
