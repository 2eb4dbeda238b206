# ruff: noqa: E501  (the runs of old, one a line, read best as a table)
"""The stop reason is a code recorded where the sync stops, on SQLite and
PostgreSQL: real syncs against the emulator stop the way staff and Google make
them stop (a renamed tab, a cleared tab, a header gone, 401, 403, 503), and the
run carries the code; the runs API and the Sync page say it, and the alerts
classify from it, not from the error's wording. Migration 0016 gives runs
recorded before it their code once."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from alert_world import World
from sqlalchemy import select
from test_alert_mail_e2e import google_answers, leads_tab

from integration.alerts.conditions import current_conditions
from integration.app import create_app
from integration.auth import create_token
from integration.csv_export import read_csv
from integration.store import migrate
from integration.store.db import Store
from integration.store.models import SyncRun, utcnow
from integration.sync.engine import run_sync

BASE = "https://localhost"


def newest_reason(world: World, partner: str, tab: str = "leads") -> str | None:
    with world.store.session() as s:
        run = s.scalars(
            select(SyncRun)
            .where(SyncRun.partner == partner, SyncRun.tab == tab)
            .order_by(SyncRun.id.desc())
            .limit(1)
        ).one()
        return run.stop_reason


def test_each_stop_is_recorded_as_its_code(world: World) -> None:
    for code in ("lv", "ee"):
        assert run_sync(world.config, world.store, code).ok
    assert newest_reason(world, "lv") is None
    google_answers(world, 401, "lv")
    assert newest_reason(world, "lv") == "credentials_refused"
    google_answers(world, 403, "lv")
    assert newest_reason(world, "lv") == "access_denied"
    google_answers(world, 503, "lv")
    assert newest_reason(world, "lv") is None  # may pass by itself: no stop
    ws = leads_tab(world, "lv")
    ws.update_title("Kontakti (vecie)")
    assert not run_sync(world.config, world.store, "lv").ok
    assert newest_reason(world, "lv") == "tab_not_found"
    ws.update_title(world.config.partners["lv"].tab_name("leads"))
    assert run_sync(world.config, world.store, "lv").ok and newest_reason(world, "lv") is None

    ee = leads_tab(world, "ee")
    header = ee.row_values(1)
    ee.batch_clear([f"A2:Z{ee.row_count}"])
    assert not run_sync(world.config, world.store, "ee").ok
    assert newest_reason(world, "ee") == "deletion_stop"
    ee.update([[f"x{i}" for i, _ in enumerate(header)]], "A1")
    ee.update([["a", "b"]], "A2")
    assert not run_sync(world.config, world.store, "ee").ok
    assert newest_reason(world, "ee") == "header_not_found"

    # the runs API and the Sync page say it: the code for programs, words for staff
    app = create_app(world.config, store=world.store)
    with world.store.session() as s:
        secret = create_token(s, "admin", None)[1]
    runs = app.test_client().get(
        "/api/v1/sync-runs?partner=ee", headers={"Authorization": f"Bearer {secret}"}
    )
    assert runs.status_code == 200, runs.get_json()
    leads_runs = [r for r in runs.get_json()["items"] if r["tab"] == "leads"]
    assert leads_runs[0]["stop_reason"] == "header_not_found"
    web = app.test_client()
    page = web.get("/dashboard/signin", base_url=BASE).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    with world.store.session() as s:
        staff = create_token(s, "ee staff", "ee")[1]  # the Estonian staff, in Estonian
    web.post("/dashboard/signin", data={"token": staff, "csrf_token": csrf}, base_url=BASE)
    html = web.get("/dashboard/sync", base_url=BASE).text
    shown = re.findall(r'data-stop-reason="([a-z_]+)">([^<]+)<', html)
    assert shown == [
        (
            "header_not_found",
            "päiserida ei tuntud ära; kas päis nimetati ümber või valiti vale leht?",
        )
    ]
    exported = read_csv(web.get("/dashboard/sync.csv", base_url=BASE).text)
    header = exported[0]
    newest = next(row for row in exported[1:] if row[header.index("tab")] == "leads")
    assert newest[header.index("stop_reason")] == "header_not_found"


def test_alerts_read_the_code_not_the_wording(world: World) -> None:
    now = utcnow()
    with world.store.session() as s:
        for partner, tab, error, reason in (
            # reads like a missing tab, but the sync recorded no stop: no alert
            ("lv", "leads", "tab not found: 'Leads'", None),
            # any wording: the code decides
            ("lv", "agreements", "Google said something new", "access_denied"),
            ("ee", "leads", "HTTP 418", "credentials_refused"),
        ):
            s.add(SyncRun(partner=partner, tab=tab, trigger="cli", outcome="failed",
                          error=error, stop_reason=reason, started_at=now - timedelta(minutes=1),
                          finished_at=now))  # fmt: skip
    with world.store.session() as s:
        found = {(c.kind, c.partner, c.detail.get("reason")) for c in current_conditions(s, world.config, now)}  # fmt: skip
    assert ("tab_stopped", "lv", "access_denied") in found
    assert ("credentials_refused", None, None) in found
    assert not [c for c in found if c[0] == "tab_stopped" and c[2] == "tab_not_found"]


def test_0016_derives_the_code_of_earlier_runs_once(db_url: str) -> None:
    store = Store(db_url)
    migrate.downgrade(store, "0011")
    texts = {
        ("aborted", "no column of the header row (row 1) is recognised; is this the right tab?"): "header_not_found",
        ("aborted", "7 of 10 rows with a CRM ID vanished from the sheet at once"): "deletion_stop",
        ("failed", "no permission for this spreadsheet (401): Request had invalid credentials"): "credentials_refused",
        ("failed", "RefreshError: ('invalid_grant: Invalid JWT Signature.')"): "credentials_refused",
        ("failed", "no permission for this spreadsheet (403): The caller does not have permission"): "access_denied",
        ("failed", "the spreadsheet has no tab 'Leads' (tabs: 'Kontakti (vecie)')"): "tab_not_found",
        ("failed", "spreadsheet not found: Requested entity was not found."): "tab_not_found",
        ("failed", "Google Sheets is unavailable (503): backend error"): None,
        ("completed", None): None,
    }  # fmt: skip
    # (the table as 0011 left it: no stop_reason column yet)
    runs = sa.table(
        "sync_runs",
        *(sa.column(name) for name in ("partner", "tab", "trigger", "started_at", "outcome")),
        *(sa.column(name) for name in ("dry_run", "counts", "api_calls", "cells_written", "error")),
    )
    with store.engine.begin() as conn:
        for n, (outcome, error) in enumerate(texts):
            conn.execute(
                runs.insert().values(
                    partner="lv", tab="leads", trigger="cli", outcome=outcome, error=error,
                    started_at=datetime(2026, 1, 1, 0, 0, n), dry_run=False, counts="{}",
                    api_calls=0, cells_written=0,
                )
            )  # fmt: skip
    migrate.upgrade(store)
    assert migrate.is_current(store)
    with store.session() as s:
        got = {(r.outcome, r.error): r.stop_reason for r in s.scalars(select(SyncRun))}
    assert got == texts
    migrate.downgrade(store, "0011")  # and back: only the column goes
    migrate.upgrade(store)
    store.dispose()
