"""The one identity module: display form, comparison key and natural key per country."""

from __future__ import annotations

import pytest

from integration.identity import (
    company_key,
    firm_keys,
    first_match,
    key_hash,
    may_match,
    natural_key,
    natural_key_field,
    registration_code_display,
    registration_code_valid,
    registration_identity,
    registration_key,
    tombstone_hashes,
)
from integration.normalise import normalise_registration_code
from integration.validation.cross_rules import InMemoryLeads, resolve_party


@pytest.mark.parametrize(
    ("code", "country", "display", "key"),
    [
        # LV: a VAT prefix and spaces go; the compact form is the display form.
        ("LV 4000 3521 600", "LV", "40003521600", "40003521600"),
        ("LV40001819093", "LV", "40001819093", "40001819093"),
        ("40001819093", "LV", "40001819093", "40001819093"),
        ("4000.1819.093", "LV", "4000.1819.093", "40001819093"),
        # EE: registrikood has no official prefix; a typed "EE" is still dropped.
        ("10137025", "EE", "10137025", "10137025"),
        ("EE10137025", "EE", "EE10137025", "10137025"),
        ("1013 7025", "EE", "10137025", "10137025"),
        # FI: Y-tunnus is displayed with its dash and compared without it.
        ("20774740", "FI", "2077474-0", "20774740"),
        ("FI24402426", "FI", "2440242-6", "24402426"),
        ("2440242-6", "FI", "2440242-6", "24402426"),
        # AZ: VOEN, ten digits.
        ("140 155 5071", "AZ", "1401555071", "1401555071"),
        ("AZ1401555071", "AZ", "AZ1401555071", "1401555071"),
        # An invalid code keeps its text for display, and is still compared compactly.
        ("40003521601", "LV", "40003521601", "40003521601"),
        # A country stdnum does not check: shown as typed, compared as letters and digits.
        ("HRB 12345", "DE", "HRB 12345", "HRB12345"),
        ("hrb 12-345", "DE", "hrb 12-345", "HRB12345"),
        ("DE 123/4567", "DE", "DE 123/4567", "1234567"),
    ],
)
def test_display_form_and_comparison_key_per_country(
    code: str, country: str, display: str, key: str
) -> None:
    assert registration_code_display(code, country) == display
    assert registration_key(code, country) == key


@pytest.mark.parametrize(
    ("first", "second", "country"),
    [
        ("LV40001819093", "40001819093", "LV"),
        ("FI24402426", "2440242-6", "FI"),
        ("EE 1013 7025", "10137025", "EE"),
        ("AZ 1401555071", "1401555071", "AZ"),
        ("hrb-12345", "HRB 12345", "XX"),
    ],
)
def test_the_same_firm_typed_two_ways_has_one_natural_key(
    first: str, second: str, country: str
) -> None:
    one = natural_key({"registration_code": first, "country": country, "email": "a@x.lv"})
    two = natural_key({"registration_code": second, "country": country, "email": "b@y.lv"})
    assert one == two == ("reg", country, registration_key(second, country))
    assert key_hash(one) == key_hash(two)


def test_natural_key_falls_back_to_email_and_needs_a_country_for_the_code() -> None:
    assert natural_key({"registration_code": "40001819093", "email": " Info@Firm.LV "}) == (
        "email",
        "info@firm.lv",
    )
    assert natural_key({"country": "LV", "company_name": "Firm"}) is None
    assert natural_key({"country": "lv", "registration_code": "LV40001819093"}) == (
        "reg",
        "LV",
        "40001819093",
    )


def test_natural_key_names_the_field_it_comes_from() -> None:
    by_code = natural_key({"country": "FI", "registration_code": "2440242-6", "email": "a@b.fi"})
    by_email = natural_key({"country": "FI", "email": "a@b.fi"})
    assert by_code is not None and natural_key_field(by_code) == "registration_code"
    assert by_email is not None and natural_key_field(by_email) == "email"


def test_validity_is_known_only_for_checked_countries() -> None:
    assert registration_code_valid("40003521600", "LV") is True
    assert registration_code_valid("40003521601", "LV") is False
    assert registration_code_valid("2077474-0", "FI") is True
    assert registration_code_valid("10137025", "EE") is True
    assert registration_code_valid("1401555071", "AZ") is True
    assert registration_code_valid("HRB 12345", "DE") is None


def test_cell_normaliser_cleans_then_uses_the_display_form() -> None:
    assert normalise_registration_code("\u00a0FI 2077474-0 ", "FI") == "2077474-0"
    assert normalise_registration_code(40003521600, "LV") == "40003521600"
    assert normalise_registration_code("  ", "LV") is None


def test_a_party_named_by_a_prefixed_or_punctuated_code_finds_its_lead() -> None:
    lookup = InMemoryLeads(
        [
            {"id": "L-000001", "country": "FI", "registration_code": "2440242-6"},
            {"id": "L-000002", "country": "LV", "registration_code": "40001819093"},
        ]
    )
    assert resolve_party("FI24402426", lookup) == "L-000001"
    assert resolve_party("LV 4000 1819 093", lookup) == "L-000002"
    assert resolve_party("4000.1819.093", lookup) == "L-000002"
    assert resolve_party("99999999", lookup) is None


