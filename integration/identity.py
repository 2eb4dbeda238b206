"""How the service recognises the same firm twice (pure functions, stdnum only).

One module, one function per purpose, so "the same registration code" means the
same thing in intake, the sync plan and mapping, the cross-record rules, erasure
matching, tombstones and the store:

- :func:`registration_code_valid` - whether a code is valid for its country;
- :func:`registration_code_display` - the form shown and stored in a sheet cell
  (stdnum's official format of a valid code, e.g. FI ``2077474-0``);
- :func:`registration_key` - the comparison key: stdnum's compact form, so
  ``LV40001819093`` = ``4000 1819 093`` and ``FI24402426`` = ``2440242-6``;
- :func:`natural_key` - a lead's natural key: its registration code within its
  country, or, when it has no registration code, its e-mail address (DESIGN.md
  section 4);
- :func:`natural_key_field` - the lead field a natural key names;
- :func:`key_hash` - the one-way hash GDPR tombstones keep instead of the key.

This module imports nothing from ``integration`` so that ``normalise``,
``validation``, ``sync`` and ``store`` can all depend on it without cycles.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from stdnum.az import voen
from stdnum.ee import registrikood
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fi import ytunnus
from stdnum.lv import pvn

#: Country -> python-stdnum module that checks its company registration codes.
REGISTRATION_CODE_MODULES = {"LV": pvn, "EE": registrikood, "FI": ytunnus, "AZ": voen}

#: What a comparison key drops: everything but letters and digits.
_NOT_ALNUM = re.compile(r"[\W_]+")
#: A country prefix is dropped only when more than this many characters follow it,
#: so a short code that merely starts with the country's letters keeps them.
_MIN_AFTER_PREFIX = 3


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


def registration_code_display(code: str, country: str | None) -> str:
    """The form a code is shown in: stdnum's format of a code valid for ``country``
    (``LV 4000 3521 600`` -> ``40003521600``, FI ``20774740`` -> ``2077474-0``);
    any other code is returned as given, for the validator to report."""
    module = REGISTRATION_CODE_MODULES.get(country or "")
    if module is None or not registration_code_valid(code, country or ""):
        return code
    formatter = getattr(module, "format", None) or module.compact
    return str(formatter(code))


@lru_cache(maxsize=16384)
def registration_key(code: str, country: str | None) -> str:
    """The code reduced to compare firms: upper-case letters and digits only, in
    stdnum's compact form for ``country``, a leading country prefix dropped
    (``LV40001819093`` -> ``40001819093``, ``2440242-6`` -> ``24402426``).

    Cached: the sync and webhook intake compute it for every lead they see."""
    value = _NOT_ALNUM.sub("", str(code).upper())
    country = (country or "").upper()
    module = REGISTRATION_CODE_MODULES.get(country)
    if module is not None:
        value = str(module.compact(value))
    if country and value.startswith(country) and len(value) > len(country) + _MIN_AFTER_PREFIX:
        value = value[len(country) :]
    return value


def natural_key(record: Mapping[str, Any]) -> tuple[str, ...] | None:
    """``("reg", COUNTRY, KEY)`` or ``("email", address)``; None when neither exists."""
    code = record.get("registration_code")
    country = record.get("country")
    if code and country:
        return ("reg", str(country).upper(), registration_key(str(code), str(country)))
    email = record.get("email")
    if email:
        return ("email", str(email).strip().lower())
    return None


def natural_key_field(key: tuple[str, ...]) -> str:
    """The lead field a natural key comes from (to name it in a duplicate issue)."""
    return "email" if key[0] == "email" else "registration_code"


def key_hash(key: tuple[str, ...]) -> str:
    """A one-way hash of a natural key, for tombstones that hold nothing personal."""
    return hashlib.sha256("\x1f".join(key).encode("utf-8")).hexdigest()
