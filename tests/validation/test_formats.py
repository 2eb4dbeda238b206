"""The custom formats, checked directly and against the libraries they stand in for."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integration.normalise.phone import is_valid_e164, normalise_phone
from integration.validation.validators import (
    FORMAT_CHECKER,
    _plain_email,
    is_date,
    is_date_time,
    is_email,
    is_phone,
    is_registration_code,
    is_uri,
)


def library_accepts(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


_ATOM = st.from_regex(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,12}", fullmatch=True)
_LABEL = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,10}[A-Za-z0-9])?", fullmatch=True)
_TLD = st.sampled_from(["lv", "ee", "fi", "az", "com", "test", "local", "onion", "COM", "x"])


@st.composite
def plain_looking_addresses(draw: st.DrawFn) -> str:
    local = ".".join(draw(st.lists(_ATOM, min_size=1, max_size=6)))
    labels = draw(st.lists(_LABEL, min_size=1, max_size=4))
    return f"{local}@{'.'.join(labels)}.{draw(_TLD)}"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_looking_addresses())
def test_every_address_the_fast_path_accepts_email_validator_accepts(address: str) -> None:
    if _plain_email(address):
        assert library_accepts(address), address
    else:
        assert is_email(address) == library_accepts(address), address


@pytest.mark.parametrize(
    "address",
    [
        "anna@baltic-soft.lv",
        "first.last+crm@sub.example.fi",
        "info@caspian.az",
        "jānis@uzņēmums.lv",
        "müller@firma.ee",
        "o'brien@example.co.uk",
    ],
)
def test_valid_addresses(address: str) -> None:
    assert is_email(address) and library_accepts(address)


@pytest.mark.parametrize(
    "address",
    [
        "anna@",
        "@baltic.lv",
        "anna baltic.lv",
        "anna@@baltic.lv",
        "anna@baltic",
        "anna@localhost",
        "anna@baltic.test",
        ".anna@baltic.lv",
        "anna.@baltic.lv",
        "an..na@baltic.lv",
        "anna@-baltic.lv",
        "anna@ab--cd.lv",
        "anna@baltic.123",
        "anna@" + "b" * 64 + ".lv",
        "anna@" + ("b" * 60 + ".") * 5 + "lv",
    ],
)
def test_invalid_addresses_agree_with_email_validator(address: str) -> None:
    assert not is_email(address)
    assert not library_accepts(address)


def test_phone_format_and_its_shared_verdicts() -> None:
    assert is_phone("+37126123456") and is_valid_e164("+37126123456")
    assert not is_phone("+3712612345")  # too short for Latvia
    assert not is_phone("26123456") and not is_phone("+371 2612 3456")
    assert not is_phone("+99999999999")
    # A number normalised once is judged by the validator without another parse,
    # and with the same verdict a fresh parse gives.
    assert normalise_phone("050 123 45 67", "AZ") == "+994501234567"
    assert is_phone("+994501234567")


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (is_date, ["2025-03-12", "2024-02-29"], ["2025-02-29", "12.03.2025", "2025-3-12", ""]),
        (
            is_date_time,
            ["2025-03-12T10:00:00Z", "2025-03-12T10:00:00+02:00"],
            ["2025-03-12", "yesterday", "2025-03-12T25:00:00"],
        ),
        (
            is_uri,
            ["https://baltic.lv", "http://localhost:5000/x", "https://a.b/c?d=e#f"],
            [
                "baltic.lv",
                "ftp://baltic.lv",
                "https://",
                "https://baltic lv",
                "javascript:alert(1)",
                "http://[::1",
            ],
        ),
        (
            is_registration_code,
            ["40003521600", "2077474-0", "HRB 12345", "FI2077474-0"],
            ["!!", "x" * 41, " 123"],
        ),
    ],
)
def test_formats(check, good: list[str], bad: list[str]) -> None:  # type: ignore[no-untyped-def]
    for value in good:
        assert check(value), value
    for value in bad:
        assert not check(value), value


def test_formats_ignore_non_strings_and_are_registered_on_one_checker() -> None:
    for check in (is_date, is_date_time, is_uri, is_registration_code, is_email, is_phone):
        assert check(42) and check(None) and check(["x"])
    assert {"registration-code", "phone", "email", "date", "date-time", "uri"} <= set(
        FORMAT_CHECKER.checkers
    )
