"""The gspread client factory: emulator redirect, or Google with a service account."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.auth.transport.requests import AuthorizedSession
from google_keys import service_account_file

from connectors.google_sheets.auth import CredentialsMissingError, make_gspread_client
from connectors.google_sheets.transport import EmulatorSession, rewrite_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://sheets.googleapis.com/v4/spreadsheets/x/values/A1",
            "http://127.0.0.1:9/v4/spreadsheets/x/values/A1",
        ),
        ("https://www.googleapis.com/drive/v3/files?q=a", "http://127.0.0.1:9/drive/v3/files?q=a"),
        ("https://oauth2.googleapis.com/token", "https://oauth2.googleapis.com/token"),
        ("https://example.org/x", "https://example.org/x"),
    ],
)
def test_only_google_api_hosts_are_rewritten(url: str, expected: str) -> None:
    assert rewrite_url(url, "127.0.0.1:9") == expected


def test_emulator_session_sends_a_bearer_token_and_ignores_proxies() -> None:
    s = EmulatorSession("127.0.0.1:9", token="abc")
    assert s.headers["Authorization"] == "Bearer abc"
    assert s.trust_env is False


def test_client_uses_the_emulator_it_is_given(emulator) -> None:
    gc = make_gspread_client(emulator_host=emulator.host_port, timeout=7.5)
    assert isinstance(gc.http_client.session, EmulatorSession)
    assert gc.http_client.timeout == 7.5
    gc.create("through the parameter")
    assert emulator.stats()["by_endpoint"]["drive.files.create"] == 1


def test_without_an_emulator_a_service_account_is_loaded(tmp_path: Path) -> None:
    gc = make_gspread_client(credentials_file=str(service_account_file(tmp_path)), timeout=12)
    session = gc.http_client.session
    assert isinstance(session, AuthorizedSession)
    assert session.credentials.service_account_email == "sync@lef-test.iam.gserviceaccount.com"
    assert set(session.credentials.scopes) == {
        "https://www.googleapis.com/auth/spreadsheets",
        "https://www.googleapis.com/auth/drive",
    }
    assert gc.http_client.timeout == 12


def test_no_emulator_and_no_credentials_is_a_clear_error() -> None:
    with pytest.raises(CredentialsMissingError, match="SHEETS_EMULATOR_HOST"):
        make_gspread_client()


def test_the_connector_never_reads_the_environment(emulator, tmp_path: Path, monkeypatch) -> None:
    """The service's configuration reads the variables; the connector only its parameters."""
    monkeypatch.setenv("SHEETS_EMULATOR_HOST", emulator.host_port)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_file(tmp_path)))
    with pytest.raises(CredentialsMissingError):
        make_gspread_client()
    assert emulator.stats()["by_endpoint"] == {}
