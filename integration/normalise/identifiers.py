"""CRM ids, registration codes, e-mail addresses and web links as typed in cells."""

from __future__ import annotations

import re
from typing import Any

from integration.identity import registration_code_display
from integration.normalise.text import clean_line

_ID = re.compile(r"^([LA])\s*-?\s*0*(\d{1,6})$", re.IGNORECASE)
_LEAD_ID = re.compile(r"^L-\d{6}$")
_DOMAIN = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:[/:?#]\S*)?$", re.IGNORECASE)


def normalise_id(value: Any) -> Any:
    """``l-123`` / ``L000123`` / ``L-000123`` -> ``L-000123`` (likewise ``A-``); else unchanged."""
    text = clean_line(value)
    if not isinstance(text, str):
        return text
    match = _ID.match(text)
    if not match:
        return text
    return f"{match[1].upper()}-{int(match[2]):06d}"


def looks_like_lead_id(value: Any) -> bool:
    """True when ``value`` normalises to a lead id (``L-`` and six digits)."""
    return bool(_LEAD_ID.match(str(normalise_id(value))))


def normalise_registration_code(value: Any, country: Any = None) -> Any:
    """A registration code as typed in a cell, cleaned and put in its display form
    (:func:`integration.identity.registration_code_display`); anything that is not
    text is returned unchanged for the validator to report."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = clean_line(value)
    if not isinstance(text, str) or not isinstance(country, str):
        return text
    return registration_code_display(text, country)


def normalise_email(value: Any) -> Any:
    """Cleaned address, ``mailto:`` and surrounding ``<>`` removed; not lower-cased
    (the local part may be case-sensitive), the validator checks the syntax."""
    text = clean_line(value)
    if not isinstance(text, str):
        return text
    if text[:7].lower() == "mailto:":
        text = text[7:]
    return text.strip("<> ") or None


def normalise_url(value: Any) -> Any:
    """Cleaned link; a bare domain (``www.firm.lv``, ``firm.az/en``) gets ``https://``."""
    text = clean_line(value)
    if not isinstance(text, str):
        return text
    if "://" not in text and _DOMAIN.match(text):
        return "https://" + text
    return text
