"""Whole rows: normalise_record, the schemas' rules and validate_record's issues."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from integration.normalise import is_blank, normalise_record
from integration.validation import ValidationIssue, check_row, validate_record
from integration.validation.validators import FORMAT_CHECKER, validator_for
from integration.vocabulary import country_name
from schemas import SCHEMA_NAMES, load_schema

GOOD_LEAD: dict[str, Any] = {
    "id": "L-000001",
    "partner": "lv",
    "company_name": "SIA Baltic Soft",
    "country": "LV",
    "registration_code": "40003521600",
    "sector": "ict",
    "role": "seller",
    "contact_name": "Anna Bērziņa",
    "email": "anna@baltic-soft.lv",
    "phone": "+37126123456",
    "website": "https://baltic-soft.lv",
    "stage": "meeting",
    "source": "b2b_forum",
    "event": "B2B forum Baku 2024",
    "gdpr_consent": True,
    "gdpr_consent_date": "2024-10-02",
    "notes": "Met at the forum.\nFollow up in spring.",
    "created_at": "2024-10-02T10:00:00+00:00",
    "updated_at": "2024-10-03T08:30:00Z",
}
GOOD_AGREEMENT: dict[str, Any] = {
    "id": "A-000001",
    "seller_id": "L-000001",
    "buyer_id": "L-000002",
    "sector": "ict",
    "subject": "ERP licences",
    "value": 12500.5,
    "currency": "EUR",
    "status": "signed",
    "signed_date": "2025-03-12",
    "reporting_partner": "lv",
    "evidence_url": "https://example.lv/contract.pdf",
    "notes": "",
}


def codes(issues: list[ValidationIssue]) -> list[tuple[str, str]]:
    return [(item.field, item.code) for item in issues]


def _walk_properties(schema: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, prop in schema.get("properties", {}).items():
        found.append((f"{path}.{name}", prop))
        found += _walk_properties(prop, f"{path}.{name}")
        if isinstance(prop.get("items"), dict):
            found += _walk_properties(prop["items"], f"{path}.{name}[]")
    return found


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schemas_are_valid_2020_12_with_titles_and_descriptions(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    props = _walk_properties(schema)
    assert props
    for path, prop in props:
        assert prop.get("title"), f"{name}{path} has no title"
        assert prop.get("description"), f"{name}{path} has no description"


def test_good_records_have_no_issues() -> None:
    assert validate_record("lead", GOOD_LEAD) == []
    assert validate_record("agreement", GOOD_AGREEMENT) == []
    minimal = {"partner": "ee", "company_name": "X", "country": "EE", "sector": "other"}
    assert validate_record("lead", minimal) == []


def test_validators_are_built_once_and_reused() -> None:
    assert validator_for("lead") is validator_for("lead")
    assert validator_for("lead").format_checker is FORMAT_CHECKER


def test_required_fields() -> None:
    assert codes(validate_record("lead", {})) == [
        ("partner", "required"),
        ("company_name", "required"),
        ("country", "required"),
        ("sector", "required"),
    ]
    assert codes(validate_record("agreement", {})) == [
        ("seller_id", "required"),
        ("buyer_id", "required"),
        ("status", "required"),
        ("reporting_partner", "required"),
    ]
    assert codes(validate_record("lead", {**GOOD_LEAD, "company_name": ""})) == [
        ("company_name", "required")
    ]


def test_signed_agreement_needs_a_signed_date_but_others_do_not() -> None:
    signed = {k: v for k, v in GOOD_AGREEMENT.items() if k != "signed_date"}
    assert codes(validate_record("agreement", signed)) == [("signed_date", "required")]
    message = validate_record("agreement", signed, locale="lv")[0].message
    assert message == "Parakstīšanas datums: obligāts, ja statuss ir 'parakstīts'."
    draft = {**signed, "status": "draft"}
    assert validate_record("agreement", draft) == []


@pytest.mark.parametrize(
    ("kind", "field", "value", "code"),
    [
        ("lead", "id", "L-12", "format"),
        ("lead", "id", "A-000001", "format"),
        ("lead", "partner", "de", "enum"),
        ("lead", "country", "XX", "enum"),
        ("lead", "country", "lv", "enum"),
        ("lead", "sector", "mining", "enum"),
        ("lead", "role", "reseller", "enum"),
        ("lead", "stage", "done", "enum"),
        ("lead", "source", "tv", "enum"),
        ("lead", "email", "anna@", "email"),
        ("lead", "email", "anna baltic.lv", "email"),
        ("lead", "phone", "26123456", "phone"),
        ("lead", "phone", "+3712612", "phone"),
        ("lead", "phone", "+99999999999", "phone"),
        ("lead", "website", "baltic-soft", "uri"),
        ("lead", "website", "ftp://baltic-soft.lv", "uri"),
        ("lead", "website", "https://baltic soft.lv", "uri"),
        ("lead", "gdpr_consent", "yes", "type"),
        ("lead", "gdpr_consent_date", "02.10.2024", "date"),
        ("lead", "gdpr_consent_date", "2024-02-30", "date"),
        ("lead", "created_at", "2024-10-02", "date"),
        ("lead", "company_name", 42, "type"),
        ("lead", "company_name", "x" * 201, "too_long"),
        ("lead", "registration_code", "4000 3521 600 !!", "registration_code"),
        ("lead", "registration_code", "", "format"),
        ("agreement", "id", "L-000001", "format"),
        ("agreement", "seller_id", "Baltic Soft", "format"),
        ("agreement", "value", -1, "minimum"),
        ("agreement", "value", "1 234", "type"),
        ("agreement", "currency", "RUB", "enum"),
        ("agreement", "status", "done", "enum"),
        ("agreement", "signed_date", "12.03.2025", "date"),
        ("agreement", "reporting_partner", "az", "enum"),
        ("agreement", "evidence_url", "contract.pdf", "uri"),
    ],
)
def test_each_rule_rejects_a_bad_value(kind: str, field: str, value: object, code: str) -> None:
    good = GOOD_LEAD if kind == "lead" else GOOD_AGREEMENT
    # the partner codes come from the partners file: here the example file's
    issues = validate_record(kind, {**good, field: value}, partners=("lv", "ee", "fi"))
    assert codes(issues) == [(field, code)]
    assert issues[0].message


def test_unknown_fields_are_reported_by_name() -> None:
    issues = validate_record("lead", {**GOOD_LEAD, "colour": "red"})
    assert codes(issues) == [("colour", "unknown_field")]


# Real-format registration codes: valid ones and the same with a wrong check digit.
REGISTRATION_CODES = [
    ("LV", "40003521600", True),
    ("LV", "40103000009", True),
    ("LV", "40003521601", False),
    ("LV", "4000352160", False),
    ("EE", "10137025", True),
    ("EE", "10000356", True),
    ("EE", "10137026", False),
    ("EE", "1013702", False),
    ("FI", "2077474-0", True),
    ("FI", "0112038-9", True),
    ("FI", "2077474-1", False),
    ("FI", "0112038-8", False),
    ("AZ", "1401555071", True),
    ("AZ", "9900003611", True),
    ("AZ", "1401555081", False),
    ("AZ", "9900003621", False),
    ("DE", "HRB 12345", True),
    ("SE", "556703-7485", True),
]


@pytest.mark.parametrize(("country", "code", "valid"), REGISTRATION_CODES)
def test_registration_codes_are_checked_per_country(country: str, code: str, valid: bool) -> None:
    issues = validate_record("lead", {**GOOD_LEAD, "country": country, "registration_code": code})
    if valid:
        assert issues == []
    else:
        assert codes(issues) == [("registration_code", "registration_code")]
        assert country_name(country) in issues[0].message and code in issues[0].message


def test_messages_follow_the_locale() -> None:
    bad = {**GOOD_LEAD, "email": "anna@"}
    messages = {
        loc: validate_record("lead", bad, locale=loc)[0].message for loc in ("en", "lv", "et", "fi")
    }
    assert messages["en"].startswith("E-mail:") and "valid e-mail" in messages["en"]
    assert messages["lv"].startswith("E-pasts:") and "e-pasta adrese" in messages["lv"]
    assert messages["et"].startswith("E-post:") and "e-posti aadress" in messages["et"]
    assert messages["fi"].startswith("Sähköposti:") and "sähköpostiosoite" in messages["fi"]
    enum_lv = validate_record("lead", {**GOOD_LEAD, "sector": "mining"}, locale="lv")[0].message
    assert "IKT" in enum_lv and "Zaļās tehnoloģijas" in enum_lv


def test_normalise_record_turns_a_latvian_row_into_a_valid_lead() -> None:
    raw = {
        "id": "l-1",
        "company_name": "\u00a0SIA  Baltic Soft ",
        "country": "Latvija",
        "registration_code": "LV 4000 3521 600",
        "sector": "IKT",
        "role": "Pārdevējs",
        "contact_name": "Anna Bērziņa",
        "email": "mailto:anna@baltic-soft.lv",
        "phone": "2612 3456",
        "website": "www.baltic-soft.lv",
        "stage": "Tikšanās",
        "source": "B2B forums",
        "event": "B2B forums Baku",
        "gdpr_consent": "jā",
        "gdpr_consent_date": "2.10.2024",
        "notes": "",
        "sync_status": "OK",
        "last_synced": "2025-01-01 02:00",
    }
    record, issues = normalise_record("lead", raw, "lv", partner="lv")
    assert issues == []
    # GOOD_LEAD as the sheet row holds it: no notes (blank) or timestamps (sync
    # columns), the website made a full URL, the event in Latvian
    unchanged = {
        k: v for k, v in GOOD_LEAD.items() if k not in ("notes", "created_at", "updated_at")
    }
    assert record == {
        **unchanged,
        "website": "https://www.baltic-soft.lv",
        "event": "B2B forums Baku",
    }
    assert validate_record("lead", record) == []


@pytest.mark.parametrize(
    ("locale", "raw"),
    [
        (
            "et",
            {
                "company_name": "OÜ Tallinn",
                "country": "Eesti",
                "sector": "Rohetehnoloogia",
                "stage": "Läbirääkimised",
                "gdpr_consent": "jah",
                "phone": "5123 4567",
            },
        ),
        (
            "fi",
            {
                "company_name": "Oy Helsinki",
                "country": "Suomi",
                "sector": "Rohetehnoloogia",
                "stage": "Neuvottelu",
                "gdpr_consent": "kyllä",
                "phone": "040 123 4567",
            },
        ),
        (
            "en",
            {
                "company_name": "Baku MMC",
                "country": "Azerbaijan",
                "sector": "Green tech",
                "stage": "Negotiation",
                "gdpr_consent": "yes",
                "phone": "+994 50 123 45 67",
            },
        ),
    ],
)
def test_normalise_record_in_other_languages(locale: str, raw: dict[str, str]) -> None:
    record, issues = normalise_record("lead", raw, locale, partner="ee")
    assert issues == []
    assert record["sector"] == "green_tech" and record["stage"] == "negotiation"
    assert record["gdpr_consent"] is True and record["phone"].startswith("+")
    assert validate_record("lead", record) == []


def test_numbers_in_text_columns_are_text() -> None:
    raw = {
        "company_name": 1880,
        "country": "LV",
        "sector": "ict",
        "event": 2025.0,
        "notes": 3.5,
        "contact_name": True,
    }
    record, issues = check_row("lead", raw, "en", partner="lv")
    assert record["company_name"] == "1880" and record["event"] == "2025"
    assert record["notes"] == "3.5"
    assert codes(issues) == [("contact_name", "type")]  # a checkbox is not a name


def test_values_that_cannot_be_read_are_kept_for_the_validator() -> None:
    raw = {
        "company_name": "X",
        "country": "Atlantis",
        "sector": "Mining",
        "gdpr_consent": "maybe",
        "gdpr_consent_date": "someday",
        "phone": "ask Anna",
        "extra": "kept",
    }
    record, issues = normalise_record("lead", raw, "en", partner="lv")
    assert issues == []
    assert record["country"] == "Atlantis" and record["sector"] == "Mining"
    assert record["gdpr_consent"] == "maybe" and record["gdpr_consent_date"] == "someday"
    assert record["phone"] == "ask Anna" and record["extra"] == "kept"
    assert sorted(codes(validate_record("lead", record))) == sorted(
        [
            ("country", "enum"),
            ("sector", "enum"),
            ("gdpr_consent", "type"),
            ("gdpr_consent_date", "date"),
            ("phone", "phone"),
            ("extra", "unknown_field"),
        ]
    )


def test_normalise_agreement_row_with_amount_currency_and_parties() -> None:
    raw = {
        "seller": "l-1",
        "buyer": "L-000002",
        "value": "1 234,50 €",
        "status": "Parakstīts",
        "signed_date": 45728,
        "sector": "IKT",
        "reporting_partner": "",
    }
    record, issues = normalise_record("agreement", raw, "lv", partner="lv")
    assert issues == []
    assert record == {
        "seller_id": "L-000001",
        "buyer_id": "L-000002",
        "value": 1234.5,
        "currency": "EUR",
        "status": "signed",
        "signed_date": "2025-03-12",
        "sector": "ict",
        "reporting_partner": "lv",
    }
    explicit = normalise_record("agreement", {**raw, "currency": "USD"}, "lv")[0]
    assert explicit["currency"] == "USD"
    # Not-a-number is not an amount: it stays visible as text and the schema says so.
    record, issues = check_row("agreement", {**raw, "value": float("nan")}, "lv", partner="lv")
    assert record["value"] == "nan" and codes(issues) == [("value", "type")]


def test_party_names_need_a_resolver_else_a_party_issue() -> None:
    raw = {
        "seller": "SIA Baltic Soft",
        "buyer": "L-2",
        "status": "draft",
        "reporting_partner": "lv",
    }
    record, issues = check_row("agreement", raw, "en")
    assert "seller_id" not in record
    assert codes(issues) == [("seller_id", "party")]  # not also "required"
    assert "SIA Baltic Soft" in issues[0].message and "CRM ID" in issues[0].message
    record, issues = check_row(
        "agreement", raw, "en", resolve_party={"SIA Baltic Soft": "L-000001"}.get
    )
    assert issues == [] and record["seller_id"] == "L-000001"


def test_check_row_combines_normalisation_and_schema() -> None:
    record, issues = check_row(
        "lead",
        {"company_name": "X", "country": "Suomi", "sector": "IT", "registration_code": "2077474-1"},
        "fi",
        partner="fi",
    )
    assert record["country"] == "FI"
    assert codes(issues) == [("registration_code", "registration_code")]
    assert "Suomi" in issues[0].message and "rekisterinumero" in issues[0].message


_CELL = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)
_LEAD_KEYS = [*load_schema("lead")["properties"], "sync_status", "colour"]
_AGREEMENT_KEYS = [*load_schema("agreement")["properties"], "seller", "buyer", "last_synced"]


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(["lead", "agreement"]),
    data=st.data(),
    locale=st.sampled_from(["en", "lv", "et", "fi", "xx"]),
)
def test_any_cells_give_issues_never_exceptions(
    kind: str, data: st.DataObject, locale: str
) -> None:
    keys = _LEAD_KEYS if kind == "lead" else _AGREEMENT_KEYS
    raw = data.draw(st.dictionaries(st.sampled_from(keys), _CELL, max_size=8))
    record, issues = check_row(kind, raw, locale, partner="lv")
    for item in issues:
        assert item.field is not None and item.code and item.message
    # Nothing typed is lost: every non-blank cell is in the record or named by an issue.
    named = {item.field for item in issues}
    for key, value in raw.items():
        if key in ("sync_status", "last_synced") or is_blank(value):
            continue
        target = {"seller": "seller_id", "buyer": "buyer_id"}.get(key, key)
        assert target in record or target in named, (key, value, record, issues)
