"""Finding a tab's header and matching its headers: pure functions, one table each.

The sync and ``crm-sync validate`` both read tabs through these, so a title above
the header, a bilingual header or a partner's own header reads the same in both.
"""

from __future__ import annotations

from typing import Any

import pytest

from integration.normalise.headers import (
    HEADER_SEARCH_ROWS,
    find_header,
    header_parts,
    match_headers,
)
from integration.partners_lines import columns_line
from integration.sync.header_report import (
    HeaderReport,
    header_report,
    report_lines,
    suggest_field,
)
from integration.sync.sheet_rows import layout_for

TITLE = "LEF Network Azerbaijan — kontakti 2025"
BILINGUAL = ["Uzņēmums / Company", "Valsts / Country", "E-pasts | E-mail", "Reģ. nr. (Reg. no)"]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Uzņēmums / Company", ["Uzņēmums", "Company"]),
        ("Y-tunnus (Business ID)", ["Y-tunnus", "Business ID"]),
        ("Tālrunis | Phone", ["Tālrunis", "Phone"]),
        ("E-pasts\nE-mail", ["E-pasts", "E-mail"]),
        ("E-post\r\nE-mail (work)", ["E-post", "E-mail", "work"]),
        ("Company", ["Company"]),
        (" / ", []),
    ],
)
def test_header_parts_split_at_slash_bar_line_break_and_brackets(
    text: str, parts: list[str]
) -> None:
    assert header_parts(text) == parts


@pytest.mark.parametrize(
    ("kind", "header", "field"),
    [
        ("lead", "Uzņēmums / Company", "company_name"),
        ("lead", "Valsts / Country", "country"),
        ("lead", "Y-tunnus (Business ID)", "registration_code"),
        ("lead", "E-pasts\nE-mail", "email"),
        ("lead", "  TĀLRUNIS | phone ", "phone"),
        ("lead", "Riik/Country", "country"),
        # "Seller/Buyer" is one alias of a lead's role: the whole text first.
        ("lead", "Seller/Buyer", "role"),
        ("lead", "Pārdevējs/Pircējs", "role"),
        # Official register-number and business-name headers, English and local.
        ("lead", "Business ID", "registration_code"),
        ("lead", "Registry code", "registration_code"),
        ("lead", "VÖEN", "registration_code"),
        ("lead", "TIN", "registration_code"),
        ("lead", "Unified registration number", "registration_code"),
        ("lead", "Vienotais reģistrācijas numurs", "registration_code"),
        ("lead", "Reģistrācijas Nr.", "registration_code"),
        ("lead", "Ärinimi", "company_name"),
        ("lead", "Business name", "company_name"),
        ("lead", "Toiminimi", "company_name"),
        ("lead", "Legal name", "company_name"),
        ("lead", "Firmas nosaukums", "company_name"),
        ("lead", "Şirkətin adı", "company_name"),
        ("lead", "Təşkilatın adı", "company_name"),
        ("lead", "Sirketin adi", "company_name"),
        ("agreement", "Pārdevējs / Seller", "seller"),
        ("agreement", "Ostja (Buyer)", "buyer"),
    ],
)
def test_a_header_or_one_of_its_parts_names_the_field(kind: str, header: str, field: str) -> None:
    match = match_headers([header], kind)
    assert match.columns == {field: 0}, match
    assert match.unmapped == []


@pytest.mark.parametrize(
    ("kind", "header"),
    [
        ("agreement", "Seller/Buyer"),  # two parties: no guess
        ("lead", "Country / Phone"),
        ("lead", "Kood (äriregister)"),
        ("lead", "Mūsu komentārs"),
    ],
)
def test_parts_naming_two_fields_or_none_leave_the_column_unmapped(kind: str, header: str) -> None:
    match = match_headers(["Notes", header], kind)
    assert 1 not in match.columns.values()
    assert match.unmapped == [(1, header)]


@pytest.mark.parametrize(
    ("headers", "columns", "fields", "configured", "unmapped"),
    [
        # a configured header matches, folded like the aliases
        (
            ["Company", "Kood (äriregister)"],
            {"KOOD (Äriregister)": "registration_code"},
            {"company_name": 0, "registration_code": 1},
            {"registration_code"},
            [],
        ),
        # the mapping wins over the aliases: "Partner" is an agreement alias, here notes
        (
            ["Seller", "Partner"],
            {"Partner": "notes"},
            {"seller": 0, "notes": 1},
            {"notes"},
            [],
        ),
        # a configured column takes its field before an alias column to its left
        (
            ["Registrikood", "Kood (äriregister)"],
            {"Kood (äriregister)": "registration_code"},
            {"registration_code": 1},
            {"registration_code"},
            [(0, "Registrikood")],
        ),
        # a configured part of a bilingual header, and a party as its record field
        (
            ["Müüja firma / Seller firm X", "Buyer"],
            {"Müüja firma": "seller_id"},
            {"seller": 0, "buyer": 1},
            {"seller"},
            [],
        ),
    ],
)
def test_configured_headers_take_precedence_over_aliases(
    headers: list[str],
    columns: dict[str, str],
    fields: dict[str, int],
    configured: set[str],
    unmapped: list[tuple[int, str]],
) -> None:
    kind = "agreement" if "Buyer" in headers or "Seller" in headers else "lead"
    match = match_headers(headers, kind, columns)
    assert match.columns == fields
    assert match.configured == configured
    assert match.unmapped == unmapped


