"""Pure functions turning what people type into schema values (no I/O).

Everything returns the input unchanged when it cannot interpret it, so the
validator reports the value instead of the normaliser losing it.
"""

from __future__ import annotations

from integration.normalise.amounts import parse_amount, parse_currency
from integration.normalise.booleans import parse_bool
from integration.normalise.dates import SHEETS_EPOCH, from_serial, parse_date
from integration.normalise.enums import enum_table, enum_values, parse_country, parse_enum
from integration.normalise.headers import SERVICE_FIELDS, HeaderMatch, match_headers
from integration.normalise.identifiers import (
    looks_like_lead_id,
    normalise_email,
    normalise_id,
    normalise_registration_code,
    normalise_url,
)
from integration.normalise.phone import normalise_phone
from integration.normalise.record import PartyResolver, normalise_record
from integration.normalise.text import clean_line, clean_text, is_blank

__all__ = [
    "SERVICE_FIELDS",
    "SHEETS_EPOCH",
    "HeaderMatch",
    "PartyResolver",
    "clean_line",
    "clean_text",
    "enum_table",
    "enum_values",
    "from_serial",
    "is_blank",
    "looks_like_lead_id",
    "match_headers",
    "normalise_email",
    "normalise_id",
    "normalise_phone",
    "normalise_record",
    "normalise_registration_code",
    "normalise_url",
    "parse_amount",
    "parse_bool",
    "parse_country",
    "parse_currency",
    "parse_date",
    "parse_enum",
]
