"""``crm-sync validate`` on real CSV and XLSX files written to tmp_path."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from integration.csv_import import ImportFileError, open_tables
from integration.validate_command import validate_command

EXAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "partners.example.toml"

LV_HEADER = [
    "CRM ID",
    "Uzņēmums",
    "Valsts",
    "Reģ. nr.",
    "Nozare",
    "E-pasts",
    "Tālrunis",
    "Piekrišana",
    "Piekrišanas datums",
    "Mūsu piezīme",
    "Sync status",
]
LV_ROWS = [
    [
        "L-000001",
        "SIA Baltic Soft",
        "Latvija",
        "40003521600",
        "IKT",
        "info@baltic-soft.lv",
        "2612 3456",
        "jā",
        "12.03.2025",
        "VIP",
        "OK",
    ],
    ["", "", "", "", "", "", "", "", "", "", ""],
    [
        "",
        "Caspian Tech MMC",
        "Azerbaidžāna",
        "1401555081",
        "IKT",
        "sales@caspian",
        "",
        "nē",
        "",
        "",
        "",
    ],
    ["", "Rīgas Koks", "Latvija", "", "Ražošana", "", "", "", "31.02.2025", "", ""],
    [
        "",
        "Tallinna Ärid OÜ",
        "Igaunija",
        "10137025",
        "Zaļās tehnoloģijas",
        "",
        "+372 5123 4567",
        "",
        "",
        "",
        "",
    ],
]


@pytest.fixture(autouse=True)
def _away_from_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A partners.toml in the working directory must not change these tests."""
    monkeypatch.chdir(tmp_path)


def _tables(path: Path) -> list:
    """The file's tables (a CSV's rows are read again from the file when asked)."""
    with open_tables(path) as tables:
        return tables


def run(*args: str, env: dict[str, str | None] | None = None) -> Any:
    runner = CliRunner()
    return runner.invoke(
        validate_command, list(args), env=env or {"CRM_CONFIG": None}, catch_exceptions=False
    )


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list[Any]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    def cell(value: Any) -> str:
        text = str(value)
        return f'"{text}"' if delimiter in text or '"' in text else text

    lines = [delimiter.join(cell(v) for v in row) for row in [header, *rows]]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def results(output: str) -> dict[int, dict[str, Any]]:
    return {item["row"]: item for item in json.loads(output)}


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ";"), ("cp1257", ";"), ("utf-8", "\t")],
)
def test_csv_mixed_rows_json(tmp_path: Path, encoding: str, delimiter: str) -> None:
    path = write_csv(
        tmp_path / "leads.csv", LV_HEADER, LV_ROWS, delimiter=delimiter, encoding=encoding
    )
    result = run(str(path), "--kind", "lead", "--partner", "lv", "--json")
    assert result.exit_code == 1, result.output
    rows = results(result.stdout)
    assert sorted(rows) == [2, 4, 5, 6]  # row 3 is blank; numbers are the sheet's
    good = rows[2]
    assert good["valid"] is True and good["errors"] == []
    assert good["record"] == {
        "id": "L-000001",
        "partner": "lv",
        "company_name": "SIA Baltic Soft",
        "country": "LV",
        "registration_code": "40003521600",
        "sector": "ict",
        "email": "info@baltic-soft.lv",
        "phone": "+37126123456",
        "gdpr_consent": True,
        "gdpr_consent_date": "2025-03-12",
    }
    bad = {(e["field"], e["code"]) for e in rows[4]["errors"]}
    assert bad == {("registration_code", "registration_code"), ("email", "email")}
    assert all(e["message"] for e in rows[4]["errors"])
    assert "reģistrācijas numurs" in rows[4]["errors"][0]["message"]  # Latvian messages
    assert {(e["field"], e["code"]) for e in rows[5]["errors"]} == {
        ("sector", "enum"),
        ("gdpr_consent_date", "date"),
    }
    assert rows[6]["valid"] is True and rows[6]["record"]["country"] == "EE"
    assert "Mūsu piezīme" in result.stderr  # an unknown column is named, not fatal


def test_csv_rich_table_by_default(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "leads.csv", LV_HEADER, LV_ROWS)
    result = run(str(path), "--kind", "lead", "--partner", "lv")
    assert result.exit_code == 1
    assert "Caspian Tech MMC" in result.stdout and "Kļūdains" in result.stdout
    # the frame speaks the partner's language, not only the messages
    assert "Rinda" in result.stdout and "Problēmas" in result.stdout
    assert "4 rindas: derīgas 2, ar kļūdām 2" in result.stdout
    english = run(str(path), "--kind", "lead", "--partner", "lv", "--lang", "en")
    assert "4 rows: valid 2, invalid 2" in english.stdout and "Problems" in english.stdout