def _rows(*rows: list[Any]) -> list[list[Any]]:
    return [list(r) for r in rows]


@pytest.mark.parametrize(
    ("rows", "header_row", "expected"),
    [
        # a title and a blank row above a bilingual header
        (_rows([TITLE], [], BILINGUAL, ["SIA A", "LV"]), None, 3),
        (_rows([TITLE, "", ""], ["", ""], BILINGUAL), None, 3),
        # the header right at the top
        (_rows(["Company", "Country"], ["SIA A", "LV"]), None, 1),
        # the most recognised headers win, the topmost on a tie
        (_rows(["Company"], ["Company", "Country", "E-mail"], ["x"]), None, 2),
        (_rows(["Company", "Country"], ["Company", "Country"]), None, 1),
        # a blank tab: row 1
        ([], None, 1),
        (_rows([], [""]), None, 1),
        # nothing recognised: the first filled row (reported as not recognised)
        (_rows([], ["1", "2"], ["3", "4"]), None, 2),
        # the partner's configured row wins, even over a better row
        (_rows(["Company", "Country", "E-mail"], [], ["Nimi", "Riik"]), 3, 3),
        # ... and may point below the rows read (a blank tab with a title kept free)
        (_rows([TITLE]), 3, 3),
    ],
)
def test_find_header(rows: list[list[Any]], header_row: int | None, expected: int) -> None:
    assert find_header(rows, "lead", header_row=header_row).header_row == expected


def test_the_header_is_looked_for_in_the_first_ten_rows_only() -> None:
    rows = _rows(*([TITLE] for _ in range(HEADER_SEARCH_ROWS)), ["Company", "Country"])
    assert find_header(rows, "lead").header_row == 1
    rows = _rows(*([TITLE] for _ in range(HEADER_SEARCH_ROWS - 1)), ["Company", "Country"])
    assert find_header(rows, "lead").header_row == HEADER_SEARCH_ROWS


def test_a_configured_header_counts_when_finding_the_row() -> None:
    rows = _rows([TITLE], ["Kood (äriregister)", "Nimetus", "Riik"], ["x", "y", "EE"])
    assert find_header(rows, "lead").header_row == 2  # "Riik" alone
    found = find_header(rows, "lead", {"Kood (äriregister)": "registration_code"})
    assert found.header_row == 2 and found.match.columns == {"registration_code": 0, "country": 2}


def test_find_header_numbers_data_rows_from_the_real_header() -> None:
    rows = _rows([TITLE], [], BILINGUAL, ["SIA A", "LV"], [], ["SIA B", "EE"])
    tab = find_header(rows, "lead")
    assert tab.header_row == 3 and tab.header == BILINGUAL
    assert [(n, list(cells)) for n, cells in tab.numbered()] == [
        (4, ["SIA A", "LV"]),
        (5, []),
        (6, ["SIA B", "EE"]),
    ]


@pytest.mark.parametrize(
    ("kind", "header", "field"),
    [
        ("lead", "Kood (äriregister)", "registration_code"),
        ("lead", "Emial", "email"),
        ("lead", "Reg nr", "registration_code"),
        ("lead", "Company nme", "company_name"),
        ("lead", "Maksātāja kods", "registration_code"),
        ("lead", "Telefon nr", "phone"),
        ("lead", "Budget", None),
        ("lead", "Address", None),
        ("lead", "", None),
        ("agreement", "Sellr", "seller_id"),
    ],
)
def test_suggest_field(kind: str, header: str, field: str | None) -> None:
    assert suggest_field(kind, header) == field


def test_the_header_report_names_row_sources_suggestions_and_missing_fields() -> None:
    header = ["Uzņēmums / Company", "Valsts", "Kood (äriregister)", "Emial", "Tālrunis"]
    layout = layout_for(header, "lead", {"Tālrunis": "notes"})
    report = header_report(layout, header_row=3)
    data = report.as_dict()
    assert data["row"] == 3
    assert data["mapped"] == [
        {"column": "A", "header": "Uzņēmums / Company", "field": "company_name", "source": "alias"},
        {"column": "B", "header": "Valsts", "field": "country", "source": "alias"},
        {"column": "E", "header": "Tālrunis", "field": "notes", "source": "configured"},
    ]
    assert data["unrecognised"] == [
        {"column": "C", "header": "Kood (äriregister)", "suggestion": "registration_code"},
        {"column": "D", "header": "Emial", "suggestion": "email"},
    ]
    assert "registration_code" in data["missing"] and "email" in data["missing"]
    assert HeaderReport.from_dict(data) == report
    lines = report_lines(report, "leads")
    assert lines[0] == "header in row 3"
    assert "  E 'Tālrunis' -> notes (partners file)" in lines
    assert any(
        "[partners.columns.leads]" in line and '"Kood (äriregister)" = "registration_code"' in line
        for line in lines
    )


def test_columns_line_is_a_toml_key_and_value() -> None:
    import tomllib

    line = columns_line('Kood "äri" (reg)\\', "registration_code")
    assert tomllib.loads(line) == {'Kood "äri" (reg)\\': "registration_code"}
