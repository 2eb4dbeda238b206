"""Phone numbers to E.164 (``+37126123456``) with phonenumbers."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from integration.normalise.text import clean_line


@lru_cache(maxsize=16384)
def _to_e164(text: str, region: str | None) -> str | None:
    candidates = [text]
    digits = "".join(ch for ch in text if ch.isdigit())
    if not text.startswith("+") and not text.startswith("00") and len(digits) > 9:
        # "371 2612 3456" typed without the plus: try it as international too.
        candidates.append("+" + digits)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
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
