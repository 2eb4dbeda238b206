"""Rules across records: parties, duplicates, signed dates, company-name matching."""

from __future__ import annotations

import datetime as dt

import pytest

from integration.identity import company_key
from integration.validation.cross_rules import (
    InMemoryLeads,
    check_agreement,
    check_lead_duplicate,
    lead_keys,
    natural_key,
    resolve_party,
)

TODAY = dt.date(2025, 6, 1)
LEADS = [
    {
        "id": "L-000001",
        "company_name": "SIA Baltic Soft",
        "country": "LV",
        "registration_code": "40003521600",
        "email": "info@baltic-soft.lv",
    },
    {
        "id": "L-000002",
        "company_name": "Caspian Tech MMC",
        "country": "AZ",
        "registration_code": "1401555071",
    },
    {"id": "L-000003", "company_name": "Riga Wood", "country": "LV", "email": "Sales@RigaWood.lv"},
    {"id": "L-000004", "company_name": "Nordic Design Oy", "country": "FI"},
    {"id": "L-000005", "company_name": "Nordic Design Ab", "country": "SE"},
]


@pytest.fixture
def leads() -> InMemoryLeads:
    return InMemoryLeads(LEADS)


def codes(issues: list) -> list[tuple[str, str]]:
    return [(item.field, item.code) for item in issues]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SIA Baltic Soft", "Baltic Soft, SIA"),
        ('SIA  "Baltic Soft"', "BALTIC SOFT"),
        ("Tallinna Ärid OÜ", "tallinna arid"),
        ("Nokia Oyj", "NOKIA"),
        ("Caspian Tech MMC", "Caspian Tech LLC"),
        ("Azərsun QSC", "Azersun"),
        ("AS Latvijas Finieris", "Latvijas Finieris AS"),
        ("Helsinki Design Ltd.", "Helsinki Design GmbH"),
    ],
)
def test_company_key_ignores_case_spacing_accents_and_legal_forms(a: str, b: str) -> None:
    assert company_key(a) == company_key(b)


def test_company_key_keeps_names_that_are_only_a_legal_form() -> None:
    assert company_key("AS") == "as"
    assert company_key("Baltic Soft") != company_key("Baltic Wood")


def test_natural_key_prefers_registration_code_then_email() -> None:
    assert natural_key({"country": "LV", "registration_code": "LV 4000 3521 600"}) == (
        "reg",
        "LV",
        "40003521600",
    )
    assert natural_key({"country": "FI", "registration_code": "2077474-0"}) == (
        "reg",
        "FI",
        "20774740",
    )
    assert natural_key({"country": "LV", "email": " Info@Baltic.LV "}) == (
        "email",
        "info@baltic.lv",
    )
    assert natural_key({"registration_code": "40003521600", "email": "a@b.lv"}) == (
        "email",
        "a@b.lv",
    )
    assert natural_key({"company_name": "Only a name", "country": "LV"}) is None


def test_lead_keys_include_code_alone_and_company_name() -> None:
    keys = lead_keys(LEADS[0])
    assert ("reg", "LV", "40003521600") in keys
    assert ("code", "40003521600") in keys
    assert ("email", "info@baltic-soft.lv") in keys
    assert ("company", "balticsoft") in keys


def test_duplicate_by_registration_code_and_country(leads: InMemoryLeads) -> None:
    issues = check_lead_duplicate({"country": "LV", "registration_code": "4000 3521 600"}, leads)
    assert codes(issues) == [("registration_code", "duplicate")]
    assert "L-000001" in issues[0].message
    # The same code in another country is another firm.
    assert check_lead_duplicate({"country": "EE", "registration_code": "40003521600"}, leads) == []


def test_duplicate_by_email_when_no_registration_code(leads: InMemoryLeads) -> None:
    issues = check_lead_duplicate(
        {"country": "LV", "email": "sales@rigawood.lv"}, leads, locale="lv"
    )
    assert codes(issues) == [("email", "duplicate")]
    assert "L-000003" in issues[0].message and "CRM" in issues[0].message


