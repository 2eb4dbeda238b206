"""CRM ids, registration codes, e-mail addresses and web links as typed in cells."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from stdnum.az import voen
from stdnum.ee import registrikood
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fi import ytunnus
from stdnum.lv import pvn

from integration.normalise.text import clean_line

#: Country -> python-stdnum module that checks its company registration codes.
REGISTRATION_CODE_MODULES = {"LV": pvn, "EE": registrikood, "FI": ytunnus, "AZ": voen}

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


@lru_cache(maxsize=16384)
def registration_code_valid(code: str, country: str) -> bool | None:
    """Whether ``code`` is valid for ``country``; ``None`` when that country is not checked."""
    module = REGISTRATION_CODE_MODULES.get(country)
    if module is None:
        return None
    try:
        module.validate(code)
    except StdnumError:
        return False
    return True


def normalise_registration_code(value: Any, country: Any = None) -> Any:
    """The canonical form of a valid code for ``country`` (``LV 4000 3521 600`` ->
    ``40003521600``, FI ``20774740`` -> ``2077474-0``); otherwise cleaned text."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = clean_line(value)
    if not isinstance(text, str) or not isinstance(country, str):
        return text
    module = REGISTRATION_CODE_MODULES.get(country)
    if module is None or not registration_code_valid(text, country):
        return text
    formatter = getattr(module, "format", None) or module.compact
    return formatter(text)


def registration_key(code: str, country: str | None) -> str:
    """The code reduced to compare firms: stdnum's compact form, or upper-case alphanumerics."""
    module = REGISTRATION_CODE_MODULES.get(country or "")
    if module is not None:
        try:
            return module.compact(code)
        except StdnumError:  # pragma: no cover - compact only strips characters
            pass
    return "".join(ch for ch in code.upper() if ch.isalnum())


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
