"""``crm-sync demo`` as a person runs it: starts on free ports with nothing but
this checkout, syncs three partners, serves the web app, picks up an edit made
with gspread (and writes a lead made through the API into the sheet), stops
cleanly on Ctrl-C and, started again, still has the edit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import requests
from processes import ROOT, start_cli, stop
from sqlalchemy import func, select
from waiting import wait_until

from connectors.google_sheets.auth import make_gspread_client
from integration.store.db import Store
from integration.store.models import Agreement, Lead, SyncRequest, SyncRun

EDITED = "Testi Muokkaus Oy"
EDITED_AGAIN = "Testi Kysely Oy"


def _triggers(store: Store, partner: str) -> list[str]:
    with store.session() as session:
        return list(
            session.scalars(select(SyncRequest.trigger).where(SyncRequest.partner == partner))
        )


def _company(store: Store, lead_id: str) -> str | None:
    with store.session() as session:
        return session.get(Lead, lead_id).company_name


def _idle(store: Store) -> bool:
    """No sync asked for and none running."""
    with store.session() as session:
        pending = select(func.count()).select_from(SyncRequest)
        running = select(func.count()).select_from(SyncRun)
        return (
            session.scalar(pending.where(SyncRequest.consumed_at.is_(None))) == 0
            and session.scalar(running.where(SyncRun.outcome == "running")) == 0
        )


def _settled(store: Store, quiet: float = 3.0) -> bool:
    """Idle, and still idle ``quiet`` seconds later: a request is marked consumed a
    moment before its sync run starts, so one idle reading can fall in that gap and
    an edit typed then would be read by the earlier sync instead of the next one."""
    if not _idle(store):
        return False
    time.sleep(quiet)
    return _idle(store)


def _wait(check, timeout: float, what: str):
    return wait_until(check, timeout, every=0.2, what=what)


def _start(tmp_path: Path, *extra: str, options: tuple[str, ...] = ()) -> subprocess.Popen:
    """``crm-sync [options] demo ... [extra]`` on free ports."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CRM_CONFIG", "SHEETS_EMULATOR_HOST")
    }
    env.update(CRM_INSTANCE_PATH=str(tmp_path / "instance"), PYTHONPATH=str(ROOT))
    args = [
        *("demo", "--port", "0", "--emulator-port", "0"),
        *("--seed", "10", "--debounce", "1", "--poll", "2"),
    ]
    return start_cli(*options, *args, *extra, env=env, cwd=tmp_path)


def _running_info(tmp_path: Path, proc: subprocess.Popen) -> dict:
    path = tmp_path / "instance" / "demo" / "running.json"

    def ready():
        if proc.poll() is not None:
            raise AssertionError(f"demo exited early: {proc.communicate()}")
        return path.exists() and json.loads(path.read_text("utf-8"))

    return _wait(ready, 90, "demo start")


def _interrupt(proc: subprocess.Popen) -> str:
    out, err = stop(proc, signal.SIGINT)
    assert proc.returncode == 0, out + err
    return out


def test_demo_runs_syncs_serves_picks_up_edits_and_stops_cleanly(tmp_path):
    proc = _start(tmp_path, "--fresh")
    try:
        info = _running_info(tmp_path, proc)
        store = Store(info["database_url"])
        with store.session() as session:
            first = session.execute(
                select(SyncRun.partner, SyncRun.tab, SyncRun.outcome).where(
                    SyncRun.trigger == "demo"
                )
            ).all()
            leads = session.scalar(select(func.count()).select_from(Lead))
            agreements = session.scalar(select(func.count()).select_from(Agreement))
        assert sorted(first) == sorted(
            (p, t, "completed") for p in ("lv", "ee", "fi") for t in ("leads", "agreements")
        )
        assert leads >= 18 and agreements == 9  # 3 planted invalid rows per partner wait

        web = info["web_url"]
        health = requests.get(f"{web}/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        token = Path(info["api_token_file"]).read_text("utf-8").strip()
        kpi = requests.get(
            f"{web}/api/v1/kpi", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert kpi.status_code == 200, kpi.text
        assert requests.get(f"{web}/api/v1/kpi", timeout=10).status_code == 401
        page = requests.get(f"{web}/dashboard/", timeout=10)
        assert page.status_code == 200 and "<html" in page.text.lower()

        # a partner edits a firm's name in their sheet, as they would in Google Sheets
        gc = make_gspread_client(emulator_host=info["emulator_host"], token="partner")
        ws = gc.open_by_key(info["spreadsheet_ids"]["fi"]).worksheet("Liidit")
        header = ws.row_values(1)
        assert "CRM ID" in header  # the first sync added the service's columns
        lead_id = ws.cell(2, header.index("CRM ID") + 1).value
        ws.update_acell("A2", EDITED)

        _wait(lambda: _company(store, lead_id) == EDITED, 30, "the edit reaching the store")
        # ...through the Drive push channel the demo opened with its emulator
        assert "drive-push" in _triggers(store, "fi")

        # with every push lost, the modifiedTime poll still brings the next edit
        admin = f"http://{info['emulator_host']}/_emulator/notifications"
        assert requests.post(admin, json={"drop": True}, timeout=10).json()["drop"] is True
        _wait(lambda: _settled(store), 60, "the pending syncs settling")
        ws.update_acell("A2", EDITED_AGAIN)

        _wait(lambda: _company(store, lead_id) == EDITED_AGAIN, 30, "the edit arriving by poll")
        assert "drive-poll" in _triggers(store, "fi")
        assert requests.get(admin, timeout=10).json()["dropped"] >= 1
        requests.post(admin, json={"drop": False}, timeout=10)

        # ...and a lead created through the API shows up in the partner's sheet
        created = requests.post(
            f"{web}/api/v1/leads",
            json={
                "partner": "fi",
                "company_name": "API Testi Oy",
                "country": "FI",
                "sector": "ict",
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        new_id = created.json()["id"]

        def in_sheet():
            rows = ws.get_all_values()
            return any(r[0] == "API Testi Oy" and new_id in r for r in rows)

        _wait(in_sheet, 30, "the API's lead reaching the sheet")
        store.dispose()
    except BaseException:
        proc.kill()
        raise
    out = _interrupt(proc)
    assert "demo stopped" in out

    # started again without --fresh: same spreadsheets, the partner's edit kept
    again = _start(tmp_path)
    try:
        info2 = _running_info(tmp_path, again)
        assert info2["spreadsheet_ids"] == info["spreadsheet_ids"]
        gc = make_gspread_client(emulator_host=info2["emulator_host"], token="partner")
        ws = gc.open_by_key(info2["spreadsheet_ids"]["fi"]).worksheet("Liidit")
        assert ws.acell("A2").value == EDITED_AGAIN
        # the restarted emulator forgot the old channels; the demo opened new ones
        store = Store(info2["database_url"])
        lead_id = ws.cell(2, ws.row_values(1).index("CRM ID") + 1).value
        pushes = _triggers(store, "fi").count("drive-push")
        ws.update_acell("A2", EDITED)

        def pushed():
            arrived = _company(store, lead_id) == EDITED
            return arrived and _triggers(store, "fi").count("drive-push") > pushes

        _wait(pushed, 30, "an edit after the restart arriving by push")
        store.dispose()
    except BaseException:
        again.kill()
        raise
    assert "restored" in _interrupt(again)