def test_all_valid_file_exits_zero_and_without_partner_uses_english(tmp_path: Path) -> None:
    header = ["Company", "Country", "Sector", "Registration code", "Phone", "Consent date"]
    rows = [
        ["Nokia Oyj", "Finland", "ICT", "0112038-9", "+358 40 123 4567", "2025-01-31"],
        ["Azersun", "Azerbaijan", "Other", "9900003611", "", 45688],
    ]
    path = write_csv(tmp_path / "leads.csv", header, rows)
    result = run(str(path), "--kind", "lead", "--json")
    assert result.exit_code == 0, result.output
    rows_out = results(result.stdout)
    assert all(r["valid"] for r in rows_out.values())
    assert "partner" not in rows_out[2]["record"]
    bad = write_csv(tmp_path / "bad.csv", header, [["X", "Finland", "ICT", "0112038-8", "", ""]])
    message = results(run(str(bad), "--kind", "lead", "--json").stdout)[2]["errors"][0]["message"]
    assert message == "Registration code: '0112038-8' is not a valid registration code for Finland."


def test_duplicates_within_the_file_are_reported(tmp_path: Path) -> None:
    rows = [["A", "Latvija", "40003521600", "IKT"], ["B", "Latvija", "LV 4000 3521 600", "IKT"]]
    path = write_csv(tmp_path / "dup.csv", ["Uzņēmums", "Valsts", "Reģ. nr.", "Nozare"], rows)
    out = results(run(str(path), "--kind", "lead", "--partner", "lv", "--json").stdout)
    assert out[2]["valid"] is True
    assert [(e["field"], e["code"]) for e in out[3]["errors"]] == [
        ("registration_code", "duplicate")
    ]
    assert "2" in out[3]["errors"][0]["message"]


def test_validate_finds_name_duplicates_by_the_sync_rule(tmp_path: Path) -> None:
    """The same firm by company name (case and legal form folded), as the sync
    sees it; one name under two different registration codes is two firms."""
    rows = [
        ["Sisustus Oy", "Suomi", "", "ICT"],
        ["SISUSTUS OY", "Suomi", "", "ICT"],
        ["Baltic Soft", "Latvia", "40003521600", "ICT"],
        ["Baltic Soft Oy", "Latvia", "40001819093", "ICT"],
    ]
    path = write_csv(tmp_path / "dup.csv", ["Yritys", "Maa", "Y-tunnus", "Toimiala"], rows)
    out = results(run(str(path), "--kind", "lead", "--partner", "fi", "--json").stdout)
    assert [(e["field"], e["code"]) for e in out[3]["errors"]] == [("company_name", "duplicate")]
    assert out[2]["valid"] and out[4]["valid"] and out[5]["valid"], out


def test_xlsx_with_dates_numbers_and_several_sheets(tmp_path: Path) -> None:
    leads = [
        ["Yritys", "Maa", "Toimiala", "Y-tunnus", "Puhelin", "Suostumus", "Suostumuspäivä"],
        [
            "Nokia Oyj",
            "Suomi",
            "Tietotekniikka",
            "0112038-9",
            358401234567,
            True,
            dt.datetime(2025, 3, 12),
        ],
        [None, None, None, None, None, None, None],
        ["Huono Oy", "Suomi", "Kaivos", "2077474-1", "123", "ehkä", "huomenna"],
    ]
    path = write_xlsx(tmp_path / "export.xlsx", {"Ohje": [["Täytä taulukko"]], "Liidit": leads})
    result = run(str(path), "--kind", "lead", "--partner", "fi", "--json")
    assert result.exit_code == 1, result.output
    out = results(result.stdout)
    assert sorted(out) == [2, 4]
    assert out[2]["valid"] is True
    assert out[2]["record"]["gdpr_consent_date"] == "2025-03-12"
    assert out[2]["record"]["phone"] == "+358401234567"
    assert {(e["field"], e["code"]) for e in out[4]["errors"]} == {
        ("sector", "enum"),
        ("registration_code", "registration_code"),
        ("phone", "phone"),
        ("gdpr_consent", "type"),
        ("gdpr_consent_date", "date"),
    }
    assert all("Toimiala" in e["message"] for e in out[4]["errors"] if e["field"] == "sector")


