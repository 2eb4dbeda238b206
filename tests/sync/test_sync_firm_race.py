"""A sheet row and a webhook for the same firm at the same moment give one lead.

Everything is real: the sync against the emulator over HTTP, the webhook over HTTP
to the Flask app on a loopback server, the store on SQLite and PostgreSQL. The
interleaving is forced, not hoped for:

- the webhook lands while the sync's sheet write is held by the emulator (after
  the sync planned the row as a new firm and reserved its id, before its store
  transaction): the sync must find the webhook's lead when it creates, and keep
  its row as a duplicate instead of a second lead (both stores);
- the webhook arrives while the sync's store transaction, holding the new lead
  uncommitted, is held on a table lock (PostgreSQL, where writers run at once):
  the webhook must wait for the firm's lock and then find the sync's lead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from live_server import serving
from signed_forms import post_signed_form
from sqlalchemy import create_engine, select, text
from sync_env import LV_LEADS_HEADER, SyncEnv, sync_env_on

from integration import create_app
from integration.config import AppConfig
from integration.store.db import Store
from integration.store.models import Lead, QuarantineEntry
from integration.sync import messages

HOLD = 3.0  # seconds the emulator holds the sync's sheet write (the client waits 5)
#: the firm as a partner types it in the sheet, and as a web form sends it:
#: no registration code, no e-mail; the company name (within Latvia) is its key
ROW = ['SIA "Meža Nams"', "LV", "", "IKT", "Anna Liepa", "", "+37126000001", "", ""]
FORM = {"company_name": "MEZA NAMS", "country": "LV", "sector": "ict", "notes": "web form"}


def post_form(url: str, config: AppConfig, partner: str, payload: dict[str, Any]) -> Any:
    secret = config.environ[f"{partner.upper()}_WEBHOOK_SECRET"]
    return post_signed_form(
        requests.post, f"{url}/webhooks/forms/{partner}", secret, payload, timeout=60
    )


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def leads_of_the_firm(store: Store) -> list[Lead]:
    with store.session() as s:
        return list(s.scalars(select(Lead).where(Lead.company_key == "mezanams")))


def sheet_with_the_row(env: SyncEnv) -> None:
    """An LV sheet already synced once (service columns in place), then the row
    of the firm typed at its bottom."""
    env.sheet("lv", [LV_LEADS_HEADER, ["SIA Cits", "LV", "", "IKT", "", "c@cits.lv", "", "", ""]])
    assert env.sync("lv", tab="leads").ok
    env.write("lv", "Leads", "A3", [ROW])


def in_background(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = work()
        except BaseException as exc:  # reported by the test, not lost in the thread
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


@pytest.mark.parametrize("owner", ["lv", "ee"])
def test_webhook_while_the_sync_writes_gives_one_lead(
    env: SyncEnv, live_url: str, owner: str
) -> None:
    """The webhook wins: the sync, which planned the row as a new firm, finds the
    webhook's lead when it creates, and creates nothing. The next sync shows the
    row as that lead (the same partner's) or as its duplicate (another's)."""
    sheet_with_the_row(env)
    env.emulator.clear_faults()
    fired = env.emulator.stats()["faults_fired"]["total"]
    env.emulator.inject_fault(endpoint="spreadsheets.batchUpdate", delay=HOLD, times=1)
    sync, result = in_background(lambda: env.sync("lv", tab="leads"))
    wait_for(lambda: env.emulator.stats()["faults_fired"]["total"] > fired, "the held write")
    web = post_form(live_url, env.config, owner, FORM)
    # the webhook's lead was committed before the sync's store transaction began
    assert sync.is_alive(), "the sync finished before the webhook: the race was not forced"
    sync.join(60)
    env.emulator.clear_faults()
    assert "error" not in result, result.get("error")
    report = result["value"]
    assert web.status_code == 201, web.text
    web_id = web.json()["id"]
    assert [lead.id for lead in leads_of_the_firm(env.store)] == [web_id]
    assert report.ok, report.tabs[0].error
    assert report.tabs[0].counts["duplicates_concurrent"] == 1
    with env.store.session() as s:
        entry = s.scalars(select(QuarantineEntry).where(QuarantineEntry.partner == "lv")).one()
        assert entry.duplicate_of == web_id and entry.row_number == 3
        assert entry.errors[0]["code"] == "duplicate"

    # the next sync: the row follows
    assert env.sync("lv", tab="leads").ok
    assert [lead.id for lead in leads_of_the_firm(env.store)] == [web_id]
    rows = env.values("lv")
    id_col, status_col = rows[0].index("CRM ID"), rows[0].index("Sinhronizācijas statuss")
    firm_rows = [r for r in rows[1:] if r and r[0] == ROW[0]]
    assert len(firm_rows) == 1 and len(rows) == 3  # nothing appended: one row, one lead
    if owner == "lv":
        # the row is the lead now; the two spellings of the name are a conflict
        # the partner's sheet wins and the log keeps (nothing to merge by hand)
        assert firm_rows[0][id_col] == web_id
        assert firm_rows[0][status_col].startswith("Konflikts: Uzņēmums")
        with env.store.session() as s:
            lead = s.get(Lead, web_id)
            assert lead.data["phone"] == "+37126000001"  # the row's cells joined the lead
            assert lead.data["company_name"] == ROW[0]
            assert s.get(QuarantineEntry, entry.id).resolution == "applied"
    else:
        expected = messages.text("duplicate", "lv", id=web_id, partner="EE")
        assert firm_rows[0][status_col] == expected
        with env.store.session() as s:
            assert "phone" not in s.get(Lead, web_id).data  # EE's lead is not LV's to fill
            kept = s.get(QuarantineEntry, entry.id)  # the same entry, still open for LV
            assert kept.resolved_at is None and kept.duplicate_of == web_id
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0


# -- PostgreSQL: the webhook waits for the sync's uncommitted lead ---------------------
@pytest.fixture
def pg_env(pg_url: str, base_config: AppConfig, emulator: Any) -> Iterator[SyncEnv]:
    with sync_env_on(pg_url, base_config, emulator) as pg:
        yield pg


def waiting_on(probe: Any, wait_event: str, query_part: str) -> bool:
    """Whether a backend waits on a lock of kind ``wait_event`` running a query
    that contains ``query_part`` (pg_stat_activity)."""
    found = probe.execute(
        text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND wait_event = :event AND query ILIKE :query"
        ),
        {"event": wait_event, "query": f"%{query_part}%"},
    ).scalar()
    return bool(found)


@pytest.mark.parametrize("owner", ["lv", "ee"])
def test_webhook_waits_for_the_firm_the_sync_is_creating(pg_env: SyncEnv, owner: str) -> None:
    """The sync wins: its store transaction holds the new lead, uncommitted, and
    the firm's locks; the webhook for the same firm waits on them, then finds the
    sync's lead (merged into it, or kept as another partner's duplicate of it)."""
    env = pg_env
    sheet_with_the_row(env)
    engine = create_engine(env.store.url)
    blocker = engine.connect()
    probe = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    app = create_app(env.config, store=env.store)
    held = blocker.begin()
    # reads pass, writes wait: the sync blocks once it writes its shadow rows,
    # after inserting the lead, inside its store transaction
    blocker.execute(text("LOCK TABLE sync_shadow IN SHARE MODE"))
    threads: list[threading.Thread] = []
    try:
        sync, result = in_background(lambda: env.sync("lv", tab="leads"))
        threads.append(sync)
        wait_for(lambda: waiting_on(probe, "relation", "sync_shadow"), "the sync to be held")
        with serving(app) as url:
            web, answer = in_background(lambda: post_form(url, env.config, owner, FORM))
            threads.append(web)
            wait_for(
                lambda: waiting_on(probe, "advisory", "pg_advisory_xact_lock"),
                "the webhook to wait for the firm's lock",
                timeout=10,
            )
            assert web.is_alive() and sync.is_alive()
            held.rollback()
            for thread in threads:
                thread.join(60)
    finally:
        if held.is_active:
            held.rollback()
        for thread in threads:
            thread.join(60)
        blocker.close()
        probe.close()
        engine.dispose()
    assert "error" not in result and "error" not in answer, (result, answer)
    report, resp = result["value"], answer["value"]
    assert report.ok, report.tabs[0].error
    assert report.tabs[0].counts["created"] == 1
    leads = leads_of_the_firm(env.store)
    assert len(leads) == 1 and leads[0].partner == "lv"
    if owner == "lv":
        assert resp.status_code == 200, resp.text
        assert resp.json()["status"] == "merged" and resp.json()["id"] == leads[0].id
        assert leads[0].data["notes"] == "web form"  # a blank filled, nothing overwritten
    else:
        assert resp.status_code == 202, resp.text
        assert resp.json()["duplicate_of"] == leads[0].id
        assert "notes" not in leads[0].data
