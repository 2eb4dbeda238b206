"""``crm-sync report`` end to end (a real process on both stores): the XLSX with
one sheet per table, typed cells and words in the chosen language; CSV in the
locale's conventions; JSON equal to the API's; text that is never a formula."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from report_fixture import plant

from integration.store import records

ROOT = Path(__file__).resolve().parents[2]


def crm_sync(config, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        **config.environ,
        "CRM_CONFIG": str(ROOT / "partners.example.toml"),
        "DATABASE_URL": config.database_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "integration.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def first_quarter(config, out: Path, *options: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    """``crm-sync report`` for Q1 2025 into ``out``; it must succeed."""
    done = crm_sync(
        config, "report", "--from", "2025-01-01", "--to", "2025-03-31", *options, "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def network(store):  # type: ignore[no-untyped-def]
    net = plant(store)
    with store.session() as s:  # a seller whose name would run as a formula
        lead = s.get(records.Lead, net.ids["L3"])
        records.update_record(s, lead, {"company_name": '=HYPERLINK("x")'}, source="api")
    return net


def test_the_quarter_as_a_latvian_workbook(config, network, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "q1.xlsx"
    done = first_quarter(config, out, "--lang", "lv")
    assert "3 signed agreement(s)" in done.stdout
    book = load_workbook(out)
    assert book.sheetnames[:3] == ["Kopsavilkums", "Līgumi pa partneriem", "Līgumi pa nozarēm"]
    assert "Kontakti pa pasākumiem" in book.sheetnames
    listed = book["Parakstītie līgumi"]
    header = [c.value for c in listed[1]]
    assert header[:4] == ["CRM ID", "Parakstīts", "Partneris", "Nozare"]
    first = [c.value for c in listed[2]]
    assert first[1] == datetime(2025, 1, 15)  # a date cell, not text
    assert first[header.index("Vērtība")] == 7000  # a number cell
    assert first[header.index("Nozare")] == "Izglītība"  # a Latvian word, not "education"
    seller = listed.cell(row=4, column=header.index("Pārdevējs") + 1)
    assert seller.value == '=HYPERLINK("x")' and seller.data_type == "s"  # text, not a formula
    events = book["Kontakti pa pasākumiem"]
    names = {row[0].value: row[-1].value for row in events.iter_rows(min_row=2)}
    assert names["LEF tīklošanās 2025"] == 2 and names["Rīgas brokastis"] == 1
    assert names["Kopā (visi partneri)"] == 6  # the total says its scope
    partners = book["Līgumi pa partneriem"]
    total = [c.value for c in partners[partners.max_row]]
    assert total == ["Kopā (visi partneri)", "EUR", 3, 19500.5]


def test_csv_in_the_locales_conventions_and_json(config, network, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "q1.csv"
    first_quarter(config, out, "--partner", "lv")
    text = out.read_text("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))  # Latvian by default for lv
    assert rows[0] == ["Kopsavilkums"]
    at = rows.index(["Līgumi pa partneriem"])
    assert rows[at + 1] == ["Partneris", "Valūta", "Parakstīti", "Vērtība"]
    assert rows[at + 2] == ["Latvian Chamber of Commerce and Industry", "EUR", "2", "12500,5"]
    assert rows[at + 3][0] == "Kopā (Latvian Chamber of Commerce and Industry)"
    english = tmp_path / "q1.json"
    first_quarter(config, english, "--partner", "lv", "--lang", "en")
    body = json.loads(english.read_text("utf-8"))
    assert body["scope"]["partner"] == "lv" and body["from"] == date(2025, 1, 1).isoformat()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--out", "r.pdf"], "--out: 'r.pdf' must end in .xlsx, .csv or .json"),
        (["--from", "2025-02-30", "--out", "r.csv"], "--from: '2025-02-30' is not a date"),
        (["--partner", "zz", "--out", "r.csv"], "--partner: unknown partner code"),
    ],
)
def test_a_bad_option_is_one_line(config, network, tmp_path, args, says) -> None:  # type: ignore[no-untyped-def]
    done = crm_sync(config, "report", *args)
    assert done.returncode == 2 and says in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (Path.cwd() / "r.csv").exists()
