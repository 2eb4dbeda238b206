"""Partner codes and locales come from the partners file: the schemas give a
code's shape, the configured codes are added where validators are built, and a
language without texts or parsing data of its own reads as English."""

from __future__ import annotations

from pathlib import Path

import pytest

from integration import messages
from integration.config import ConfigError, load_config
from integration.normalise.amounts import decimal_symbol, parse_amount
from integration.normalise.dates import parse_date
from integration.normalise.enums import parse_partner_code
from integration.normalise.locales import babel_locale
from integration.sync import messages as sync_messages
from integration.validation import check_row, validate_record
from integration.validation.validators import validator_for
from integration.vocabulary import field_label, first_word
from schemas import load_schema, partner_code_fields, with_partner_codes

EXAMPLE = Path(__file__).resolve().parents[2] / "partners.example.toml"
LEAD = {"company_name": "UAB Medis", "country": "LT", "sector": "ict"}
AGREEMENT = {"seller_id": "L-000001", "buyer_id": "L-000002", "status": "negotiating"}


def test_the_schema_files_name_no_partner() -> None:
    for kind, field in (("lead", "partner"), ("agreement", "reporting_partner")):
        schema = load_schema(kind)
        assert partner_code_fields(schema) == (field,)
        assert "enum" not in schema["properties"][field]
        injected = with_partner_codes(schema, ["lv", "lt", "ee"])
        assert injected["properties"][field]["enum"] == ["ee", "lt", "lv"]
        assert "enum" not in load_schema(kind)["properties"][field]  # the original is untouched


def test_the_configured_codes_decide_and_each_set_has_its_validator() -> None:
    three, four = ("lv", "ee", "fi"), ("lv", "ee", "fi", "lt")
    refused = validate_record("lead", {**LEAD, "partner": "lt"}, partners=three)
    assert [(i.field, i.code) for i in refused] == [("partner", "enum")]
    assert "'lt'" in refused[0].message and "ee, fi, lv" in refused[0].message
    assert validate_record("lead", {**LEAD, "partner": "lt"}, partners=four) == []
    agreement = {**AGREEMENT, "reporting_partner": "lt"}
    assert validate_record("agreement", agreement, partners=four) == []
    assert validate_record("agreement", agreement, partners=three)[0].code == "enum"
    assert validator_for("lead", three) is validator_for("lead", reversed(three))
    assert validator_for("lead", three) is not validator_for("lead", four)
    # no partners file at hand (offline checks): only the code's shape
    assert validate_record("lead", {**LEAD, "partner": "lt"}) == []
    assert validate_record("lead", {**LEAD, "partner": "LT!"})[0].code == "format"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("lv", "lv"),
        (" LT ", "lt"),
        ("Latvija", "lv"),
        ("Eesti", "ee"),
        ("Suomi", "fi"),
        ("Lithuania", "lt"),
        ("Lietuva", "lt"),
        ("Somewhere else", "Somewhere else"),
        (None, None),
    ],
)
def test_staff_name_a_partner_by_code_or_country(typed: str | None, code: str | None) -> None:
    assert parse_partner_code(typed) == code


def test_a_row_naming_the_partner_by_country_is_checked_against_the_configured_codes() -> None:
    raw = {
        "seller": "L-000001",
        "buyer": "L-000002",
        "status": "negotiating",
        "reporting_partner": "Lietuva",
    }
    record, issues = check_row("agreement", raw, "en", partners=("lv", "lt"))
    assert record["reporting_partner"] == "lt" and issues == []
    record, issues = check_row("agreement", raw, "en", partners=("lv", "ee", "fi"))
    assert [(i.field, i.code) for i in issues] == [("reporting_partner", "enum")]


def test_numbers_and_dates_go_through_one_babel_rule() -> None:
    assert babel_locale("en") == "en_GB"  # European English: day first
    assert babel_locale("lv") == "lv"
    assert babel_locale("lt") == "lt"  # a language babel knows reads with its own data
    assert babel_locale("zz") == "en_GB"  # one it does not know reads as English
    assert decimal_symbol("lt") == "," and decimal_symbol("zz") == "."
    assert parse_amount("1 234,50 €", "lt") == (1234.5, "EUR")
    assert parse_date("12 kovo 2025", "lt") == "2025-03-12"  # Lithuanian month name
    assert parse_date("12.03.2025", "zz") == "2025-03-12"
    assert parse_date("3/4/2025", "en") == "2025-04-03"


@pytest.mark.parametrize("locale", ["lt", "zz"])
def test_a_language_without_texts_reads_in_english(locale: str) -> None:
    assert messages.text("ui.overview", locale) == messages.text("ui.overview", "en")
    english = sync_messages.text("duplicate", "en", id="L-000001", partner="LV")
    assert sync_messages.text("duplicate", locale, id="L-000001", partner="LV") == english
    assert field_label("lead", "company_name", locale) == field_label("lead", "company_name", "en")
    assert first_word({"en": ["Company"], "lv": ["Uzņēmums"]}, locale) == "Company"
    _, issues = check_row("lead", {**LEAD, "sector": "mining"}, locale, partner="lt")
    assert issues[0].message.startswith("Sector:")


def test_a_partners_file_with_a_fourth_partner_loads(tmp_path: Path) -> None:
    text = EXAMPLE.read_text("utf-8") + (
        '\n[[partners]]\ncode = "lt"\nname = "Lithuanian chamber"\ncountry = "LT"\n'
        'locale = "lt"\ntimezone = "Europe/Vilnius"\nspreadsheet_id = "x"\n'
    )
    path = tmp_path / "partners.toml"
    path.write_text(text, "utf-8")
    config = load_config(path, environ={})
    assert config.partner("lt").locale == "lt"
    path.write_text(text.replace('locale = "lt"', 'locale = "lt-LT"'), "utf-8")
    with pytest.raises(ConfigError, match=r"partners\[3\]\.locale: 'lt-LT' does not match"):
        load_config(path, environ={})