def test_agreements_offline_accept_ids_and_report_names(tmp_path: Path) -> None:
    header = [
        "CRM ID",
        "Myyjä",
        "Ostaja",
        "Arvo",
        "Valuutta",
        "Tila",
        "Allekirjoituspäivä",
        "Raportoiva kumppani",
    ]
    future = (dt.date.today() + dt.timedelta(days=30)).strftime("%d.%m.%Y")
    rows = [
        ["A-000001", "L-000001", "l-2", "12 500,00 €", "", "Allekirjoitettu", "12.3.2025", "fi"],
        ["", "Nokia Oyj", "L-000002", "1000", "EUR", "Luonnos", "", "fi"],
        ["", "L-000003", "L-000003", "-5", "EUR", "Allekirjoitettu", future, "Suomi"],
        ["", "L-000004", "L-000005", "100", "RUB", "Allekirjoitettu", "", ""],
    ]
    path = write_csv(tmp_path / "agreements.csv", header, rows, delimiter=";")
    result = run(str(path), "--kind", "agreement", "--partner", "fi", "--json")
    assert result.exit_code == 1
    out = results(result.stdout)
    assert out[2]["valid"] is True
    assert out[2]["record"] == {
        "id": "A-000001",
        "seller_id": "L-000001",
        "buyer_id": "L-000002",
        "value": 12500,
        "currency": "EUR",
        "status": "signed",
        "signed_date": "2025-03-12",
        "reporting_partner": "fi",
    }
    # a party named by name cannot be looked up offline: a note, not an error
    assert out[3]["valid"] is True and "seller_id" not in out[3]["record"]
    assert out[3]["notes"] == ["Myyjä: 'Nokia Oyj' ei tarkistettu ilman yhteyttä"]
    assert "--leads FILE" in result.stderr
    assert {(e["field"], e["code"]) for e in out[4]["errors"]} == {
        ("value", "minimum"),
        ("buyer_id", "same_firm"),
        ("signed_date", "signed_date"),
    }
    assert {(e["field"], e["code"]) for e in out[5]["errors"]} == {
        ("currency", "enum"),
        ("signed_date", "required"),
    }


def test_partner_locale_comes_from_the_partners_file(tmp_path: Path) -> None:
    config = tmp_path / "custom.toml"
    config.write_text(
        EXAMPLE_CONFIG.read_text("utf-8").replace('locale = "lv"', 'locale = "en"'), "utf-8"
    )
    path = write_csv(tmp_path / "l.csv", ["Company", "Country", "Sector"], [["X", "LV", "mining"]])
    out = results(
        run(
            str(path), "--kind", "lead", "--partner", "lv", "--config", str(config), "--json"
        ).stdout
    )
    assert out[2]["errors"][0]["message"].startswith("Sector:")
    out = results(run(str(path), "--kind", "lead", "--partner", "lv", "--json").stdout)
    assert out[2]["errors"][0]["message"].startswith("Nozare:")
    out = results(
        run(str(path), "--kind", "lead", "--partner", "ee", "--locale", "fi", "--json").stdout
    )
    assert out[2]["errors"][0]["message"].startswith("Toimiala:")


