"""Schema validation of API bodies, with field errors in English and, for a
partner token, the partner's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from integration.issues import for_readers, issue
from integration.kinds import STORE_FIELDS
from integration.record_changes import agreement_issues
from integration.store.models import ApiToken
from integration.validation import ValidationIssue, validate_record
from integration.web.problem_details import Problem
from integration.web.reader_language import reader_locale
from integration.web.services import services


def token_locale(token: ApiToken) -> str:
    partners = services().config.partners
    return partners[token.partner].locale if token.partner in partners else "en"


def as_errors(found: list[ValidationIssue], partner_locale: str) -> list[dict[str, Any]]:
    """The problems of a request body, in the reader's language and the partner's."""
    kind = found[0].kind if found else ""
    return for_readers([item.as_data() for item in found], kind, reader_locale(), partner_locale)


def invalid(errors: list[dict[str, Any]], detail: str = "The record is not valid.") -> Problem:
    return Problem(422, detail, slug="validation-error", errors=errors)


def field_error(field: str, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message, "messages": {"en": message}}


def bad_request_field(field: str, code: str, message: str, detail: str) -> Problem:
    """A 422 for one field of an action's request body (``side``, ``into``,
    ``data``): not a record field, so its message is English only."""
    return invalid([{"field": field, "code": code, "message": message}], detail)


#: The sentence for a store field in a request body (English on the wire, as always).
_READ_ONLY = "request.read_only"


def check_read_only(body: Mapping[str, Any]) -> None:
    errors = [
        field_error(
            name, "read_only", issue("read_only", name, template=_READ_ONLY, name=name).message
        )
        for name in STORE_FIELDS
        if name in body
    ]
    if errors:
        raise invalid(errors)


def validate(kind: str, record: Mapping[str, Any], token: ApiToken) -> None:
    """Raise 422 with every schema problem of ``record``."""
    partners = services().config.partners
    found = validate_record(kind, record, partners=partners)
    if found:
        raise invalid(as_errors(found, token_locale(token)))


def validate_agreement_rules(
    session: Session,
    record: Mapping[str, Any],
    token: ApiToken,
    named: frozenset[str] = frozenset(),
) -> None:
    found = agreement_issues(session, services().config, record, token, named)
    if found:
        raise invalid(as_errors(found, token_locale(token)))
