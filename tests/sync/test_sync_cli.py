"""``crm-sync sync``: summary table, dry run writes nothing, exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from emulator_fixtures import create_spreadsheet
from sqlalchemy import func, select

from integration.cli import cli
from integration.store.db import Store
from integration.store.models import Lead, SyncRun

EXAMPLE = Path(__file__).resolve().parents[2] / "partners.example.toml"


def _config(tmp_path: Path, sid: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8").replace("REPLACE-WITH-LV-SPREADSHEET-ID", sid, 1)
    path = tmp_path / "partners.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_sync_dry_run_then_real_run(emulator: Any, sqlite_url: str, tmp_path: Path) -> None:
    sid = create_spreadsheet(
        emulator,
        "lv",
        {
            "Leads": [
                ["Company", "Country", "Sector", "E-mail"],
                ["SIA Alfa", "LV", "ICT", "a@alfa.lv"],
            ],
            "Agreements": [["Seller", "Buyer", "Status"]],
        },
    )
    env = {
        "SHEETS_EMULATOR_HOST": emulator.host_port,
        "DATABASE_URL": sqlite_url,
        "CRM_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    args = ["--config", str(_config(tmp_path, sid)), "sync", "--partner", "lv"]
    runner = CliRunner()
    dry = runner.invoke(cli, [*args, "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "dry run" in dry.output and "create row 2: SIA Alfa" in dry.output
    store = Store(sqlite_url)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 0
        assert s.scalars(select(SyncRun.dry_run)).all() == [True, True]
    assert emulator.client().open_by_key(sid).worksheet("Leads").get_all_values()[0] == [
        "Company",
        "Country",
        "Sector",
        "E-mail",
    ]

    real = runner.invoke(cli, args, env=env)
    assert real.exit_code == 0, real.output
    assert "Sync summary" in real.output and "leads" in real.output
    assert "Sheets API calls" in real.output or "Sheets" in real.output
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 1
    store.dispose()


def test_cli_sync_exits_non_zero_with_one_line_when_the_sheet_is_missing(
    emulator: Any, sqlite_url: str, tmp_path: Path
) -> None:
    env = {
        "SHEETS_EMULATOR_HOST": emulator.host_port,
        "DATABASE_URL": sqlite_url,
        "CRM_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["--config", str(_config(tmp_path, "no-such-sheet")), "sync", "--partner", "lv"],
        env=env,
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "crm-sync: lv/leads: failed:" in result.output
    unknown = runner.invoke(
        cli, ["--config", str(_config(tmp_path, "x")), "sync", "--partner", "zz"], env=env
    )
    assert unknown.exit_code == 2 and "unknown partner" in unknown.output