def test_unknown_partner_is_one_line_exit_2(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "l.csv", ["Company"], [["X"]])
    result = run(str(path), "--kind", "lead", "--partner", "de")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "unknown partner 'de'" in result.stderr
    result = run(str(path), "--kind", "lead", "--partner", "de", "--config", str(EXAMPLE_CONFIG))
    assert result.exit_code == 2 and "configured: ee, fi, lv" in result.stderr
    result = run(
        str(path), "--kind", "lead", "--partner", "lv", "--config", str(tmp_path / "no.toml")
    )
    assert result.exit_code == 2 and "no.toml" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.csv", None, "file not found"),
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\r\n ; \r\n", "empty"),
        ("binary.csv", b"\x00\x01\x02\x03garbage\x00", "binary"),
        ("fake.xlsx", b"PK\x03\x04 not really a zip", "not a readable XLSX"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".xls files are not supported"),
        ("numbers.csv", b"1,2,3\n4,5,6\n", "no recognisable lead header in row 1"),
    ],
)
def test_bad_files_give_one_clear_line_and_exit_2(
    tmp_path: Path, name: str, content: bytes | None, reason: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run(str(path), "--kind", "lead", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    line = result.stderr.strip()
    assert "\n" not in line and reason in line and name in line


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    result = run(str(tmp_path), "--kind", "lead")
    assert result.exit_code == 2 and "directory" in result.stderr


def test_read_tables_keeps_sheet_row_numbers_and_skips_blank_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes('\ufeffUzņēmums,Valsts\n\nA,LV\n , \n"B, C",EE\n'.encode())
    (table,) = _tables(path)
    assert table.header == ["Uzņēmums", "Valsts"]
    assert table.rows == [(3, ["A", "LV"]), (5, ["B, C", "EE"])]
    cp = tmp_path / "cp.csv"
    cp.write_bytes("Uzņēmums;Valsts\nRīgas Koks;Latvija\n".encode("cp1257"))
    assert _tables(cp)[0].rows == [(2, ["Rīgas Koks", "Latvija"])]
    with pytest.raises(ImportFileError):
        _tables(tmp_path / "nope.csv")


def test_wired_into_the_crm_sync_command_line(tmp_path: Path) -> None:
    from integration.cli import cli

    path = write_csv(tmp_path / "leads.csv", LV_HEADER, LV_ROWS)
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["validate", str(path), "--kind", "lead", "--partner", "lv", "--json"],
        env={"CRM_CONFIG": None},
    )
    assert result.exit_code == 1
    assert sorted(results(result.stdout)) == [2, 4, 5, 6]
    # The root --config option reaches the command: a missing file is one line, exit 2.
    result = runner.invoke(
        cli,
        [
            "--config",
            str(tmp_path / "none.toml"),
            "validate",
            str(path),
            "--kind",
            "lead",
            "--partner",
            "lv",
        ],
    )
    assert result.exit_code == 2 and "none.toml" in result.stderr


def test_excel_unicode_text_and_sep_hint_exports(tmp_path: Path) -> None:
    utf16 = tmp_path / "unicode.txt"
    utf16.write_bytes("Yritys\tMaa\tToimiala\r\nNokia Oyj\tSuomi\tICT\r\n".encode("utf-16"))
    (table,) = _tables(utf16)
    assert table.header == ["Yritys", "Maa", "Toimiala"]
    assert table.rows == [(2, ["Nokia Oyj", "Suomi", "ICT"])]
    hinted = tmp_path / "hinted.csv"
    hinted.write_bytes(b"sep=;\r\nCompany;Country;Sector\r\nA, B and C;LV;ICT\r\n")
    (table,) = _tables(hinted)
    assert table.rows == [(2, ["A, B and C", "LV", "ICT"])]
    result = run(str(utf16), "--kind", "lead", "--json")
    assert result.exit_code == 0 and results(result.stdout)[2]["record"]["country"] == "FI"


def test_agreements_in_a_workbook_find_parties_in_its_leads_tab(tmp_path: Path) -> None:
    leads = [
        ["CRM ID", "Uzņēmums", "Valsts", "Reģ. nr.", "Nozare"],
        ["L-000001", "SIA Baltic Soft", "Latvija", "40003521600", "IKT"],
        ["L-000002", "Caspian Tech MMC", "Azerbaidžāna", "1401555071", "IKT"],
        ["L-000003", "Rīgas Koks", "Latvija", "", "Interjera dizains"],
        ["", "Bez ID", "Latvija", "", "Cits"],
    ]
    agreements = [
        [
            "CRM ID",
            "Pārdevējs",
            "Pircējs",
            "Statuss",
            "Parakstīšanas datums",
            "Ziņojošais partneris",
        ],
        ["A-000001", "Baltic Soft", "1401555071", "Parakstīts", "12.03.2025", "lv"],
        ["A-000002", "L-000001", "Rīgas koks SIA", "Melnraksts", "", "lv"],
        ["A-000003", "Bez ID", "L-000099", "Melnraksts", "", "lv"],
    ]
    path = write_xlsx(tmp_path / "lv.xlsx", {"Leads": leads, "Agreements": agreements})
    result = run(str(path), "--kind", "agreement", "--partner", "lv", "--json")
    assert result.exit_code == 1
    assert "puses meklētas: 'Leads' (3 kontakti ar CRM ID)" in result.stderr
    out = results(result.stdout)
    assert out[2]["valid"] is True
    assert (out[2]["record"]["seller_id"], out[2]["record"]["buyer_id"]) == ("L-000001", "L-000002")
    assert out[3]["record"]["buyer_id"] == "L-000003"
    assert [(e["field"], e["code"]) for e in out[3]["errors"]] == [("buyer_id", "same_country")]
    # A lead without a CRM ID cannot be a party yet; an id kept elsewhere is not an error.
    assert [(e["field"], e["code"]) for e in out[4]["errors"]] == [("seller_id", "party")]
    assert out[4]["record"]["buyer_id"] == "L-000099"
