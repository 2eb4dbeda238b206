"""Cell values as partners type them, turned into schema values (or left for the validator)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from integration.normalise import (
    clean_line,
    clean_text,
    is_blank,
    match_headers,
    normalise_email,
    normalise_id,
    normalise_phone,
    normalise_registration_code,
    normalise_url,
    parse_amount,
    parse_bool,
    parse_currency,
    parse_date,
)
from integration.normalise.text import storable, storable_rows


def test_text_cleanup_handles_non_breaking_and_zero_width_spaces() -> None:
    assert clean_line("\u00a0 Baltic\u00a0\u00a0Soft \u202f") == "Baltic Soft"
    assert clean_line("\ufeffCompany\u200b") == "Company"
    assert clean_line(" \u00a0 ") is None
    assert clean_line(42) == 42
    assert clean_text("line one  \r\nline\u00a0two\n") == "line one\nline two"
    assert is_blank("\u00a0") and is_blank(None) and not is_blank("x")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("12.03.2025", "2025-03-12"),
        ("12.3.2025", "2025-03-12"),
        ("2.3.2025.", "2025-03-02"),
        ("2025-03-12", "2025-03-12"),
        ("2025-3-2", "2025-03-02"),
        ("2025-03-12T10:15:00Z", "2025-03-12"),
        ("2025-03-12 10:15", "2025-03-12"),
        ("12/03/2025", "2025-03-12"),
        ("12.03.25", "2025-03-12"),
        ("2025.03.12", "2025-03-12"),
        ("12. marts 2025", "2025-03-12"),
        ("12. märts 2025", "2025-03-12"),
        ("12. maaliskuuta 2025", "2025-03-12"),
        ("12 March 2025", "2025-03-12"),
        ("3 Jan 2024", "2024-01-03"),
        ("2025. gada 12. marts", "2025-03-12"),
        ("2025. g. 12. martā", "2025-03-12"),
        ("12. maaliskuussa 2025", "2025-03-12"),
        ("\u00a012.03.2025 ", "2025-03-12"),
        (45728, "2025-03-12"),
        (45728.75, "2025-03-12"),
        ("45728", "2025-03-12"),
        (1, "1899-12-31"),
        (dt.date(2025, 3, 12), "2025-03-12"),
        (dt.datetime(2025, 3, 12, 23, 59), "2025-03-12"),
    ],
)
def test_dates(cell: object, expected: str) -> None:
    assert parse_date(cell, "lv") == expected


@pytest.mark.parametrize(
    "cell", ["31.02.2025", "tomorrow", "2025-13-01", "12.03", "2025", "12 Foo 2025", "30 Feb 2025"]
)
def test_dates_that_are_not_dates_pass_through(cell: str) -> None:
    assert parse_date(cell, "fi") == cell


def test_dates_edge_values() -> None:
    assert parse_date(None) is None
    assert parse_date("  ") is None
    assert parse_date(True) is True
    assert parse_date(-5) == -5


@pytest.mark.parametrize(
    ("cell", "locale", "expected"),
    [
        ("1 234,50 €", "lv", (1234.5, "EUR")),
        ("1\u00a0234,50\u00a0€", "et", (1234.5, "EUR")),
        ("1234.50", "lv", (1234.5, None)),
        ("1234,50", "fi", (1234.5, None)),
        ("EUR 1,234.50", "en", (1234.5, "EUR")),
        ("1.234,50 EUR", "et", (1234.5, "EUR")),
        ("1,234", "en", (1234, None)),
        ("1,234", "lv", (1.234, None)),
        ("12 000 euroa", "fi", (12000, "EUR")),
        ("5000 eiro", "lv", (5000, "EUR")),
        ("$ 2,500", "en", (2500, "USD")),
        ("AZN 15 000", "en", (15000, "AZN")),
        ("₼500", "en", (500, "AZN")),
        ("1 000 000", "fi", (1000000, None)),
        ("-20", "en", (-20, None)),
        (1500, "lv", (1500, None)),
        (1500.5, "lv", (1500.5, None)),
        (Decimal("10.00"), "lv", (10, None)),
    ],
)
def test_amounts(cell: object, locale: str, expected: tuple[object, str | None]) -> None:
    assert parse_amount(cell, locale) == expected


@pytest.mark.parametrize("cell", ["about 5k", "12 kr", "1,2,3", "EUR 5 USD", "€"])
def test_amounts_that_are_not_amounts_pass_through(cell: str) -> None:
    assert parse_amount(cell, "en") == (cell, None)


def test_amount_blank_and_currency_words() -> None:
    assert parse_amount(None) == (None, None)
    assert parse_amount("   ") == (None, None)
    assert parse_currency("eur") == "EUR"
    assert parse_currency("€") == "EUR"
    assert parse_currency("manaattia") == "AZN"
    assert parse_currency("Rupee") == "Rupee"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("yes", True),
        ("No", False),
        ("TRUE", True),
        ("false", False),
        ("x", True),
        ("X", True),
        ("✓", True),
        ("jā", True),
        ("ja", True),
        ("nē", False),
        ("jah", True),
        ("ei", False),
        ("kyllä", True),
        ("KYLLA", True),
        ("1", True),
        ("0", False),
        (1, True),
        (0, False),
        (True, True),
        (" \u00a0", None),
    ],
)
def test_booleans(cell: object, expected: object) -> None:
    assert parse_bool(cell) == expected


def test_unknown_boolean_passes_through() -> None:
    assert parse_bool("maybe") == "maybe"
    assert parse_bool(7) == 7


@pytest.mark.parametrize(
    ("cell", "country", "expected"),
    [
        ("26123456", "LV", "+37126123456"),
        ("+371 2612 3456", None, "+37126123456"),
        ("00371 26123456", "FI", "+37126123456"),
        ("371 2612 3456", None, "+37126123456"),
        ("5123 4567", "EE", "+37251234567"),
        ("040 123 4567", "FI", "+358401234567"),
        ("+994 12 345 67 89", None, "+994123456789"),
        ("050 123 45 67", "AZ", "+994501234567"),
        (37126123456, None, "+37126123456"),
        (37126123456.0, None, "+37126123456"),
    ],
)
def test_phone_to_e164(cell: object, country: str | None, expected: str) -> None:
    assert normalise_phone(cell, country) == expected


def test_phone_that_is_not_a_number_passes_through() -> None:
    assert normalise_phone("call reception", "LV") == "call reception"
    assert normalise_phone("123", "LV") == "123"
    assert normalise_phone(" ", "LV") is None


def test_ids() -> None:
    assert normalise_id("l-123") == "L-000123"
    assert normalise_id("L000045") == "L-000045"
    assert normalise_id(" a-7 ") == "A-000007"
    assert normalise_id("L-1234567") == "L-1234567"
    assert normalise_id("Baltic Soft") == "Baltic Soft"


@pytest.mark.parametrize(
    ("cell", "country", "expected"),
    [
        ("LV 4000 3521 600", "LV", "40003521600"),
        ("LV40003521600", "LV", "40003521600"),
        ("20774740", "FI", "2077474-0"),
        ("FI 2077474-0", "FI", "2077474-0"),
        ("10137025", "EE", "10137025"),
        ("140 155 5071", "AZ", "1401555071"),
        ("40003521601", "LV", "40003521601"),
        ("HRB 12345", "DE", "HRB 12345"),
        (40003521600, "LV", "40003521600"),
    ],
)
def test_registration_codes(cell: object, country: str, expected: str) -> None:
    assert normalise_registration_code(cell, country) == expected


def test_email_and_url_cleanup() -> None:
    assert normalise_email(" mailto:Info@Baltic.lv ") == "Info@Baltic.lv"
    assert normalise_email("<a@b.ee>") == "a@b.ee"
    assert normalise_url("www.baltic.lv") == "https://www.baltic.lv"
    assert normalise_url("caspian.az/en") == "https://caspian.az/en"
    assert normalise_url("http://x.fi") == "http://x.fi"
    assert normalise_url("not a link") == "not a link"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ["Company", "Country", "Sector", "E-mail"],
            ["company_name", "country", "sector", "email"],
        ),
        (
            ["Uzņēmums", "Valsts", "Nozare", "E-pasts", "Tālrunis"],
            ["company_name", "country", "sector", "email", "phone"],
        ),
        (
            ["Ettevõte", "Riik", "Sektor", "Registrikood", "Kontaktisik"],
            ["company_name", "country", "sector", "registration_code", "contact_name"],
        ),
        (
            ["Yritys", "Maa", "Toimiala", "Y-tunnus", "Sähköposti", "Vaihe"],
            ["company_name", "country", "sector", "registration_code", "email", "stage"],
        ),
        (
            ["  UZNEMUMS ", "valsts", "NOZARE", "e pasts", "reg nr"],
            ["company_name", "country", "sector", "email", "registration_code"],
        ),
        (["company_name", "gdpr_consent_date"], ["company_name", "gdpr_consent_date"]),
    ],
)
def test_match_headers_in_each_language(headers: list[str], expected: list[str]) -> None:
    match = match_headers(headers, "lead")
    assert match.fields == expected
    assert match.unmapped == []


def test_match_headers_reads_past_a_bracketed_remark() -> None:
    match = match_headers(["E-mail (work)", "Tālrunis (mob.)", "Company*"], "lead")
    assert match.fields == ["email", "phone", "company_name"]


def test_match_headers_reports_unknown_and_repeated_columns_and_service_columns() -> None:
    header = ["CRM ID", "Company", "", "My notes", "Yritys", "Sync status", "Last synced", None]
    match = match_headers(header, "lead")
    assert match.columns == {"id": 0, "company_name": 1, "sync_status": 5, "last_synced": 6}
    assert match.unmapped == [(3, "My notes"), (4, "Yritys")]
    # blank and missing trailing cells are left out, as the sync leaves them out
    raw = match.row_to_raw(["L-000001", "Baltic Soft", "", "", "", ""])
    assert raw == {"id": "L-000001", "company_name": "Baltic Soft"}


def test_match_headers_for_agreements_finds_parties() -> None:
    match = match_headers(["Pārdevējs", "Pircējs", "Summa", "Valūta", "Statuss"], "agreement")
    assert match.fields == ["seller", "buyer", "value", "currency", "status"]
    match = match_headers(["Myyjä", "Ostaja", "Tila", "Allekirjoituspäivä"], "agreement")
    assert match.fields == ["seller", "buyer", "status", "signed_date"]
    with pytest.raises(KeyError):
        match_headers(["x"], "invoice")


_BABEL = {"en": "en_GB", "lv": "lv", "et": "et", "fi": "fi"}


@settings(max_examples=200, deadline=None)
@given(
    amount=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    locale=st.sampled_from(["en", "lv", "et", "fi"]),
)
def test_amounts_as_babel_writes_them_read_back(amount: Decimal, locale: str) -> None:
    text = format_currency(amount, "EUR", locale=_BABEL[locale])
    value, currency = parse_amount(text, locale)
    assert currency == "EUR", text
    assert Decimal(str(value)) == amount, text
    plain = format_decimal(amount, locale=_BABEL[locale], decimal_quantization=False)
    assert Decimal(str(parse_amount(plain, locale)[0])) == amount, plain


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31)),
    locale=st.sampled_from(["en", "lv", "et", "fi"]),
    width=st.sampled_from(["short", "medium", "long"]),
)
def test_dates_as_babel_writes_them_read_back(day: dt.date, locale: str, width: str) -> None:
    """Every date format the four locales write (short, medium, long) reads back."""
    text = format_date(day, format=width, locale=_BABEL[locale])
    if width == "short" and day.year // 100 != 20:
        return  # two-digit years are read as 20yy
    assert parse_date(text, locale) == day.isoformat(), text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("x\udfff", "x\ufffd"),
        ("\ud800a\udc00", "\ufffda\ufffd"),
        ("a\x00b", "ab"),
        ("\ufdd0\ufffe\U0001fffe\U0010ffff", "\ufffd" * 4),
        ("Ā😀 \ufffd ok", "Ā😀 \ufffd ok"),
        ("plain", "plain"),
        (12, 12),
    ],
)
def test_text_that_is_not_text_becomes_storable(raw, expected) -> None:
    """Lone surrogates and non-characters become U+FFFD and NUL goes, in the
    cells of a tab and in every normalised text, so UTF-8 can always write it."""
    assert storable(raw) == expected
    assert storable_rows([["ok", raw]]) == [["ok", expected]]
    if isinstance(raw, str) and expected.strip():
        assert clean_line(raw) == expected.strip()
        assert clean_text(raw) == expected.strip()
        assert clean_line(raw).encode("utf-8")
