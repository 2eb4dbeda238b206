"""One row's cells (already keyed by field) to a candidate record of schema values.

Which normaliser applies to a field is read from the schema (its type, format and
enum), so a new field needs no code here unless it needs a new kind of parsing.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from integration.issues import ValidationIssue, issue
from integration.kinds import AGREEMENT, record_kind
from integration.normalise.amounts import parse_amount
from integration.normalise.booleans import parse_bool
from integration.normalise.dates import parse_date
from integration.normalise.enums import parse_enum, parse_partner_code
from integration.normalise.headers import SERVICE_FIELDS
from integration.normalise.identifiers import (
    looks_like_lead_id,
    normalise_email,
    normalise_id,
    normalise_registration_code,
    normalise_url,
)
from integration.normalise.phone import normalise_phone
from integration.normalise.text import clean_line, clean_text
from schemas import PARTNER_CODE_KEYWORD, load_schema

#: Resolves how staff name a party (registration code, company name) to a lead id.
PartyResolver = Callable[[str], str | None]

_MULTILINE = {"notes", "subject"}
# Fields that need the record's country and so run after the others.
_LATE = {"phone", "registration_code"}
_SKIP = set(SERVICE_FIELDS)
# an agreement's party columns and fields: resolved below, never a plain field
_PARTY_KEYS = {key for pair in AGREEMENT.party_columns for key in pair}


def _number_as_text(value: Any) -> Any:
    """A number in a text column is text that looked numeric (a company called
    "1880", notes saying "2025"): spreadsheets and XLSX hand such cells over as
    numbers. Whole floats lose their ".0". Booleans stay as they are."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return value
        if value.is_integer():
            return str(int(value))
    return str(value)


def _identity(value: Any, locale: str) -> Any:
    return value


def _enum_value(kind: str, name: str, value: Any, _locale: str) -> Any:
    return parse_enum(kind, name, value)


@cache
def _field_plan(kind: str) -> dict[str, Callable[[Any, str], Any]]:
    """Field -> ``f(value, locale)`` for the simple (context-free) fields of ``kind``."""
    plan: dict[str, Callable[[Any, str], Any]] = {}
    for name, prop in load_schema(kind)["properties"].items():
        if name in _LATE:
            continue
        fmt = prop.get("format")
        kind_type = prop.get("type")
        if prop.get(PARTNER_CODE_KEYWORD):
            plan[name] = lambda v, _loc: parse_partner_code(v)
        elif "enum" in prop:
            plan[name] = functools.partial(_enum_value, kind, name)
        elif name == "id" or name.endswith("_id"):
            plan[name] = lambda v, _loc: normalise_id(v)
        elif fmt == "date":
            plan[name] = parse_date
        elif fmt == "date-time":
            plan[name] = lambda v, _loc: clean_line(v)
        elif fmt == "email":
            plan[name] = lambda v, _loc: normalise_email(v)
        elif fmt == "uri":
            plan[name] = lambda v, _loc: normalise_url(v)
        elif kind_type == "boolean":
            plan[name] = lambda v, _loc: parse_bool(v)
        elif kind_type in ("number", "integer"):
            plan[name] = _identity  # amounts are handled with their currency below
        elif name in _MULTILINE:
            plan[name] = lambda v, _loc: clean_text(_number_as_text(v))
        else:
            plan[name] = lambda v, _loc: clean_line(_number_as_text(v))
    return plan


def _resolve_party(
    raw_value: Any,
    field: str,
    locale: str,
    resolver: PartyResolver | None,
) -> tuple[str | None, ValidationIssue | None]:
    text = clean_line(raw_value if not isinstance(raw_value, int | float) else str(raw_value))
    if text is None:
        return None, None
    if looks_like_lead_id(text):
        return normalise_id(text), None
    found = resolver(text) if resolver is not None else None
    if found:
        return found, None
    return None, issue("party", field, locale, kind="agreement", value=text)


def normalise_record(
    kind: str,
    raw: Mapping[str, Any],
    locale: str = "en",
    *,
    partner: str | None = None,
    resolve_party: PartyResolver | None = None,
) -> tuple[dict[str, Any], list[ValidationIssue]]:
    """Turn ``raw`` cells keyed by field into ``(record, issues)``.

    Blank cells are left out of the record. Values that cannot be interpreted are
    kept as (cleaned) text so the validator reports them; nothing is dropped
    silently. ``partner`` fills a lead's ``partner`` (or an agreement's
    ``reporting_partner``) when the row has none. For agreements, the ``seller`` and
    ``buyer`` columns may hold a lead id; anything else goes to ``resolve_party``, and
    when that cannot place it the row gets a ``party`` issue naming the value.
    """
    spec = record_kind(kind)
    plan = _field_plan(kind)
    record: dict[str, Any] = {}
    issues: list[ValidationIssue] = []
    amount_currency: str | None = None
    for name, value in raw.items():
        if name in _SKIP or name in _LATE or name in _PARTY_KEYS:
            continue
        step = plan.get(name)
        if step is None:
            continue  # parties and unknown keys are handled below
        if name == "value":
            value, amount_currency = parse_amount(value, locale)
        else:
            value = step(value, locale)
        if value is not None:
            record[name] = value
    for column, field in spec.party_columns:
        for key in (column, field):
            if key in raw and field not in record:
                resolved, problem = _resolve_party(raw[key], field, locale, resolve_party)
                if resolved is not None:
                    record[field] = resolved
                elif problem is not None:
                    issues.append(problem)
    if amount_currency and "currency" not in record:  # an amount typed with its currency
        record["currency"] = amount_currency
    if partner and spec.owner_field not in record:
        record[spec.owner_field] = partner
    country = record.get("country")
    if "registration_code" in raw:
        code = normalise_registration_code(raw["registration_code"], country)
        if code is not None:
            record["registration_code"] = code
    if "phone" in raw:
        phone = normalise_phone(raw["phone"], country)
        if phone is not None:
            record["phone"] = phone
    known = plan.keys() | _LATE | _SKIP | _PARTY_KEYS
    for name, value in raw.items():
        if name not in known and value is not None:
            record[name] = value  # unknown keys go through for the validator to name
    return record, issues
