"""Phone numbers to E.164 (``+37126123456``) with phonenumbers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from integration.identity import REGISTRATION_CODE_MODULES
from integration.normalise.text import clean_line

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_KNOWN_LIMIT = 32768
# E.164 strings already judged by phonenumbers. Normalising a cell parses and checks
# the number; remembering the verdict spares the validator a second parse of the
# same number a moment later (the cost that dominates phone handling).
_known_e164: dict[str, bool] = {}


def _remember(value: str, valid: bool) -> bool:
    if len(_known_e164) >= _KNOWN_LIMIT:
        _known_e164.clear()
    _known_e164[value] = valid
    return valid


def is_valid_e164(value: str) -> bool:
    """Whether ``value`` is an E.164 number (``+37126123456``) that phonenumbers accepts."""
    known = _known_e164.get(value)
    if known is not None:
        return known
    if not _E164.match(value):
        return False
    try:
        number = phonenumbers.parse(value, None)
    except NumberParseException:
        return _remember(value, False)
    return _remember(value, phonenumbers.is_valid_number(number))


def _candidates(text: str) -> Iterator[str]:
    yield text
    if not text.startswith(("+", "00")):
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) > 9:
            # "371 2612 3456" typed without the plus: try it as international too.
            yield "+" + digits


@lru_cache(maxsize=16384)
def _to_e164(text: str, region: str | None) -> str | None:
    for candidate in _candidates(text):
        try:
            number = phonenumbers.parse(candidate, region)
        except NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
            _remember(e164, True)
            return e164
    return None


def normalise_phone(value: Any, country: str | None = None) -> Any:
    """E.164 form of ``value``, reading national numbers in ``country``'s format.

    Numbers from spreadsheet cells may arrive as int/float. A number that does not
    parse as a valid number comes back unchanged (cleaned) for the validator.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        value = str(int(value))
    elif isinstance(value, int):
        value = str(value)
    text = clean_line(value)
    if not isinstance(text, str):
        return text
    region = country if isinstance(country, str) and len(country) == 2 else None
    found = _to_e164(text, region)
    return text if found is None else found


#: Where a value of a raw payload may be a national number: the countries the
#: service knows (their registration codes are checked too).
_READING_REGIONS = (None, *sorted(REGISTRATION_CODE_MODULES))
#: How many digits a phone number has (E.164: at most 15); other values (years,
#: amounts, a note with several numbers) are not parsed at all.
_PHONE_DIGITS = range(7, 16)


def phone_readings(value: str) -> list[str]:
    """Every E.164 number a raw value (a form answer, a sheet cell kept in
    quarantine) may be, read from its digits alone (``Tel. 2911 1222`` too): as
    an international number, or as a national one of each known country; none
    when it has fewer than 7 or more than 15 digits. A payload whose lead
    country is unknown is still matched against an erased number."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) not in _PHONE_DIGITS:
        return []
    plus = "+" if value.find("+") != -1 and value.find("+") < value.find(digits[0]) else ""
    found = {_to_e164(plus + digits, region) for region in _READING_REGIONS}
    return sorted(f for f in found if f is not None)
