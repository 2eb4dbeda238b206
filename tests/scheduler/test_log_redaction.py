"""No token, secret or e-mail address in any log line, whoever writes it:
gunicorn's error and access logs (the Procfile's web line), werkzeug's under
``crm-sync serve``, the application's and the clock's own.

Malformed request lines are sent over a raw socket, as an attacker or a broken
client would (an unencoded space in the query, a control character, an unknown
method, a line longer than the server accepts), since a well-formed request
never reaches the loggers that print the raw line. The full run then greps
every line the web process and the clock wrote, in the JSON format.
"""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path

import pytest
import requests
from processes import free_port, start_cli, start_procfile, stop, wait_for_http, web_url
from scheduler_helpers import WEBHOOK_SECRETS, make_setup, wait_until
from signed_forms import post_signed_form

from integration.auth import create_token

TOKEN = "lcs_RawLineToken0123456789abcdef"
EMAIL_RE = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
RAW_LINES = [
    f"GET /api/v1/leads?q=jane doe@example.com&access_token={TOKEN} HTTP/1.1",
    f"GET /dashboard/leads?q=jana.berzina@firma.lv\x01&access_token={TOKEN} HTTP/1.1",
    f"BREW /healthz?access_token={TOKEN}&q=ilze@firma.lv HTTP/1.1",
    f"GET /api/v1/leads/jane.doe@example.com?access_token={TOKEN} HTTP/1.1",
    f"GET /x?access_token={TOKEN}&q=liisa@yritys.fi{'a' * 6000} HTTP/1.1",
    f"GET /api/v1/leads?access_token={TOKEN}",
    "GET /dashboard/leads/+37129111222 HTTP/1.1",
    "GET /dashboard/x +371 2911 1222 HTTP/1.1",
    "GET /dashboard/leads/%2B37129111222 HTTP/1.1",
]
#: a phone number in international form (a time zone offset is shorter)
PHONE_RE = re.compile(r"(?:\+|%2[Bb])\d[\d ().-]{5,}\d")


def _send_raw(port: int) -> None:
    for line in RAW_LINES:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(line.encode("latin-1") + b"\r\nHost: crm\r\n\r\n")
            sock.settimeout(5)
            try:
                while sock.recv(4096):
                    pass
            except OSError:
                pass


def _assert_clean(lines: list[str], needles: list[str]) -> None:
    assert lines, "nothing was logged: the scan would prove nothing"
    for line in lines:
        for needle in needles:
            assert needle not in line, f"{needle[:10]}... logged: {line[:300]}"
        assert not EMAIL_RE.search(line), f"an e-mail address logged: {line[:300]}"
        assert not PHONE_RE.search(line), f"a phone number logged: {line[:300]}"


def _needles() -> list[str]:
    values = [TOKEN, TOKEN.removeprefix("lcs_"), "jane doe", "jana.berzina", "ilze@", "liisa"]
    for secret in WEBHOOK_SECRETS.values():
        values += [secret, secret.removeprefix("whsec_")]
    return values


def _gunicorn_output(env: dict[str, str], port: int, ask) -> str:  # type: ignore[no-untyped-def]
    proc = start_procfile("web", {**env, "WEB_CONCURRENCY": "1", "PORT": str(port)})
    web = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{web}/healthz", proc, timeout=60)
        ask(web)
    finally:
        out, _ = stop(proc, timeout=40)
    return out


@pytest.mark.parametrize("server", ["gunicorn", "serve", "serve -v"])
def test_malformed_request_lines_leave_no_secret_in_any_log(
    server: str, emulator, sqlite_url: str, tmp_path: Path
) -> None:
    s = make_setup(emulator, sqlite_url, tmp_path)
    env = {**s.env(), "PYTHONUNBUFFERED": "1", "CRM_SECRET_KEY": "raw-lines"}
    port = free_port()
    if server == "gunicorn":
        out = _gunicorn_output(env, port, lambda web: _send_raw(port))
        # gunicorn's own error line for a bad request line is there, and masked
        assert "Invalid request" in out or "Bad Request" in out or "limit" in out.lower(), out
    else:
        args = ["-v"] if server.endswith("-v") else []
        proc = start_cli(
            *args, "serve", "--port", str(port), "--no-catch-up", env=env, cwd=tmp_path
        )
        try:
            web_url(proc)
            _send_raw(port)
        finally:
            stdout, stderr = stop(proc)
        out = stdout + stderr
        if args:  # werkzeug's error lines for the malformed requests, masked
            assert "Bad request" in out or "code 400" in out, out
    _assert_clean(out.splitlines(), _needles())
    s.store.dispose()


LEAD = {
    "company_name": "Logless SIA",
    "country": "LV",
    "contact_name": "Jana Bērziņa",
    "email": "jana.berzina@logless.lv",
    "sector": "ict",
    "role": "seller",
    "gdpr_consent": True,
}


def test_a_full_run_logs_every_line_as_json_and_no_token_secret_or_email(
    emulator, sqlite_url: str, tmp_path: Path
) -> None:
    """The web process and the clock, a form, API calls with the token in the
    header and in the URL, a search for an e-mail, a sync, malformed lines."""
    s = make_setup(emulator, sqlite_url, tmp_path)
    with s.store.session() as session:
        _row, token = create_token(session, "full run", partner="lv")
    env = {**s.env(), "PYTHONUNBUFFERED": "1", "CRM_SECRET_KEY": "full-run-key"}
    env["CRM_LOG_FORMAT"] = "json"
    clock = start_cli("-v", "scheduler", "--no-catch-up", env=env, cwd=tmp_path)
    port = free_port()

    def ask(web: str) -> None:
        answer = post_signed_form(
            requests.post,
            f"{web}/webhooks/forms/lv",
            WEBHOOK_SECRETS["LV_WEBHOOK_SECRET"],
            LEAD,
            timeout=10,
        )
        assert answer.status_code in (200, 201), answer.text
        auth = {"Authorization": f"Bearer {token}"}
        requests.get(f"{web}/api/v1/leads", params={"q": LEAD["email"]}, headers=auth, timeout=10)
        requests.get(f"{web}/api/v1/leads", params={"access_token": token}, timeout=10)
        requests.get(
            f"{web}/api/v1/leads", headers={"Authorization": "Bearer lcs_wrong"}, timeout=10
        )
        requests.get(f"{web}/dashboard/leads", params={"q": LEAD["email"]}, timeout=10)
        _send_raw(port)
        wait_until(lambda: _synced(s), timeout=60, what="the clock syncing the form's lead")

    try:
        web_out = _gunicorn_output(env, port, ask)
    finally:
        clock_out, clock_err = stop(clock)
    web_lines = [line for line in web_out.splitlines() if line.strip()]
    for line in web_lines:  # one format: every line of the web process is a JSON object
        entry = json.loads(line)
        assert {"time", "level", "logger", "message"} <= set(entry), line
    assert any(json.loads(line)["logger"] == "gunicorn.access" for line in web_lines)
    needles = [*_needles(), token, token.removeprefix("lcs_"), "full-run-key", "Bearer "]
    _assert_clean(web_lines + (clock_out + clock_err).splitlines(), needles)
    s.store.dispose()


def _synced(s) -> bool:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from integration.store.models import SyncRun

    with s.store.session() as session:
        outcomes = session.scalars(select(SyncRun.outcome).where(SyncRun.partner == "lv")).all()
    time.sleep(0.2)
    return "completed" in outcomes
