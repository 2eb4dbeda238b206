"""``crm-sync validate`` on exports laid out the way chamber staff keep their tabs:
a title and a blank row above the header, bilingual headers, a partner's own
headers and header row from the partners file. The same rule as the sync."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from integration.csv_import import open_tables
from integration.validate_command import validate_command

EXAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "partners.example.toml"
TITLE = "LEF Network Azerbaijan — kontakti 2025"
HEADER = ["Uzņēmums / Company", "Valsts / Country", "Nozare / Sector", "Y-tunnus (Business ID)"]


@pytest.fixture(autouse=True)
def _away_from_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _tables(path: Path) -> list:
    """The file's tables (a CSV's rows are read again from the file when asked)."""
    with open_tables(path) as tables:
        return tables


def run(*args: str) -> Any:
    return CliRunner().invoke(
        validate_command, list(args), env={"CRM_CONFIG": None}, catch_exceptions=False
    )


def by_row(output: str) -> dict[int, dict[str, Any]]:
    return {item["row"]: item for item in json.loads(output)}


def test_a_title_and_a_blank_row_above_a_bilingual_header_csv(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    lines = [
        f"{TITLE},,,",
        ",,,",
        ",".join(HEADER),
        "Sisustus Oy,Suomi,ICT,2440242-6",
        "Rīgas Koks,Latvija,IKT,",
        "Bad Oy,Suomi,ICT,2440242-7",
    ]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    result = run(str(path), "--kind", "lead", "--json")
    assert result.exit_code == 1, result.output
    out = by_row(result.stdout)
    assert sorted(out) == [4, 5, 6]  # the rows the sheet shows; title and header are no data
    assert out[4]["valid"] and out[4]["record"]["registration_code"] == "2440242-6"
    assert out[4]["record"]["country"] == "FI"
    assert out[5]["valid"] and out[5]["record"]["company_name"] == "Rīgas Koks"
    assert not out[6]["valid"] and out[6]["errors"][0]["field"] == "registration_code"
    assert "header in row 3" in result.stderr


def test_a_title_above_the_header_xlsx(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kontakti"
    for row in ([TITLE], [], HEADER, ["Sisustus Oy", "Suomi", "ICT", "2440242-6"]):
        sheet.append(row)
    path = tmp_path / "leads.xlsx"
    workbook.save(path)
    result = run(str(path), "--kind", "lead", "--json")
    assert result.exit_code == 0, result.output
    assert list(by_row(result.stdout)) == [4]


def test_the_partners_files_columns_and_header_row_apply(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text("utf-8")
    last = 'webhook_secret_env = "EE_WEBHOOK_SECRET"\n'
    extra = (
        '[partners.columns.leads]\n"Kood (äriregister)" = "registration_code"\n'
        "[partners.header_row]\nleads = 2\n"
    )
    config = tmp_path / "partners.toml"
    config.write_text(text.replace(last, last + extra, 1), "utf-8")
    path = tmp_path / "leads.csv"
    # Row 1 is a legend naming the columns in English; the partner says row 2.
    path.write_text(
        "Company,Country,Sector,Registration code\n"
        "Ettevõte,Riik,Sektor,Kood (äriregister)\n"
        "Tallinna Ärid OÜ,Eesti,IKT,10137025\n"
        "Vale OÜ,Eesti,IKT,10137026\n",
        "utf-8",
    )
    args = [str(path), "--kind", "lead", "--partner", "ee", "--config", str(config), "--json"]
    result = run(*args)
    assert result.exit_code == 1, result.output
    out = by_row(result.stdout)
    assert sorted(out) == [3, 4]
    assert out[3]["valid"] and out[3]["record"]["registration_code"] == "10137025"
    assert [e["field"] for e in out[4]["errors"]] == ["registration_code"]
    # without the partners file the English legend in row 1 would be the header
    plain = by_row(run(str(path), "--kind", "lead", "--json").stdout)
    assert sorted(plain) == [2, 3, 4]


def test_no_recognisable_header_in_the_first_ten_rows_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text(f"{TITLE}\n\n1,2,3\n4,5,6\n", "utf-8")
    result = run(str(path), "--kind", "lead")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "no recognisable lead header in row 1 (nor in the first 10 rows)" in line


def test_an_unmapped_header_names_the_field_it_probably_means(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("Company,Country,Sector,Emial\nSIA A,LV,ICT,a@a.lv\n", "utf-8")
    result = run(str(path), "--kind", "lead", "--json")
    assert result.exit_code == 0
    assert "'Emial' (email?)" in result.stderr


def test_read_tables_places_the_header_per_kind(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"{TITLE},\n,\nUzņēmums,Valsts\nA,LV\n,\nB,EE\n", "utf-8")
    (table,) = _tables(path)
    assert table.header_row == 1  # before a kind is known: the first filled row
    located, match = table.at_header("lead")
    assert located.header_row == 3 and located.header == ["Uzņēmums", "Valsts"]
    assert located.rows == [(4, ["A", "LV"]), (6, ["B", "EE"])]
    assert match.columns == {"company_name": 0, "country": 1}