def test_inputs_whose_key_changed_when_the_copies_were_merged() -> None:
    """Before, the natural key stripped only spaces, dashes, dots and slashes, and the
    party-matching key kept EE/AZ/foreign prefixes and LV dots; both now use one key."""
    assert natural_key({"country": "LV", "registration_code": "(40001819093),"}) == (
        "reg",
        "LV",
        "40001819093",
    )
    lookup = InMemoryLeads([{"id": "L-000003", "country": "EE", "registration_code": "EE10137025"}])
    assert resolve_party("10137025", lookup) == "L-000003"


# -- every key of a firm, and when a weaker one may match ---------------------------
@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Sisustus Oy", "sisustus"),
        ("SISUSTUS OY", "sisustus"),
        ('"Sisustus" Oy.', "sisustus"),
        ("Oy Sisustus Ab", "sisustus"),
        ("SIA  Baltic-Soft", "balticsoft"),
        ("Baltic Soft, SIA", "balticsoft"),
        ("„Meža Nams” SIA", "mezanams"),
        ("Mäkelä Oyj", "makela"),
        ("OÜ Põhjala", "pohjala"),
        ("Caspian Tech MMC", "caspiantech"),
        ("Azərbaycan Tikinti LLC", "azerbaycantikinti"),
        ("AS", "as"),  # only a legal form: kept rather than emptied
    ],
)
def test_company_key_folds_legal_form_case_accents_quotes_and_punctuation(
    name: str, key: str
) -> None:
    assert company_key(name) == key


@pytest.mark.parametrize(
    ("record", "keys"),
    [
        (
            {
                "registration_code": "FI24402426",
                "country": "fi",
                "email": " Info@Sisustus.FI",
                "company_name": "Sisustus Oy",
            },
            [("reg", "FI", "24402426"), ("email", "info@sisustus.fi"), ("name", "FI", "sisustus")],
        ),
        (
            {"country": "FI", "company_name": "SISUSTUS OY", "phone": "+358401234567"},
            [("name", "FI", "sisustus")],
        ),
        # a code without a country is no registration key; a name needs a country too
        (
            {"registration_code": "40001819093", "email": "a@b.lv", "company_name": "X"},
            [("email", "a@b.lv")],
        ),
        ({"company_name": "  ", "country": "LV"}, []),
    ],
)
def test_firm_keys_strongest_first(record: dict, keys: list) -> None:
    assert firm_keys(record) == keys


REG_A, REG_B = ("reg", "LV", "40003521600"), ("reg", "LV", "40001819093")


@pytest.mark.parametrize(
    ("key", "mine", "theirs", "same"),
    [
        (REG_A, REG_A, REG_A, True),
        (("email", "a@b.lv"), None, REG_A, True),
        (("email", "a@b.lv"), REG_A, None, True),
        (("email", "a@b.lv"), REG_A, REG_B, False),
        (("name", "LV", "balticsoft"), None, None, True),
        (("name", "LV", "balticsoft"), REG_A, REG_A, True),
        (("name", "LV", "balticsoft"), REG_A, REG_B, False),
    ],
)
def test_a_weaker_key_never_joins_two_different_registration_codes(
    key: tuple, mine: tuple | None, theirs: tuple | None, same: bool
) -> None:
    assert may_match(key, mine, theirs) is same


def test_first_match_tries_keys_in_order_and_skips_a_conflicting_candidate() -> None:
    stored = {
        "L-1": {"registration_code": "40001819093", "country": "LV", "company_name": "Baltic Soft"},
        "L-2": {"country": "LV", "company_name": "Baltic Soft SIA", "email": "x@b.lv"},
    }
    index: dict[tuple, list[str]] = {}
    for lead_id, data in stored.items():
        for key in firm_keys(data):
            index.setdefault(key, []).append(lead_id)

    def find(record: dict) -> tuple | None:
        return first_match(
            firm_keys(record),
            lambda key: index.get(key, []),
            lambda lead_id: registration_identity(stored[lead_id]),
        )

    other_code = {
        "registration_code": "40003521600",
        "country": "LV",
        "company_name": "BALTIC SOFT",
    }
    assert find(other_code) == (("name", "LV", "balticsoft"), "L-2")  # L-1's code differs
    assert find({"country": "LV", "company_name": "Baltic Soft", "email": "x@b.lv"}) == (
        ("email", "x@b.lv"),
        "L-2",
    )
    assert find({"country": "LV", "company_name": "baltic soft"}) == (
        ("name", "LV", "balticsoft"),
        "L-1",
    )
    assert find({"country": "EE", "company_name": "Baltic Soft"}) is None


def test_tombstones_hash_the_natural_key_and_the_email_never_the_name() -> None:
    record = {"registration_code": "40001819093", "country": "LV", "email": "A@b.lv"}
    assert tombstone_hashes(record) == [
        key_hash(("reg", "LV", "40001819093")),
        key_hash(("email", "a@b.lv")),
    ]
    assert tombstone_hashes({"email": "a@b.lv", "company_name": "X", "country": "LV"}) == [
        key_hash(("email", "a@b.lv"))
    ]
    assert tombstone_hashes({"company_name": "X", "country": "LV"}) == []
