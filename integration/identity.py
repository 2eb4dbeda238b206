"""How the service recognises the same firm twice (pure functions: stdnum and accent folding).

One module, one function per purpose, so "the same registration code" means the
same thing in intake, the sync plan and mapping, the cross-record rules, erasure
matching, tombstones and the store:

- :func:`registration_code_valid` - whether a code is valid for its country;
- :func:`registration_code_display` - the form shown and stored in a sheet cell
  (stdnum's official format of a valid code, e.g. FI ``2077474-0``);
- :func:`registration_key` - the comparison key: stdnum's compact form, so
  ``LV40001819093`` = ``4000 1819 093`` and ``FI24402426`` = ``2440242-6``;
- :func:`natural_key` - a lead's natural key: its registration code within its
  country, or, when it has no registration code, its e-mail address (the
  README's "How it works");
- :func:`natural_key_field` - the lead field a natural key names;
- :func:`company_key` - a company name reduced for matching (legal form, case,
  accents, quotes and punctuation folded);
- :func:`firm_keys` - every key a firm can be found by, strongest first, and
  :func:`first_match` - the one rule for when a weaker key may match;
- :func:`key_hash` / :func:`tombstone_hashes` - the one-way hashes GDPR
  tombstones keep instead of the keys (natural key, e-mail, phone in E.164:
  :func:`phone_key`).

When two records are one firm
-----------------------------
A firm is tried by its keys in this order (:func:`firm_keys`):

1. ``("reg", COUNTRY, code)`` - its registration code within its country;
2. ``("email", address)`` - its e-mail address;
3. ``("name", COUNTRY, company key)`` - its company name within its country.

The registration code is the firm's legal identity, so it decides whenever
both sides have one: a weaker key (e-mail or name) never matches two records
whose registration keys are both present and differ. Across partners a record
with a registration code is never matched by company name alone
(:func:`first_match`): a name a partner typed never claims the firm another
chamber knows by code. Two chambers'
"Baltic Soft" in Latvia with different codes are two firms; a row with no
(readable) code named like a stored firm is that firm. Different e-mail
addresses do not keep a name match apart: one firm has several (info@,
sales@, a contact's own).

This module imports nothing from ``integration`` but the leaf
:mod:`integration.vocabulary` (for accent folding), so that ``normalise``,
``validation``, ``sync`` and ``store`` can all depend on it without cycles.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from stdnum.az import voen
from stdnum.ee import registrikood
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fi import ytunnus
from stdnum.lv import pvn

from integration.vocabulary import plain_text

#: A key a firm is found by (see :func:`firm_keys`).
Key = tuple[str, ...]
_T = TypeVar("_T")

#: Country -> python-stdnum module that checks its company registration codes.
REGISTRATION_CODE_MODULES = {"LV": pvn, "EE": registrikood, "FI": ytunnus, "AZ": voen}

#: What a comparison key drops: everything but letters and digits.
_NOT_ALNUM = re.compile(r"[\W_]+")
#: A country prefix is dropped only when more than this many characters follow it,
#: so a short code that merely starts with the country's letters keeps them.
_MIN_AFTER_PREFIX = 3

#: Legal-form words dropped when comparing company names (LV, EE, FI, AZ and common
#: international ones), so "SIA Baltic Soft" and "Baltic Soft, SIA" are one firm.
#: Stored leads keep this key in their indexed ``company_key`` column: a change
#: here needs a migration that recomputes that column.
LEGAL_FORMS = frozenset(
    [
        "sia", "as", "ou", "oy", "oyj", "ab", "ky", "tmi", "mtu", "fie", "mmc", "asc",
        "qsc", "llc", "ltd", "limited", "gmbh", "ag", "plc", "inc", "corp", "co", "sa",
        "bv", "nv", "aps", "ooo", "zao", "oao",
    ]
)  # fmt: skip
#: Words of a company name: runs of letters and digits (quotes, dots, commas and
#: dashes separate them and are dropped).
_WORDS = re.compile(r"[^\W_]+")


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


def email_key(email: Any) -> str | None:
    """An e-mail address as compared: trimmed, lower case; None when blank."""
    if not isinstance(email, str):
        return None
    return email.strip().lower() or None


#: A phone number in E.164 form, as the normaliser stores it (``+37129111222``).
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def phone_key(phone: Any) -> str | None:
    """A stored phone number as a tombstone compares it: its E.164 form (the
    normaliser's, :func:`integration.normalise.normalise_phone`, so a number
    typed ``+371 2911 1222`` or ``29111222`` in Latvia arrives as
    ``+37129111222``); None for anything else (blank, or not a valid number)."""
    return phone if isinstance(phone, str) and _E164.match(phone) else None


def tombstone_hashes(record: Mapping[str, Any]) -> list[str]:
    """The hashed keys a tombstone of ``record`` holds and a look-up compares: its
    natural key, when that is not the e-mail its e-mail too, and its phone number
    (E.164), so a person known only by phone stays erased. (A company name
    is not personal data and never erased, so it is no tombstone key.)"""
    key = natural_key(record)
    keys = [key] if key else []
    email = email_key(record.get("email"))
    if email and (key is None or key[0] != "email"):
        keys.append(("email", email))
    phone = phone_key(record.get("phone"))
    if phone:
        keys.append(("phone", phone))
    return [key_hash(k) for k in keys]


def leaves(raw: Any) -> Iterator[str]:
    """Every value of a payload or row (nested), as text."""
    if isinstance(raw, dict):
        for value in raw.values():
            yield from leaves(value)
    elif isinstance(raw, list):
        for value in raw:
            yield from leaves(value)
    elif isinstance(raw, str):
        yield raw
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        yield str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)


def payload_hashes(raw: Any, phones: Callable[[str], Iterable[str]] | None = None) -> list[str]:
    """The tombstone hashes a raw payload or row may carry, whatever it is keyed
    by (form questions, a sheet's headers): every value that is an e-mail
    address, the keys of its lead fields when it is keyed by field, and, with
    ``phones`` (a value -> the E.164 numbers it may be), every phone number."""
    hashes = tombstone_hashes(raw) if isinstance(raw, Mapping) else []
    for value in leaves(raw):
        email = email_key(value)
        if email and "@" in email:
            hashes.append(key_hash(("email", email)))
        elif phones is not None:
            hashes += [key_hash(("phone", p)) for p in phones(value) if phone_key(p)]
    return sorted(set(hashes))


@lru_cache(maxsize=65536)
def company_key(name: str) -> str:
    """Company name reduced for matching: no case, accents, spaces, quotes,
    punctuation or legal form.

    ``"SIA  Baltic Soft"``, ``"Baltic Soft, SIA"``, ``"BALTIC SOFT"`` and
    ``'"Baltic-Soft" SIA'`` give the same key; a name that is only a legal form
    (``"AS"``) keeps it rather than becoming empty.
    """
    words = _WORDS.findall(plain_text(name))
    kept = [word for word in words if word not in LEGAL_FORMS]
    return "".join(kept or words)


def registration_identity(record: Mapping[str, Any]) -> Key | None:
    """``("reg", COUNTRY, KEY)`` of a record with a registration code and a country."""
    key = natural_key(record)
    return key if key is not None and key[0] == "reg" else None


def firm_keys(record: Mapping[str, Any]) -> list[Key]:
    """Every key ``record`` (lead data) can be found by, strongest first: its
    registration code within its country, its e-mail, its company name within
    its country (see the module doc for when a weaker key may match)."""
    keys: list[Key] = []
    reg = registration_identity(record)
    if reg is not None:
        keys.append(reg)
    email = email_key(record.get("email"))
    if email:
        keys.append(("email", email))
    name, country = record.get("company_name"), record.get("country")
    if isinstance(name, str) and name.strip() and country:
        folded = company_key(name)
        if folded:
            keys.append(("name", str(country).upper(), folded))
    return keys


def key_field(key: Key) -> str:
    """The lead field a firm key comes from (to name it in a duplicate issue)."""
    return {"reg": "registration_code", "email": "email", "name": "company_name"}[key[0]]


def may_match(key: Key, mine: Key | None, theirs: Key | None) -> bool:
    """Whether two records that share ``key`` are one firm: always by registration
    code; by a weaker key unless both have registration keys and they differ."""
    return key[0] == "reg" or mine is None or theirs is None or mine == theirs


def first_match(
    keys: Sequence[Key],
    candidates: Callable[[Key], Iterable[_T]],
    registration_of: Callable[[_T], Key | None],
    foreign: Callable[[_T], bool] | None = None,
) -> tuple[Key, _T] | None:
    """The first candidate found by ``keys`` (from :func:`firm_keys`, in order)
    that :func:`may_match`, with the key that found it; None when there is none.

    ``candidates(key)`` lists what has the key (in the caller's order of
    preference); ``registration_of(candidate)`` is its registration key, so the
    same rule runs over a dict in the sync plan and over rows from the store.

    With ``foreign`` (whether a candidate is another partner's), a record that
    has a registration code is never another partner's firm by company name
    alone. Otherwise a partner could claim a firm it knows only by name, by
    entering the name before the chamber that holds the firm's code does, and
    every later form or row of that chamber would be kept as its duplicate. An
    e-mail address is an identifier the claimant would have to know, and still
    matches; a record without a code still finds another partner's firm by
    name (the cross-partner duplicate rule)."""
    mine = keys[0] if keys and keys[0][0] == "reg" else None
    for key in keys:
        for candidate in candidates(key):
            if mine is not None and key[0] == "name" and foreign is not None and foreign(candidate):
                continue
            if may_match(key, mine, registration_of(candidate)):
                return key, candidate
    return None
