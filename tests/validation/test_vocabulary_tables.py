"""The vocabulary data: complete for every language, consistent with the schemas,
and checked against sources it was not written from: CLDR's country and currency
names (babel) and hand-written spellings of the kind partners type."""

from __future__ import annotations

import re

import pytest
from babel import Locale

from integration.normalise import enum_table, enum_values, parse_country, parse_enum
from integration.vocabulary import (
    country_table,
    fold,
    header_table,
    vocabulary,
)
from schemas import load_schema

#: The languages whose typed words the vocabulary covers (interface texts are elsewhere).
LOCALES = tuple(vocabulary()["locales"])

LABEL_FIELDS = [
    ("lead", "sector"),
    ("lead", "role"),
    ("lead", "stage"),
    ("lead", "source"),
    ("agreement", "status"),
    ("agreement", "currency"),
]


def test_fold_ignores_case_accents_spaces_and_punctuation() -> None:
    assert fold("Uzņēmuma  nosaukums") == fold("uznemuma-NOSAUKUMS") == "uznemumanosaukums"
    assert fold("Reģ. nr.") == "regnr"
    assert fold("Sähköposti") == "sahkoposti"
    assert fold("Ettevõte") == "ettevote"


@pytest.mark.parametrize(("kind", "field"), LABEL_FIELDS)
def test_every_label_maps_to_a_value_the_schema_allows(kind: str, field: str) -> None:
    allowed = set(enum_values(kind, field))
    table = enum_table(kind, field)  # raises if a label maps outside the enum
    assert set(table.values()) <= allowed
    assert set(vocabulary()["labels"][field]) == allowed, "every enum value has labels"


@pytest.mark.parametrize(("kind", "field"), LABEL_FIELDS)
@pytest.mark.parametrize("locale", LOCALES)
def test_every_enum_value_has_labels_in_every_language(kind: str, field: str, locale: str) -> None:
    for value, per_locale in vocabulary()["labels"][field].items():
        words = per_locale.get(locale)
        assert words, f"{field}.{value} has no {locale} label"
        for word in words:
            assert parse_enum(kind, field, word) == value, (word, value)
            assert parse_enum(kind, field, f"  {word.upper()} ") == value


@pytest.mark.parametrize("kind", ["lead", "agreement"])
@pytest.mark.parametrize("locale", LOCALES)
def test_every_field_has_header_aliases_in_every_language(kind: str, locale: str) -> None:
    headers = vocabulary()["headers"][kind]
    sheet_fields = set(load_schema(kind)["properties"]) - {"partner", "created_at", "updated_at"}
    if kind == "agreement":
        sheet_fields = (sheet_fields - {"seller_id", "buyer_id"}) | {"seller", "buyer"}
    assert set(headers) == sheet_fields
    table = header_table(kind)
    for field, per_locale in headers.items():
        assert per_locale.get(locale), f"{kind}.{field} has no {locale} header"
        for alias in per_locale[locale]:
            assert table[fold(alias)] == field


@pytest.mark.parametrize("locale", LOCALES)
def test_service_columns_have_names_in_every_language(locale: str) -> None:
    service = vocabulary()["headers"]["service"]
    assert set(service) == {"sync_status", "last_synced"}
    for field, per_locale in service.items():
        assert header_table("lead")[fold(per_locale[locale][0])] == field
        assert header_table("agreement")[fold(per_locale[locale][0])] == field


def test_country_names_cover_exactly_the_schema_countries() -> None:
    assert set(vocabulary()["countries"]) == set(enum_values("lead", "country"))


@pytest.mark.parametrize("locale", [*LOCALES, "az"])
def test_cldr_country_names_are_recognised_in_every_language(locale: str) -> None:
    """Every country the schema allows, spelt as CLDR spells it in the partner's
    language (and in Azerbaijani), is recognised as that country."""
    names = Locale.parse(locale).territories
    wrong = {
        code: (names[code], parse_country(names[code]))
        for code in enum_values("lead", "country")
        if parse_country(names[code]) != code
    }
    assert not wrong


@pytest.mark.parametrize("locale", LOCALES)
def test_cldr_currency_names_and_symbols_are_recognised(locale: str) -> None:
    """A currency written out as CLDR names it in the partner's language
    ("Azerbaidžānas manats", "Englannin punta") or as its distinctive symbol."""
    cldr = Locale.parse(locale)
    for code in enum_values("agreement", "currency"):
        assert parse_enum("agreement", "currency", cldr.currencies[code]) == code
    for symbol, code in (("€", "EUR"), ("$", "USD"), ("£", "GBP"), ("₼", "AZN")):
        assert parse_enum("agreement", "currency", symbol) == code


