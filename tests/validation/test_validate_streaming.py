"""``crm-sync validate`` on what staff actually export: long files (checked in the
same memory whatever their length), a title above a ``;`` header, compound and
unit headers, agreements checked against a Leads export, merged XLSX cells, the
frame in the partner's language, ``--errors-only``, and broken files that get one
line instead of a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from integration.validate_command import validate_command

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["CRM ID", "Uzņēmums / Company", "Valsts", "Reģ. nr.", "Nozare", "E-pasts"]


@pytest.fixture(autouse=True)
def _away_from_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> Any:
    return CliRunner().invoke(
        validate_command, list(args), env={"CRM_CONFIG": None}, catch_exceptions=False
    )


def by_row(output: str) -> dict[int, dict[str, Any]]:
    return {item["row"]: item for item in json.loads(output)}


def lead_rows(count: int) -> Iterator[str]:
    """``count`` distinct LV lead lines (every 50th with a bad e-mail), as CSV text."""
    for n in range(count):
        email = "nobody@" if n % 50 == 7 else f"info{n}@firm{n}.lv"
        yield f"L-{n + 1:06d},SIA Firma {n},Latvija,,IKT,{email}\n"


def write_leads_csv(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(HEADER) + "\n")
        handle.writelines(lead_rows(count))
    return path


def peak_mb(*args: str, cwd: Path) -> tuple[float, int, str]:
    """Peak resident memory (MB) of ``crm-sync *args`` as its own process, its exit
    status and its standard output."""
    env = {k: v for k, v in os.environ.items() if k != "CRM_CONFIG"}
    env["PYTHONPATH"] = str(ROOT)
    with open(cwd / "out.txt", "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "integration.cli", *args], stdout=out, env=env, cwd=cwd
        )
        _pid, status, usage = os.wait4(proc.pid, 0)
    return (
        usage.ru_maxrss / 1024,
        os.waitstatus_to_exitcode(status),
        (cwd / "out.txt").read_text("utf-8"),
    )


def test_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    small = write_leads_csv(tmp_path / "small.csv", 1_000)
    large = write_leads_csv(tmp_path / "large.csv", 25_000)
    small_mb, small_code, _ = peak_mb("validate", str(small), "--kind", "lead", cwd=tmp_path)
    large_mb, large_code, out = peak_mb(
        "validate", str(large), "--kind", "lead", "--json", cwd=tmp_path
    )
    assert small_code == large_code == 1
    rows = json.loads(out)
    assert len(rows) == 25_000 and sum(not r["valid"] for r in rows) == 500
    # 25 times the rows, printed in full as JSON: the same memory, give or take
    assert large_mb - small_mb < 8, (small_mb, large_mb)


def test_duplicates_are_still_found_across_a_long_file(tmp_path: Path) -> None:
    path = write_leads_csv(tmp_path / "leads.csv", 3_000)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(",SIA Firma 12,Latvija,,IKT,\n")
    result = run(str(path), "--kind", "lead", "--json", "--errors-only")
    out = by_row(result.stdout)
    assert out[3_002]["errors"][0]["code"] == "duplicate"
    assert out[3_002]["errors"][0]["params"]["row"] == 14


def test_a_title_without_delimiters_above_a_semicolon_header(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    lines = [
        "LEF Network Azerbaijan kontakti 2025",
        "",
        "Uzņēmums;Valsts;Nozare;E-pasts",
        "SIA Koks;Latvija;IKT;info@koks.lv",
        "SIA Akmens;Latvija;IKT;akmens@",
    ]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    result = run(str(path), "--kind", "lead", "--partner", "lv", "--json")
    assert result.exit_code == 1, result.output
    out = by_row(result.stdout)
    assert sorted(out) == [4, 5] and out[4]["valid"]
    assert [e["field"] for e in out[5]["errors"]] == ["email"]
    assert "galvene ir 3. rindā" in result.stderr


def test_compound_and_unit_headers_are_mapped_as_the_sync_maps_them(tmp_path: Path) -> None:
    path = tmp_path / "agreements.csv"
    lines = [
        "Pārdevējs / Seller;Pircējs / Buyer;Vērtība, EUR;Statuss / Status;Datums / Date",
        "L-000001;L-000002;1 200,50;Parakstīts;31.02.2025",
    ]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    result = run(str(path), "--kind", "agreement", "--partner", "lv", "--json")
    assert "Datums" not in result.stderr  # no column left unmapped
    (row,) = by_row(result.stdout).values()
    assert row["record"]["value"] == 1200.5
    assert [(e["field"], e["code"]) for e in row["errors"]] == [("signed_date", "date")]


def test_agreement_parties_are_checked_against_a_leads_export(tmp_path: Path) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "CRM ID,Uzņēmums,Valsts,Nozare\n"
        "L-000001,SIA Koks,Latvija,IKT\n"
        "L-000002,Caspian MMC,Azerbaidžāna,IKT\n"
        "L-000003,Baku Tech MMC,Azerbaidžāna,IKT\n",
        "utf-8",
    )
    agreements = tmp_path / "agreements.csv"
    agreements.write_text(
        "Pārdevējs;Pircējs;Statuss\n"
        "SIA Koks;L-000003;Melnraksts\n"
        "Nav Tādas SIA;Caspian MMC;Melnraksts\n",
        "utf-8",
    )
    offline = run(str(agreements), "--kind", "agreement", "--partner", "lv", "--json")
    assert offline.exit_code == 0, offline.output
    rows = by_row(offline.stdout)
    assert all(r["valid"] for r in rows.values())
    assert rows[3]["notes"] == [
        "Pārdevējs: 'Nav Tādas SIA' bezsaistē nav pārbaudīts",
        "Pircējs: 'Caspian MMC' bezsaistē nav pārbaudīts",
    ]
    assert "bezsaistē netiek pārbaudītas" in offline.stderr

    checked = run(
        str(agreements), "--kind", "agreement", "--partner", "lv", "--leads", str(leads), "--json"
    )
    assert checked.exit_code == 1
    rows = by_row(checked.stdout)
    assert rows[2]["valid"] and rows[2]["record"]["seller_id"] == "L-000001"
    assert [(e["field"], e["code"]) for e in rows[3]["errors"]] == [("seller_id", "party")]
    assert rows[3]["record"]["buyer_id"] == "L-000002"
    assert "'leads.csv' (3 kontakti ar CRM ID)" in checked.stderr

    missing = run(str(agreements), "--kind", "agreement", "--leads", str(tmp_path / "no.csv"))
    assert missing.exit_code == 2 and "no.csv: file not found" in missing.stderr


def test_a_value_missing_under_merged_cells_gets_a_hint(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kontakti"
    sheet.append(["Uzņēmums", "Valsts", "Nozare"])
    sheet.append(["SIA Koks", "Latvija", "IKT"])
    sheet.append(["SIA Akmens", None, "IKT"])
    sheet.append(["SIA Ūdens", None, "IKT"])
    sheet.merge_cells("B2:B4")
    path = tmp_path / "leads.xlsx"
    workbook.save(path)
    result = run(str(path), "--kind", "lead", "--partner", "lv", "--json")
    rows = by_row(result.stdout)
    assert "notes" not in rows[2]
    assert rows[3]["notes"] == [
        "Valsts (B3) atrodas apvienotajās šūnās B2:B4: vērtība ir tikai šūnā B2; "
        "atceliet apvienošanu un aizpildiet katru rindu"
    ]
    table = run(str(path), "--kind", "lead", "--lang", "en")
    assert "(note) Country (B4) is inside the merged cells B2:B4" in table.stdout


def test_errors_only_prints_the_invalid_rows_and_the_whole_summary(tmp_path: Path) -> None:
    path = write_leads_csv(tmp_path / "leads.csv", 120)
    result = run(str(path), "--kind", "lead", "--partner", "fi", "--errors-only")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["Rivi", "Tila", "Yritys", "Ongelmat"]
    shown = [line for line in lines[2:-1] if line.split()[0].isdigit()]
    assert [line.split()[0] for line in shown] == ["9", "59", "109"]
    assert all("Virheellinen" in line for line in shown)
    assert lines[-1] == "120 riviä: kunnossa 117, virheellisiä 3"
    as_json = run(str(path), "--kind", "lead", "--errors-only", "--json")
    assert sorted(by_row(as_json.stdout)) == [9, 59, 109]


def test_broken_files_are_one_line_with_the_path(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    workbook = Workbook()
    workbook.active.append(["Company", "Country"])
    for n in range(2_000):
        workbook.active.append([f"Firm {n}", "LV"])
    workbook.save(good)
    # the worksheet's data cut off half-way: the header reads, the rows do not
    truncated = tmp_path / "truncated.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(truncated, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data[: len(data) // 2]
            target.writestr(item, data)
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("Company\tCountry\r\nA\tLV\r\n".encode("utf-16") + b"\x00\xd8")
    for path, reason in ((truncated, "cannot be read"), (utf16, "utf-16")):
        _mb, code, _out = peak_mb("validate", str(path), "--kind", "lead", cwd=tmp_path)
        result = subprocess.run(
            [sys.executable, "-m", "integration.cli", "validate", str(path), "--kind", "lead"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert code == 2 and result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert str(path) in line and reason in line.lower()
