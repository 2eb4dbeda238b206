"""Settings from the environment: read once, typed, and a bad value stops start-up
with the variable's name and the reason, as a bad partners file does."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from integration.config import ConfigError, SheetsSettings, debug_enabled, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "partners.example.toml"


def test_defaults_when_nothing_is_set() -> None:
    config = load_config(EXAMPLE, environ={})
    assert config.sheets == SheetsSettings(
        timeout=30.0, project_per_minute=300, user_per_minute=60, retry_seconds=120.0
    )
    assert config.debug is False and config.insecure_cookies is False
    assert config.emulator_host is None and config.credentials_file is None
    assert config.webhook_secrets == {"lv": (), "ee": (), "fi": ()}


def test_every_variable_is_read_into_its_typed_setting() -> None:
    config = load_config(
        EXAMPLE,
        environ={
            "CRM_SHEETS_TIMEOUT": "7.5",
            "CRM_SHEETS_PROJECT_PER_MINUTE": " 120 ",
            "CRM_SHEETS_USER_PER_MINUTE": "0",
            "CRM_SHEETS_RETRY_SECONDS": "45",
            "CRM_DEBUG": "1",
            "CRM_INSECURE_COOKIES": "true",
            "SHEETS_EMULATOR_HOST": " 127.0.0.1:9 ",
            "GOOGLE_APPLICATION_CREDENTIALS": "/keys/sa.json",
            "EE_WEBHOOK_SECRET": "new, old",
        },
    )
    assert config.sheets == SheetsSettings(
        timeout=7.5, project_per_minute=120, user_per_minute=0, retry_seconds=45.0
    )
    assert config.debug is True and config.insecure_cookies is True
    assert config.emulator_host == "127.0.0.1:9"
    assert config.credentials_file == "/keys/sa.json"
    assert config.partner_secrets("ee") == ["new", "old"]
    assert config.partner_secrets("lv") == []


def test_a_copy_with_another_environment_is_read_again() -> None:
    config = load_config(EXAMPLE, environ={"LV_WEBHOOK_SECRET": "a"})
    rotated = replace(config, environ={"LV_WEBHOOK_SECRET": "b,a", "CRM_SHEETS_TIMEOUT": "3"})
    assert rotated.partner_secrets("lv") == ["b", "a"]
    assert rotated.sheets.timeout == 3.0
    assert config.partner_secrets("lv") == ["a"] and config.sheets.timeout == 30.0


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("CRM_SHEETS_TIMEOUT", "abc", "'abc' is not a number"),
        ("CRM_SHEETS_TIMEOUT", "0", "must be a finite number, more than 0"),
        ("CRM_SHEETS_TIMEOUT", "inf", "must be a finite number"),
        ("CRM_SHEETS_TIMEOUT", "nan", "must be a finite number"),
        ("CRM_SHEETS_PROJECT_PER_MINUTE", "1.5", "'1.5' is not a whole number"),
        ("CRM_SHEETS_USER_PER_MINUTE", "-1", "must be a finite number, 0 or more"),
        ("CRM_SHEETS_RETRY_SECONDS", "two minutes", "is not a number"),
        ("CRM_INSECURE_COOKIES", "maybe", "'maybe' is not a switch"),
        ("CRM_DEBUG", "verbose", "'verbose' is not a switch"),
        ("CRM_TRUSTED_PROXIES", "yes", "'yes' is not a whole number"),
        ("CRM_TRUSTED_PROXIES", "-1", "must be a finite number, 0 or more"),
    ],
)
def test_a_bad_value_names_the_variable_and_the_reason(name: str, value: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(EXAMPLE, environ={name: value})
    message = str(info.value)
    assert message.startswith(f"{name}: ")
    assert reason in message
    assert "\n" not in message


def test_a_bad_value_stops_the_cli_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "DATABASE_URL"))}
    env.update(CRM_SHEETS_TIMEOUT="abc", CRM_INSTANCE_PATH=str(tmp_path / "instance"))
    result = subprocess.run(
        [sys.executable, "-m", "integration.cli", "--config", str(EXAMPLE), "db", "current"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "crm-sync: CRM_SHEETS_TIMEOUT: 'abc' is not a number"
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "instance").exists()  # stopped before touching anything


def test_a_bad_value_stops_the_wsgi_app_factory(monkeypatch) -> None:
    from integration.app import create_app

    monkeypatch.setenv("CRM_CONFIG", str(EXAMPLE))
    monkeypatch.setenv("CRM_SHEETS_RETRY_SECONDS", "soon")
    with pytest.raises(ConfigError, match=r"^CRM_SHEETS_RETRY_SECONDS: 'soon' is not a number$"):
        create_app()


def test_debug_switch_for_the_last_resort_handler() -> None:
    assert debug_enabled({"CRM_DEBUG": "1"}) is True
    assert debug_enabled({"CRM_DEBUG": "0"}) is False
    assert debug_enabled({}) is False
    # asked when the configuration itself may be broken: unclear means off, not a crash
    assert debug_enabled({"CRM_DEBUG": "verbose"}) is False


def test_settings_reach_the_sheets_client_and_the_app(emulator, store) -> None:  # type: ignore[no-untyped-def]
    from integration.app import create_app
    from integration.google_connector import make_connector

    config = load_config(
        EXAMPLE,
        environ={
            "SHEETS_EMULATOR_HOST": emulator.host_port,
            "CRM_SHEETS_TIMEOUT": "7.5",
            "CRM_SHEETS_RETRY_SECONDS": "9",
        },
    )
    sid = emulator.client().create("through the configuration").id
    connector = make_connector(config)
    assert connector.http.timeout == 7.5
    assert connector.retry.budget_seconds == 9.0
    assert "Sheet1" in connector.metadata(sid)  # the configured emulator answers

    secure = create_app(config, store=store)
    assert secure.config["SESSION_COOKIE_SECURE"] is True
    insecure = create_app(
        replace(config, environ={**config.environ, "CRM_INSECURE_COOKIES": "1"}), store=store
    )
    assert insecure.config["SESSION_COOKIE_SECURE"] is False
