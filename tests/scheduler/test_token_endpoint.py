"""A Google token endpoint that cannot be reached, through the real processes:
``crm-sync check`` fails its ``google token`` line, and the clock's sync fails
with the same words (no raw ``TransportError``, no traceback) in its log line,
in the run the store records and on the dashboard's Sync page."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from dashboard_client import BASE, sign_in
from google_keys import service_account_file
from processes import free_port, read_until, run_cli, start_procfile, stop
from scheduler_helpers import make_setup

from connectors.google_sheets.auth import TOKEN_FIX
from integration import create_app
from integration.auth import create_token
from integration.config import load_config
from integration.store.models import SyncRun


def _words(line: str) -> str:
    """A token failure's words without the exception's own detail (its port)."""
    match = re.search(r"no token from Google \((\w+)\); " + re.escape(TOKEN_FIX), line)
    assert match, line
    return match[0]


@pytest.mark.timeout(180)
def test_an_unreachable_token_endpoint_is_the_same_clear_words_everywhere(
    emulator, sqlite_url: str, tmp_path: Path
) -> None:
    s = make_setup(emulator, sqlite_url, tmp_path)
    key = service_account_file(tmp_path, token_uri=f"http://127.0.0.1:{free_port()}/token")
    env = {**s.env(), "GOOGLE_APPLICATION_CREDENTIALS": str(key), "CRM_SECRET_KEY": "k"}
    env.pop("SHEETS_EMULATOR_HOST")
    checked = run_cli("check", env=env, cwd=tmp_path)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    (token_line,) = [line for line in checked.stdout.splitlines() if "google token" in line]
    assert token_line.startswith("FAIL google token: "), token_line
    words = _words(token_line)
    assert words.startswith("no token from Google (TransportError); ")

    clock = start_procfile("clock", {**env, "PYTHONUNBUFFERED": "1"}, cwd=tmp_path)
    try:
        lines = read_until(clock, "sync of lv: failed", timeout=90)
    finally:
        out, _ = stop(clock)
    log = "".join(lines) + out
    (failed,) = [line for line in lines if "sync of lv: failed" in line]
    assert " WARNING integration.scheduler.service: catch-up sync of lv: failed (" in failed, failed
    assert _words(failed) == words
    assert "Traceback" not in log and "TransportError:" not in log, log

    with s.store.session() as session:
        errors = [r.error for r in session.query(SyncRun).filter_by(partner="lv")]
        _token, admin = create_token(session, "admin")
    assert errors and all(_words(e or "") == words for e in errors), errors

    config = load_config(s.partners_file, environ=env)
    web = create_app(config, store=s.store).test_client()
    sign_in(web, admin)
    page = html.unescape(web.get("/dashboard/sync", base_url=BASE).text)
    assert words in page
    assert "-0.00" not in page
    s.store.dispose()