def test_a_lead_is_not_a_duplicate_of_itself(leads: InMemoryLeads) -> None:
    assert check_lead_duplicate(LEADS[0], leads) == []


LV_OTHER = "40001819093"  # a valid Latvian code of another firm


def test_a_name_alone_is_a_duplicate_unless_the_codes_differ(leads: InMemoryLeads) -> None:
    by_name = check_lead_duplicate({"company_name": "BALTIC SOFT", "country": "LV"}, leads)
    assert codes(by_name) == [("company_name", "duplicate")]
    assert "L-000001" in by_name[0].message
    other_code = {"company_name": "Baltic Soft", "country": "LV", "registration_code": LV_OTHER}
    assert check_lead_duplicate(other_code, leads) == []
    assert check_lead_duplicate({"company_name": "Baltic Soft", "country": "EE"}, leads) == []


def test_resolve_party_by_id_code_or_name(leads: InMemoryLeads) -> None:
    assert resolve_party("l-2", leads) == "L-000002"
    assert resolve_party("40003521600", leads) == "L-000001"
    assert resolve_party("LV40003521600", leads) == "L-000001"
    assert resolve_party("140 155 5071", leads) == "L-000002"
    assert resolve_party("Baltic Soft", leads) == "L-000001"
    assert resolve_party("caspian tech llc", leads) == "L-000002"
    assert resolve_party("Nobody Ltd", leads) is None


def test_ambiguous_names_resolve_to_nothing(leads: InMemoryLeads) -> None:
    # "Nordic Design Oy" (FI) and "Nordic Design Ab" (SE) share a name key.
    assert resolve_party("Nordic Design", leads) is None


AGREEMENT = {
    "seller_id": "L-000001",
    "buyer_id": "L-000002",
    "status": "signed",
    "signed_date": "2025-03-12",
    "reporting_partner": "lv",
}


def test_good_agreement_passes(leads: InMemoryLeads) -> None:
    assert check_agreement(AGREEMENT, leads, today=TODAY) == []


def test_parties_must_exist(leads: InMemoryLeads) -> None:
    issues = check_agreement({**AGREEMENT, "buyer_id": "L-000099"}, leads, today=TODAY, locale="et")
    assert codes(issues) == [("buyer_id", "reference")]
    assert "L-000099" in issues[0].message and "CRM" in issues[0].message


def test_parties_must_be_different_firms(leads: InMemoryLeads) -> None:
    issues = check_agreement({**AGREEMENT, "buyer_id": "L-000001"}, leads, today=TODAY)
    assert codes(issues) == [("buyer_id", "same_firm")]
    twin = InMemoryLeads(
        [
            *LEADS[:2],
            {
                "id": "L-000010",
                "company_name": "Baltic Soft (copy)",
                "country": "LV",
                "registration_code": "40003521600",
            },
        ]
    )
    issues = check_agreement({**AGREEMENT, "buyer_id": "L-000010"}, twin, today=TODAY)
    assert codes(issues) == [("buyer_id", "same_firm")]


def test_parties_must_be_from_different_countries(leads: InMemoryLeads) -> None:
    issues = check_agreement({**AGREEMENT, "buyer_id": "L-000003"}, leads, today=TODAY, locale="fi")
    assert codes(issues) == [("buyer_id", "same_country")]
    assert "Latvia" in issues[0].message  # the country by name, in the reader's words


def test_signed_date_not_in_the_future(leads: InMemoryLeads) -> None:
    assert check_agreement({**AGREEMENT, "signed_date": "2025-06-01"}, leads, today=TODAY) == []
    issues = check_agreement({**AGREEMENT, "signed_date": "2025-06-02"}, leads, today=TODAY)
    assert codes(issues) == [("signed_date", "signed_date")]
    # A future date on a draft is a plan, not a problem; a malformed date is the schema's.
    assert (
        check_agreement(
            {**AGREEMENT, "status": "draft", "signed_date": "2030-01-01"}, leads, today=TODAY
        )
        == []
    )
    assert check_agreement({**AGREEMENT, "signed_date": "soon"}, leads, today=TODAY) == []
