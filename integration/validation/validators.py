"""The project's JSON Schema validators: one FormatChecker, one validator per schema.

Custom formats: ``registration-code`` (shape only: the format sees just the value),
``phone`` (E.164, checked with phonenumbers), ``email`` (email-validator, syntax only,
no DNS), ``date``, ``date-time`` and ``uri`` (absolute http/https). The per-country
registration-code check needs the record's country, so it is the schema keyword
``x-registration-code-country`` (its value names the property holding the country),
evaluated on the whole record.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from typing import Any

from email_validator import EmailNotValidError, validate_email
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from integration.identity import registration_code_valid
from integration.normalise.phone import is_valid_e164
from schemas import load_schema, with_partner_codes

REGISTRATION_CODE_KEYWORD = "x-registration-code-country"

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REG_SHAPE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z .\-/]{0,39}$")

FORMAT_CHECKER = FormatChecker(formats=())


@FORMAT_CHECKER.checks("registration-code")
def is_registration_code(value: object) -> bool:
    """Letters, digits and the separators people use (space . - /); at most 40 characters."""
    # Empty text is the schema's minLength to report, not a malformed code.
    return not isinstance(value, str) or not value or bool(_REG_SHAPE.match(value))


@FORMAT_CHECKER.checks("phone")
def is_phone(value: object) -> bool:
    """An E.164 number (``+37126123456``) that phonenumbers considers valid."""
    return not isinstance(value, str) or is_valid_e164(value)


@FORMAT_CHECKER.checks("email")
def is_email(value: object) -> bool:
    """Syntax check by email-validator; no DNS look-up (offline, fast, deterministic)."""
    return not isinstance(value, str) or _email_ok(value)


# Plain ASCII addresses in the common shape: dot-atom local part (<= 64), LDH labels
# (<= 63, no "ab--" labels), an alphabetic top-level domain, not a special-use one.
# Every address this matches is one email-validator accepts too (a test checks it);
# anything else, including all internationalised addresses, goes to email-validator.
_PLAIN_EMAIL = re.compile(
    r"^(?=.{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:(?![A-Za-z0-9]{2}--)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?!(?:arpa|invalid|local|localhost|onion|test)$)[A-Za-z]{2,63}$"
)


def _plain_email(value: str) -> bool:
    return len(value) <= 254 and bool(_PLAIN_EMAIL.match(value))


@lru_cache(maxsize=16384)
def _email_ok(value: str) -> bool:
    if _plain_email(value):
        return True
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@FORMAT_CHECKER.checks("date")
def is_date(value: object) -> bool:
    """A real calendar date written ``YYYY-MM-DD``."""
    if not isinstance(value, str):
        return True
    if not _ISO_DATE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


@FORMAT_CHECKER.checks("date-time")
def is_date_time(value: object) -> bool:
    """An ISO 8601 timestamp with a date and a time (``Z`` or an offset allowed)."""
    if not isinstance(value, str):
        return True
    if "T" not in value and " " not in value:
        return False
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


# scheme://[user@]host[:port][/path?query#fragment], no whitespace anywhere.
_URI = re.compile(
    r"^https?://(?:[^\s/?#@]+@)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s/?#:\[\]]+)"
    r"(?::\d{1,5})?(?:[/?#]\S*)?$",
    re.IGNORECASE,
)


@FORMAT_CHECKER.checks("uri")
def is_uri(value: object) -> bool:
    """An absolute http(s) link with a host name (or an IP address) and no spaces."""
    if not isinstance(value, str):
        return True
    match = _URI.match(value)
    if not match:
        return False
    host = match["host"]
    return "." in host or host.lower() == "localhost" or host.startswith("[")


def _registration_code_for_country(
    validator: Any, country_field: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """Keyword: the record's registration code must be valid for the record's country."""
    if not isinstance(instance, dict):
        return
    code, country = instance.get("registration_code"), instance.get(country_field)
    if not isinstance(code, str) or not code or not isinstance(country, str):
        return
    if registration_code_valid(code, country) is False:
        yield ValidationError(
            f"{code!r} is not a valid registration code for {country}",
            path=("registration_code",),
        )


ProjectValidator = validators.extend(
    Draft202012Validator,
    validators={REGISTRATION_CODE_KEYWORD: _registration_code_for_country},
)


def validator_for(kind: str, partners: Iterable[str] | None = None) -> Draft202012Validator:
    """The validator for schema ``kind`` (lead, agreement, partners), built once and reused.

    ``partners``: the configured partner codes, the only ones a record's partner
    fields may hold. Without them only a code's shape is checked (for callers that
    have no partners file, such as ``crm-sync validate`` run offline).
    """
    return _validator(kind, None if partners is None else frozenset(partners))


@cache
def _validator(kind: str, partners: frozenset[str] | None) -> Draft202012Validator:
    # Cached per code set: one process may serve several configurations (tests, demo).
    schema = load_schema(kind)
    if partners is not None:
        schema = with_partner_codes(schema, partners)
    ProjectValidator.check_schema(schema)
    return ProjectValidator(schema, format_checker=FORMAT_CHECKER)


#: Keywords that only describe a property: no validator asserts them.
_ANNOTATIONS = frozenset({"title", "description", "readOnly", "x-partner-code", "$comment"})
_TOP_LEVEL = frozenset(
    {"$schema", "$id", "title", "description", "type", "additionalProperties", "required"}
    | {"properties", REGISTRATION_CODE_KEYWORD}
)
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "number": (int, float),
    "integer": (int,),
}


def _property_check(schema: dict[str, Any]) -> Any | None:
    """A predicate true only of values ``schema`` accepts (a subset of them: a value
    it is unsure of is left to the validator), or None for a schema using keywords
    it does not know."""
    if not set(schema) <= _ANNOTATIONS | {
        "type",
        "enum",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
    }:
        return None
    kinds = _TYPES.get(schema.get("type", ""))
    if kinds is None:
        return None
    enum = schema.get("enum")
    allowed = frozenset(enum) if enum is not None and all(type(e) is str for e in enum) else None
    if enum is not None and allowed is None:
        return None
    min_len, max_len = schema.get("minLength"), schema.get("maxLength")
    pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
    fmt, minimum = schema.get("format"), schema.get("minimum")

    def check(value: Any) -> bool:
        if type(value) not in kinds:  # exact types: a bool is no number here
            return False
        if allowed is not None and value not in allowed:
            return False
        if min_len is not None and len(value) < min_len:
            return False
        if max_len is not None and len(value) > max_len:
            return False
        if pattern is not None and not pattern.search(value):
            return False
        if minimum is not None and value < minimum:
            return False
        return fmt is None or FORMAT_CHECKER.conforms(value, fmt)

    return check


def quick_check(kind: str, partners: Iterable[str] | None = None) -> Any | None:
    """A predicate true only of records :func:`validator_for` finds no error in,
    built from the same schema: a record it passes needs no validator run (a sync
    of 100,000 new rows validates each); one it does not pass goes to the validator
    for its errors. None when the schema has keywords it does not know (the
    agreement's ``if``/``then``): every record goes to the validator."""
    return _quick_check(kind, None if partners is None else frozenset(partners))


@cache
def _quick_check(kind: str, partners: frozenset[str] | None) -> Any | None:
    schema = load_schema(kind)
    if partners is not None:
        schema = with_partner_codes(schema, partners)
    if (
        not set(schema) <= _TOP_LEVEL
        or schema.get("type") != "object"
        or schema.get("additionalProperties") is not False
    ):
        return None
    checks = {name: _property_check(sub) for name, sub in schema["properties"].items()}
    if any(c is None for c in checks.values()):
        return None
    required = tuple(schema.get("required", ()))
    country_field = schema.get(REGISTRATION_CODE_KEYWORD)

    def check(record: Any) -> bool:
        if type(record) is not dict:
            return False
        for name in required:
            if name not in record:
                return False
        for name, value in record.items():
            ok = checks.get(name)
            if ok is None or not ok(value):
                return False
        if country_field is not None:
            errors = _registration_code_for_country(None, country_field, record, schema)
            if next(iter(errors), None) is not None:
                return False
        return True

    return check
