"""``/readyz`` over real HTTP fails on what stops the web process from serving,
and only on that: a store that answers reads but cannot write (here SQLite
opened read-only, as a full disk or a read-only replica leaves it) is not ready,
while a partner's failed sync is reported without failing readiness."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import requests
from live_server import serving
from seeding import leads_run

from integration import create_app
from integration.store.db import Store


def test_a_store_that_cannot_write_is_not_ready(
    base_config, sqlite_url: str, http: requests.Session
) -> None:  # type: ignore[no-untyped-def]
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    read_only = Store(f"sqlite:///file:{path}?mode=ro&uri=true")
    config = dataclasses.replace(base_config, database_url=read_only.url)
    with serving(create_app(config, store=read_only)) as url:
        assert http.get(f"{url}/healthz", timeout=10).status_code == 200
        ready = http.get(f"{url}/readyz", timeout=10)
    assert ready.status_code == 503
    body = ready.json()
    assert body["checks"] == {"store": "ok", "migrations": "ok", "writes": "failing"}
    assert body["store"] == "sqlite", body  # its file is the log's and the admin's
    read_only.dispose()


def test_a_failed_sync_does_not_fail_readiness_and_is_not_told_to_anyone(
    live_url: str, http: requests.Session, store
) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    with store.session() as s:
        s.add(leads_run("lv", trigger="nightly", outcome="completed", finished_at=now))
        s.add(leads_run("ee", trigger="nightly", outcome="failed", finished_at=now))
    ready = http.get(f"{live_url}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    # how each partner's syncs went is not for anyone who reaches the port
    assert "syncs" not in ready.json() and "ee" not in ready.text
