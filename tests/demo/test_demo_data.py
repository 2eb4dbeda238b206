"""The demo's generated sheets: what the validation layer accepts, and what it must not."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest
from stdnum.az import voen

from integration.config import parse_partners_document, validate_partners_document
from integration.demo import data
from integration.demo.partners_file import partners_toml
from integration.demo.wording import header
from integration.identity import company_key
from integration.normalise import match_headers
from integration.validation.records import check_row

TODAY = date(2025, 11, 3)


@pytest.fixture(scope="module")
def sheets() -> list[data.PartnerSheet]:
    return data.generate(24, seed=7, today=TODAY)


def _records(sheet: data.PartnerSheet, kind: str, resolve=None):
    rows = sheet.leads if kind == "lead" else sheet.agreements
    match = match_headers(rows[0], kind)
    assert not match.unmapped, match.unmapped  # every local header is recognised
    for number, row in enumerate(rows[1:], start=2):
        raw = match.row_to_raw(row)
        record, issues = check_row(
            kind,
            raw,
            sheet.partner.locale,
            partner=sheet.partner.code,
            resolve_party=resolve,
        )
        yield number, record, issues


def test_same_seed_same_sheets_and_another_seed_differs():
    a = data.generate(10, seed=3, today=TODAY)
    b = data.generate(10, seed=3, today=TODAY)
    c = data.generate(10, seed=4, today=TODAY)
    assert [s.tabs for s in a] == [s.tabs for s in b]
    assert [s.tabs for s in a] != [s.tabs for s in c]


def test_only_the_planted_rows_are_invalid(sheets):
    for sheet in sheets:
        invalid = {}
        for number, record, issues in _records(sheet, "lead"):
            if issues:
                invalid[number] = {i.field for i in issues}
            else:
                assert record["partner"] == sheet.partner.code
        assert set(invalid) == set(sheet.invalid_rows), sheet.partner.code
        for number, what in sheet.invalid_rows.items():
            assert what in invalid[number]


def test_local_formats_and_diacritics(sheets):
    lv, ee, fi = sheets
    assert lv.leads[0][0] == header("lead", "company_name", "lv")
    assert ee.leads[0][0] != lv.leads[0][0] != fi.leads[0][0]
    cells = "".join("".join(r) for s in sheets for r in s.leads[1:])
    assert any(ch in cells for ch in "āēīūšžņļķģčõäöüəı")
    legal = {"SIA", "AS", "OÜ", "Oy", "Oyj", "MMC", "ASC"}
    for sheet in sheets:
        for row in sheet.leads[1:]:
            assert set(row[0].replace('"', "").split()) & legal, row[0]
    amounts = [r[4] for s in sheets for r in s.agreements[1:]]
    assert all(a.endswith(",00 €") or a.endswith(",50 €") for a in amounts)
    dates = [r[7] for r in fi.agreements[1:] if r[7]]
    assert dates and all(d.count(".") == 2 for d in dates)


def test_registration_codes_and_buyers(sheets):
    for sheet in sheets:
        country = sheet.partner.country
        records = [r for n, r, issues in _records(sheet, "lead") if not issues]
        buyers = [r for r in records if r["country"] == "AZ"]
        assert len(buyers) >= 3 and all(r["role"] == "buyer" for r in buyers)
        for r in buyers:
            if "registration_code" in r:
                assert voen.is_valid(r["registration_code"])
        own = [r for r in records if r["country"] == country]
        assert own and all(r.get("registration_code") for r in own)
        assert {r["sector"] for r in records} == set(data.SECTORS)


def test_one_firm_is_in_two_partners_sheets(sheets):
    lv, ee, fi = sheets
    assert ee.duplicate_rows and not lv.duplicate_rows and not fi.duplicate_rows
    (row_number,) = ee.duplicate_rows
    duplicated = ee.leads[row_number - 1]
    lv_codes = {row[1] for row in lv.leads[1:]}
    assert duplicated[1] in lv_codes
    assert company_key(duplicated[0]) in {company_key(r[0]) for r in lv.leads[1:]}


def test_agreements_name_existing_parties_and_are_signed_in_the_window(sheets):
    total_signed = 0
    for sheet in sheets:
        valid = [r for _, r, issues in _records(sheet, "lead") if not issues]
        ids = {}
        for i, lead in enumerate(valid):
            lead_id = f"L-{i + 1:06d}"
            ids[company_key(lead["company_name"])] = lead_id
            if lead.get("registration_code"):
                ids[lead["registration_code"].replace("-", "")] = lead_id

        def resolve(text: str, ids=ids) -> str | None:
            return ids.get(text.replace("-", "")) or ids.get(company_key(text))

        for _number, record, issues in _records(sheet, "agreement", resolve):
            assert issues == [], issues
            assert record["seller_id"] != record["buyer_id"]
            if record["status"] == "signed":
                signed = date.fromisoformat(record["signed_date"])
                assert date(2023, 3, 1) <= signed <= TODAY
                total_signed += 1
        assert sheet.signed_agreements >= 1
    assert 3 <= total_signed <= 9


def test_partners_file_is_valid():
    text = partners_toml({"lv": "1abc", "ee": "1def", "fi": "1ghi"}, debounce_seconds=2)
    doc = tomllib.loads(text)
    validate_partners_document(doc, "demo")
    _project, partners, sync = parse_partners_document(doc)
    assert sync.debounce_seconds == 2
    assert partners["ee"].leads_tab == "Kontaktid" and partners["fi"].spreadsheet_id == "1ghi"
