"""The partners file: a good one loads; a bad one stops with path, key and reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from integration.config import ConfigError, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "partners.example.toml"


def test_example_file_loads_three_partners() -> None:
    config = load_config(EXAMPLE, environ={"LV_WEBHOOK_SECRET": "a, b"})
    assert sorted(config.partners) == ["ee", "fi", "lv"]
    assert config.project.agreement_target == 10
    assert str(config.project.end) == "2026-02-28"
    lv = config.partner("lv")
    assert lv.locale == "lv" and lv.timezone == "Europe/Riga"
    assert config.partner_secrets("lv") == ["a", "b"]
    assert config.partner("fi").sync_time.hour == 2
    assert config.database_url.startswith("sqlite:///")
    with pytest.raises(ConfigError, match="unknown partner 'xx'"):
        config.partner("xx")
    assert [e.id for e in config.events] == [
        "baku-b2b-2023",
        "baku-mission-2024",
        "lef-networking-2025",
    ]
    assert config.events[0].name("et") == "Bakuu B2B foorum 2023"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (('locale = "lv"', 'locale = "xx"'), r"partners\[0\]\.locale: unknown language 'xx'"),
        (('sync_at = "02:00"', 'sync_at = "25:99"'), r"partners\[0\]\.sync_at"),
        (('timezone = "Europe/Tallinn"', 'timezone = "Mars/Olympus"'), "unknown time zone"),
        (("agreement_target = 10", 'agreement_target = "ten"'), "project.agreement_target"),
        (('code = "ee"', 'code = "lv"'), "appears twice"),
        (("end = 2026-02-28", "end = 2020-02-28"), "project.end: must be after"),
        (("[project]", "[project"), "not valid TOML"),
        (
            ('leads_tab = "Leads"', 'spreadsheet_url = "not a url"\nleads_tab = "Leads"'),
            r"partners\[0\]\.spreadsheet_url: 'not a url' is not a 'uri'",
        ),
        (('id = "baku-mission-2024"', 'id = "baku-b2b-2023"'), "events: event id .* twice"),
        (
            ('aliases = ["LEF networking 2025"]', 'aliases = ["Baku B2B forum 2023"]'),
            "events: 'Baku B2B forum 2023' names both event 'baku-b2b-2023' and",
        ),
        (('kind = "trade_mission"', 'kind = "party"'), r"events\[1\]\.kind: 'party' is not"),
        (("date = 2023-10-10", 'date = "October"'), r"events\[0\]\.date"),
    ],
)
def test_bad_file_names_path_key_and_reason(tmp_path: Path, edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    text = EXAMPLE.read_text("utf-8")
    assert edit[0] in text
    bad = tmp_path / "partners.toml"
    bad.write_text(text.replace(edit[0], edit[1], 1), "utf-8")
    with pytest.raises(ConfigError, match=expected) as info:
        load_config(bad, environ={})
    assert str(bad) in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file_is_one_line_from_the_cli(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    result = subprocess.run(
        [sys.executable, "-m", "integration.cli", "--config", str(missing), "db", "current"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(missing) in result.stderr and "not found" in result.stderr


def test_db_upgrade_command_migrates_a_new_sqlite_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    args = [
        sys.executable,
        "-m",
        "integration.cli",
        "--config",
        str(EXAMPLE),
        "--database-url",
        url,
    ]
    up = subprocess.run([*args, "db", "upgrade"], capture_output=True, text=True, timeout=60)
    assert up.returncode == 0, up.stderr
    assert "store at revision" in up.stdout
    cur = subprocess.run([*args, "db", "current"], capture_output=True, text=True, timeout=60)
    assert "up to date" in cur.stdout


def test_the_drive_address_is_https_for_google_and_may_be_local_http_for_the_emulator(
    base_config,
) -> None:
    from dataclasses import replace

    from integration.drive.watch import webhook_address

    google = replace(base_config, emulator_host=None)
    assert (
        webhook_address(replace(google, public_url="https://crm.example.org"))
        == "https://crm.example.org/webhooks/drive"
    )
    for url in ("http://127.0.0.1:8000", "http://crm.example.org", None):
        with pytest.raises(ConfigError):
            webhook_address(replace(google, public_url=url))
    emulated = replace(base_config, emulator_host="127.0.0.1:8085")
    assert webhook_address(replace(emulated, public_url="http://127.0.0.1:8000")).startswith(
        "http://127.0.0.1:8000/"
    )
    with pytest.raises(ConfigError):
        webhook_address(replace(emulated, public_url="http://crm.example.org"))


def test_crm_public_url_is_read_once_without_a_trailing_slash() -> None:
    config = load_config(
        EXAMPLE, environ={"CRM_PUBLIC_URL": "https://crm.example.org/", "CRM_INSTANCE_PATH": "x"}
    )
    assert config.public_url == "https://crm.example.org"
    assert config.sync.poll_seconds == 300 and config.sync.channel_ttl_seconds == 86400
