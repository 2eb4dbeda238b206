"""Partner tabs laid out the way chamber staff keep them, synced end to end: real
gspread against the emulator over HTTP, the store on SQLite and PostgreSQL.

A title and a blank row above a bilingual header, a header of the partner's own
mapped in the partners file: the sync finds the header, never writes above it,
puts the service columns in the header row and ids on the right rows.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from emulator_fixtures import create_spreadsheet
from seeding import stored_lead
from sqlalchemy import select
from sync_env import SyncEnv

from integration.cli import cli
from integration.store.models import QuarantineEntry, SyncRun

TITLE = "LEF Network Azerbaijan — kontakti 2025"
HEADER = [
    "Uzņēmums / Company",
    "Valsts / Country",
    "Kods (reģistrs)",
    "Nozare / Sector",
    "E-pasts\nE-mail",
    "Mūsu komentārs",
]
EXAMPLE = Path(__file__).resolve().parents[2] / "partners.example.toml"


def _configure(env: SyncEnv, partner: str, **changes: Any) -> None:
    pc = dataclasses.replace(env.config.partners[partner], **changes)
    env.config = dataclasses.replace(env.config, partners={**env.config.partners, partner: pc})


def test_a_title_above_a_bilingual_header_and_a_configured_header(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [
            [TITLE],
            [],
            HEADER,
            ["SIA Alfa", "Latvija", "40003000002", "IKT", "anna@alfa.lv", "mūsu"],
            ["Beta MMC", "Azerbaidžāna", "", "Izglītība", "info@beta.az", ""],
            [],
            ["SIA Gamma", "Latvija", "", "IKT", "not an e-mail", ""],
        ],
    )
    _configure(env, "lv", columns={"leads": {"Kods (reģistrs)": "registration_code"}})
    tab = env.synced_tab("lv")
    assert tab.counts["created"] == 2 and tab.counts["invalid"] == 1
    assert tab.api_calls <= 4

    values = env.values("lv")
    # the title row is as the partner left it, the blank row too
    assert values[0] == [TITLE]
    assert not any(values[1])
    # the service columns went into the header row, right of the partner's columns
    assert values[2] == [*HEADER, "CRM ID", "Sinhronizācijas statuss", "Pēdējā sinhronizācija"]
    leads = {lead.data["company_name"]: lead for lead in env.leads().values()}
    assert sorted(leads) == ["Beta MMC", "SIA Alfa"]
    # the configured header filled the registration code
    assert leads["SIA Alfa"].data["registration_code"] == "40003000002"
    assert leads["SIA Alfa"].data["email"] == "anna@alfa.lv"
    # ids and statuses on the firms' own rows (sheet rows 4, 5 and 7)
    assert values[3][6] == leads["SIA Alfa"].id and values[3][7] == "OK"
    assert values[4][6] == leads["Beta MMC"].id
    assert values[6][6] == "" and "e-pasts" in values[6][7].lower()
    with env.store.session() as s:
        assert s.scalars(select(QuarantineEntry.row_number)).all() == [7]
    # the header report: the real row, the configured column, nothing unrecognised
    header_report = tab.plan.header_report if tab.plan else None
    assert header_report is not None and header_report["row"] == 3
    sources = {m["field"]: m["source"] for m in header_report["mapped"]}
    assert sources["registration_code"] == "configured" and sources["email"] == "alias"
    assert [u["header"] for u in header_report["unrecognised"]] == ["Mūsu komentārs"]

    # a second sync of the unchanged tab writes nothing
    env.emulator.reset_stats()
    again = env.sync("lv", tab="leads").tabs[0]
    assert again.outcome == "completed" and again.cells_written == 0
    assert again.api_calls == 1 and again.counts["unchanged"] == 2
    assert env.values("lv") == values

    # a lead from the CRM side is appended below the last row, not into the title
    with env.store.session() as s:
        stored_lead(
            s,
            {"partner": "lv", "company_name": "SIA Delta", "country": "LV", "sector": "ict"},
            source="webhook:lv",
        )
    appended = env.sync("lv", tab="leads").tabs[0]
    assert appended.rows_appended == 1
    values = env.values("lv")
    assert values[0] == [TITLE] and values[3][0] == "SIA Alfa"
    assert values[7][0] == "SIA Delta" and values[7][6].startswith("L-")
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0


def test_a_configured_header_row_on_a_new_tab(env: SyncEnv) -> None:
    env.sheet("lv", [["Kontakti 2025"]])
    _configure(env, "lv", header_row={"leads": 3})
    with env.store.session() as s:
        stored_lead(
            s,
            {"partner": "lv", "company_name": "SIA Alfa", "country": "LV", "sector": "ict"},
            source="webhook:lv",
        )
    env.synced_tab("lv")
    values = env.values("lv")
    assert values[0] == ["Kontakti 2025"] and not any(values[1])
    assert values[2][0] == "Uzņēmums" and "CRM ID" in values[2]
    assert values[3][0] == "SIA Alfa"
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0


def test_dry_run_prints_each_tabs_header_report(
    emulator: Any, sqlite_url: str, tmp_path: Path
) -> None:
    sid = create_spreadsheet(
        emulator,
        "lv",
        {
            "Leads": [
                [TITLE],
                [],
                ["Uzņēmums / Company", "Valsts", "Nozare", "Kood (äriregister)", "Emial"],
                ["SIA Alfa", "LV", "ICT", "40003000002", "a@alfa.lv"],
            ],
            "Agreements": [["Seller", "Buyer", "Status"]],
        },
    )
    text = EXAMPLE.read_text("utf-8").replace("REPLACE-WITH-LV-SPREADSHEET-ID", sid, 1)
    last = 'webhook_secret_env = "LV_WEBHOOK_SECRET"\n'
    text = text.replace(last, last + '[partners.columns.leads]\n"Emial" = "email"\n', 1)
    config = tmp_path / "partners.toml"
    config.write_text(text, "utf-8")
    env = {
        "SHEETS_EMULATOR_HOST": emulator.host_port,
        "DATABASE_URL": sqlite_url,
        "CRM_INSTANCE_PATH": str(tmp_path / "instance"),
        "COLUMNS": "200",
    }
    args = ["--config", str(config), "sync", "--partner", "lv", "--dry-run"]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "lv/leads header in row 3" in out
    assert "'Uzņēmums / Company' -> company_name" in out
    assert "'Emial' -> email (partners file)" in out
    assert "'Kood (äriregister)'" in out
    assert '[partners.columns.leads]: "Kood (äriregister)" = "registration_code"' in out
    assert "no column for: registration_code" in out
    assert "create row 4: SIA Alfa" in out
    # nothing was written
    leads = emulator.client().open_by_key(sid).worksheet("Leads").get_all_values()
    assert leads[2] == ["Uzņēmums / Company", "Valsts", "Nozare", "Kood (äriregister)", "Emial"]


def test_a_deleted_header_row_is_a_missing_header_never_a_deletion(env: SyncEnv) -> None:
    """Staff delete the header row: the first data row (a person's name, e-mail,
    phone; one note that happens to read like a header) is not taken for the
    header. The tab stops as "no header", not as a deletion stop: accepting
    deletions archives nothing, and the run's header report holds nothing of
    the row."""
    header = ["Company", "Country", "Contact person", "E-mail", "Phone", "Sector", "Notes"]
    people = [
        ["SIA Alfa", "LV", "Anna Ozola", "anna@alfa.lv", "+371 2000 0001", "IKT", "VÖEN?"],
        ["SIA Beta", "LV", "Jānis Bērziņš", "janis@beta.lv", "+371 2000 0002", "IKT", ""],
        ["SIA Gamma", "LV", "Ilze Kalna", "ilze@gamma.lv", "+371 2000 0003", "IKT", ""],
        ["SIA Delta", "LV", "Pēteris Liepa", "peteris@delta.lv", "+371 2000 0004", "IKT", ""],
    ]
    sid = env.sheet("lv", [header, *people])
    env.synced_tab("lv", "leads")
    live = {i for i, lead in env.leads().items() if lead.archived_at is None}
    assert len(live) == 4
    env.gc.open_by_key(sid).worksheet("Leads").delete_rows(1)

    for accept in (False, True):
        report = env.sync("lv", tab="leads", accept_deletions=accept)
        (tab,) = report.tabs
        assert tab.stop_reason == "header_not_found", (tab.outcome, tab.error)
        assert "header" in (tab.error or "")
    assert {i for i, lead in env.leads().items() if lead.archived_at is None} == live
    with env.store.session() as s:
        runs = list(s.scalars(select(SyncRun).order_by(SyncRun.id)))[-2:]
    for run in runs:
        seen = json.dumps(run.header_report, ensure_ascii=False)
        assert "@" not in seen and "Anna" not in seen and "2000" not in seen, seen
        assert run.header_report["mapped"] == [] and run.header_report["unrecognised"] == []
    assert env.values("lv")[0][2] == "Anna Ozola"  # nothing was written into the row
