"""How the service recognises the same firm twice (pure functions).

A lead's natural key is its registration code within its country, or, when it
has no registration code, its e-mail address. Webhooks, the sync engine's
deduplication, the cross-record rules and GDPR tombstones all use this one
definition, so "duplicate" means the same thing everywhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

_CODE_JUNK = re.compile(r"[\s\-./]+")


def normalise_registration_code(code: str, country: str | None = None) -> str:
    """Registration code compared without spaces, dashes, dots and case; a
    leading country prefix (``LV40003000000``) is dropped."""
    value = _CODE_JUNK.sub("", str(code)).upper()
    if country and value.startswith(country.upper()) and len(value) > len(country) + 3:
        value = value[len(country) :]
    return value


def natural_key(record: Mapping[str, Any]) -> tuple[str, ...] | None:
    """``("reg", COUNTRY, CODE)`` or ``("email", address)``; None when neither exists."""
    code = record.get("registration_code")
    country = record.get("country")
    if code and country:
        return ("reg", str(country).upper(), normalise_registration_code(str(code), country))
    email = record.get("email")
    if email:
        return ("email", str(email).strip().lower())
    return None


def key_hash(key: tuple[str, ...]) -> str:
    """A one-way hash of a natural key, for tombstones that hold nothing personal."""
    return hashlib.sha256("\x1f".join(key).encode("utf-8")).hexdigest()