#: Cells as partners type them, with the value each must become. Written by hand
#: from how the chambers' staff write (accents dropped, other case, extra spaces,
#: abbreviations), not copied from the vocabulary file.
PARTNER_SPELLINGS = [
    ("lead", "sector", "IKT", "ict"),
    ("lead", "sector", "it", "ict"),
    ("lead", "sector", "Zalas tehnologijas", "green_tech"),
    ("lead", "sector", "Rohetehnoloogia", "green_tech"),
    ("lead", "sector", "vihrea teknologia", "green_tech"),
    ("lead", "sector", "Izglītība", "education"),
    ("lead", "sector", "KOULUTUS", "education"),
    ("lead", "sector", "Sisekujundus", "interior_design"),
    ("lead", "sector", "interjera  dizains", "interior_design"),
    ("lead", "role", "Pārdevējs", "seller"),
    ("lead", "role", "pircejs", "buyer"),
    ("lead", "role", "Müüja", "seller"),
    ("lead", "role", "Ostaja", "buyer"),
    ("lead", "role", "Molemmat", "both"),
    ("lead", "stage", "Jauns", "new"),
    ("lead", "stage", "sazinats", "contacted"),
    ("lead", "stage", "Ühendust võetud", "contacted"),
    ("lead", "stage", "Tapaaminen", "meeting"),
    ("lead", "stage", "Läbirääkimised", "negotiation"),
    ("lead", "stage", "Zaudēts", "lost"),
    ("lead", "source", "B2B forums", "b2b_forum"),
    ("lead", "source", "Tirdzniecības misija", "trade_mission"),
    ("lead", "source", "Veebivorm", "web_form"),
    ("lead", "source", "verkkolomake", "web_form"),
    ("agreement", "status", "Parakstīts", "signed"),
    ("agreement", "status", "PARAKSTITS", "signed"),
    ("agreement", "status", "Allkirjastatud", "signed"),
    ("agreement", "status", "allekirjoitettu", "signed"),
    ("agreement", "status", "Atcelts", "cancelled"),
    ("agreement", "status", "Canceled", "cancelled"),
    ("agreement", "status", "Luonnos", "draft"),
    ("agreement", "currency", "eiro", "EUR"),
    ("agreement", "currency", "EUR", "EUR"),
    ("agreement", "currency", "manat", "AZN"),
]


@pytest.mark.parametrize(("kind", "field", "typed", "expected"), PARTNER_SPELLINGS)
def test_partner_spellings_become_schema_values(
    kind: str, field: str, typed: str, expected: str
) -> None:
    assert expected in enum_values(kind, field)
    assert parse_enum(kind, field, typed) == expected


#: Header cells of the chambers' own sheets, as their staff title columns.
PARTNER_HEADERS = [
    ("lead", "Uzņēmuma nosaukums", "company_name"),
    ("lead", "Reģ. Nr.", "registration_code"),
    ("lead", "E-pasta adrese", "email"),
    ("lead", "Tālr.", "phone"),
    ("lead", "Mājas lapa", "website"),
    ("lead", "Ettevõtte nimi", "company_name"),
    ("lead", "Registrikood", "registration_code"),
    ("lead", "E-post", "email"),
    ("lead", "Kontaktisik", "contact_name"),
    ("lead", "Yritys", "company_name"),
    ("lead", "Y-tunnus", "registration_code"),
    ("lead", "Sähköposti", "email"),
    ("lead", "Puh.", "phone"),
    ("lead", "Yhteyshenkilö", "contact_name"),
    ("lead", "E-mail", "email"),
    ("agreement", "Līguma priekšmets", "subject"),
    ("agreement", "Summa", "value"),
    ("agreement", "Valūta", "currency"),
    ("agreement", "Allkirjastamise kuupäev", "signed_date"),
    ("agreement", "Allekirjoituspäivä", "signed_date"),
    ("agreement", "Myyjä", "seller"),
    ("agreement", "Pircējs", "buyer"),
]


@pytest.mark.parametrize(("kind", "header", "field"), PARTNER_HEADERS)
def test_partner_headers_map_to_their_fields(kind: str, header: str, field: str) -> None:
    assert header_table(kind)[fold(header)] == field


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Latvia", "LV"),
        ("Latvija", "LV"),
        ("Läti", "LV"),
        ("Latviya", "LV"),
        ("Estonia", "EE"),
        ("Igaunija", "EE"),
        ("Eesti", "EE"),
        ("Viro", "EE"),
        ("Finland", "FI"),
        ("Somija", "FI"),
        ("Soome", "FI"),
        ("Suomi", "FI"),
        ("Finlandiya", "FI"),
        ("Azerbaijan", "AZ"),
        ("Azerbaidžāna", "AZ"),
        ("azerbaidzana", "AZ"),
        ("Aserbaidžaan", "AZ"),
        ("Azerbaidžan", "AZ"),
        ("Azərbaycan", "AZ"),
        ("lv", "LV"),
        ("AZE", "AZ"),
        ("Saksamaa", "DE"),
    ],
)
def test_country_names(name: str, code: str) -> None:
    assert parse_country(name) == code


def test_unknown_country_is_passed_through() -> None:
    assert parse_country("Atlantis") == "Atlantis"
    assert parse_country("  ") is None


def test_country_table_has_no_conflicts_and_uses_iso_codes() -> None:
    table = country_table()
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in table.values())
