"""``crm-sync serve``: web and clock in one process. A sync asked for through the
API is run by the same process's clock; SIGTERM stops both with exit 0."""

from __future__ import annotations

import requests
from processes import start_cli, stop, web_url
from scheduler_helpers import make_setup, wait_until
from sqlalchemy import select

from integration.auth import create_token
from integration.store.models import SyncRequest, SyncRun


def test_serve_runs_web_and_clock_and_stops_on_sigterm(emulator, sqlite_url, tmp_path):
    s = make_setup(emulator, sqlite_url, tmp_path)
    with s.store.session() as session:
        _token, secret = create_token(session, "test admin")
    env = {**s.env(), "PYTHONUNBUFFERED": "1"}
    proc = start_cli("serve", "--port", "0", "--no-catch-up", env=env, cwd=tmp_path)
    try:
        web = web_url(proc)
        assert requests.get(f"{web}/healthz", timeout=10).json()["status"] == "ok"
        asked = requests.post(
            f"{web}/api/v1/sync",
            json={"partner": "ee", "reason": "test"},
            headers={"Authorization": f"Bearer {secret}"},
            timeout=10,
        )
        assert asked.status_code == 202, asked.text

        def synced():
            with s.store.session() as session:
                runs = session.scalars(
                    select(SyncRun).where(SyncRun.trigger == "api", SyncRun.outcome == "completed")
                ).all()
                return len(runs) == 2 and {r.partner for r in runs} == {"ee"}

        def answered():
            # The clock marks the request answered in its own transaction after
            # both tab runs are recorded, so wait for that too.
            with s.store.session() as session:
                (request,) = session.scalars(select(SyncRequest)).all()
                return request.consumed_at is not None and request.sync_run_id is not None

        wait_until(synced, timeout=20)
        wait_until(answered, timeout=10)
    finally:
        out, err = stop(proc)
    assert proc.returncode == 0, out + err
    assert "INFO integration.scheduler: stopped" in err
    s.store.dispose()
