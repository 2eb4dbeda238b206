"""No secret or personal data in the access log at any verbosity: ``crm-sync
serve -v`` and gunicorn as the Procfile runs it log each request's path and
never its query string (a token put in the URL, a searched e-mail address)."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import requests
from processes import free_port, start_cli, start_procfile, stop, wait_for_http, web_url
from scheduler_helpers import make_setup

from integration.auth import create_token

SECRET_QUERY = {"access_token": "lcs_NotForLogs0123456789", "q": "jana.berzina@firma.lv"}


def _ask(web: str, token: str) -> None:
    """Requests whose query must not be logged: good, refused and unknown."""
    auth = {"Authorization": f"Bearer {token}"}
    requests.get(f"{web}/api/v1/leads", params={"q": SECRET_QUERY["q"]}, headers=auth, timeout=10)
    requests.get(f"{web}/api/v1/leads", params=SECRET_QUERY, headers=auth, timeout=10)
    requests.get(f"{web}/dashboard/leads", params=SECRET_QUERY, timeout=10)
    requests.get(f"{web}/healthz", params=SECRET_QUERY, timeout=10)


def _assert_clean(log: str) -> None:
    log = re.sub(r"\x1b\[[0-9;]*m", "", log)  # werkzeug colours 4xx lines
    # the access log is really there (so its cleanliness means something) ...
    assert re.search(r'"GET /api/v1/leads HTTP/1\.1" 400', log), log[-2000:]
    assert re.search(r'"GET /healthz HTTP/1\.1" 200', log), log[-2000:]
    # ... and holds neither the token nor the e-mail, in any encoding
    for value in SECRET_QUERY.values():
        for form in (value, requests.utils.quote(value, safe=""), value.split("@")[0]):
            assert form not in log, f"{form} logged"
    assert "?" not in "".join(line for line in log.splitlines() if '"GET ' in line)


def test_serve_verbose_logs_paths_without_query_strings(emulator, sqlite_url, tmp_path):
    s = make_setup(emulator, sqlite_url, tmp_path)
    with s.store.session() as session:
        _token, secret = create_token(session, "log admin")
    env = {**s.env(), "PYTHONUNBUFFERED": "1"}
    proc = start_cli("-v", "serve", "--port", "0", "--no-catch-up", env=env, cwd=tmp_path)
    try:
        _ask(web_url(proc), secret)
    finally:
        out, err = stop(proc)
    _assert_clean(out + err)
    s.store.dispose()


def test_gunicorn_as_the_procfile_runs_it_logs_paths_without_query_strings(
    emulator, sqlite_url, tmp_path: Path
):
    s = make_setup(emulator, sqlite_url, tmp_path)
    with s.store.session() as session:
        _token, secret = create_token(session, "log admin")
    port = free_port()
    env = {**s.env(), "PYTHONUNBUFFERED": "1", "CRM_SECRET_KEY": "access-log-test"}
    env.update(WEB_CONCURRENCY="1", PORT=str(port))
    proc = start_procfile("web", env)
    web = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{web}/healthz", proc, timeout=60)
        _ask(web, secret)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
    _assert_clean(out)
    s.store.dispose()
