"""Registration codes and phone numbers for the demo's generated firms.

Codes carry correct check digits (python-stdnum), phone numbers fall in ranges
``phonenumbers`` knows are allocated, so the demo's rows pass validation unless a
row is broken on purpose (:func:`broken_check_digit`). Pure functions of a seeded
random generator, no I/O.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import phonenumbers
from stdnum.az import voen
from stdnum.ee import registrikood
from stdnum.fi import ytunnus
from stdnum.lv import pvn


# -- registration codes with correct check digits ---------------------------------
def _valid_code(
    rng: random.Random, make: Callable[[random.Random], str], ok: Callable[[str], bool]
) -> str:
    while True:
        code = make(rng)
        if ok(code):
            return code


def registration_code(country: str, rng: random.Random) -> str:
    """A registration code of a legal person in ``country`` that python-stdnum accepts."""
    if country == "LV":
        return _valid_code(
            rng, lambda r: "40" + "".join(r.choices("0123456789", k=9)), pvn.is_valid
        )
    if country == "EE":
        return _valid_code(
            rng, lambda r: "1" + "".join(r.choices("0123456789", k=7)), registrikood.is_valid
        )
    if country == "FI":

        def make_fi(r: random.Random) -> str:
            body = str(r.randint(1000000, 3299999))
            return f"{body}-{r.randint(0, 9)}"

        return _valid_code(rng, make_fi, ytunnus.is_valid)
    if country == "AZ":

        def make_az(r: random.Random) -> str:
            return f"{r.randint(10, 99)}{r.randint(0, 999999):06d}{r.randint(0, 9)}1"

        return _valid_code(rng, make_az, voen.is_valid)
    raise ValueError(f"no registration code scheme for {country}")


def broken_check_digit(code: str, country: str) -> str:
    """The same code with its check digit changed so that it no longer validates."""
    module = {"LV": pvn, "EE": registrikood, "FI": ytunnus, "AZ": voen}[country]
    for delta in range(1, 10):
        last = str((int(code[-1]) + delta) % 10)
        candidate = code[:-1] + last
        if not module.is_valid(candidate):
            return candidate
    raise ValueError(f"cannot break {code}")  # pragma: no cover


# -- phone numbers in the way people type them --------------------------------------
def phone(country: str, rng: random.Random) -> str:
    """A mobile number as people write it, in a range phonenumbers knows is allocated."""
    while True:
        text = _phone_candidate(country, rng)
        if phonenumbers.is_valid_number(phonenumbers.parse(text, None)):
            return text


def _phone_candidate(country: str, rng: random.Random) -> str:
    def digits(n: int) -> str:
        return "".join(rng.choices("0123456789", k=n))

    if country == "LV":
        return f"+371 2{digits(3)} {digits(4)}"
    if country == "EE":
        return f"+372 5{digits(3)} {digits(4)}"
    if country == "FI":
        return f"+358 40 {digits(3)} {digits(4)}"
    return f"+994 50 {digits(3)} {digits(2)} {digits(2)}"
