"""An erasure that lands while a sync is writing, with the sync against the
emulator over HTTP, the erasure over HTTP to the app, on SQLite and PostgreSQL.
The interleaving is forced: the emulator holds the sync's sheet write (after
the sync planned its rows, before its store transaction) while staff erase.

A new row carrying the erased person (here by phone, another firm) was planned
as a new lead before the tombstone existed; the sync's store transaction must
look again, as it does for firms, and never create it."""

from __future__ import annotations

import requests
from sqlalchemy import select
from sync_env import LV_LEADS_HEADER, SyncEnv
from test_sync_firm_race import in_background, wait_for

from integration.auth import create_token
from integration.store.models import Lead

PHONE = "+37129111555"
PERSON_ROW = ["SIA Alfa", "LV", "40003000002", "IKT", "Ilze Ozola", "", PHONE, "", ""]
#: the same person at another firm, typed by staff while the sync runs
NEW_ROW = ["SIA Beta", "LV", "40003000017", "IKT", "Ilze Ozola", "", PHONE, "", ""]
HOLD = 3.0


def _holders(env: SyncEnv) -> list[str]:
    with env.store.session() as s:
        return [
            lead.id
            for lead in s.scalars(select(Lead).where(Lead.erased_at.is_(None)))
            if lead.data.get("phone") == PHONE
        ]


def test_an_erasure_during_the_sync_write_keeps_the_new_row_out(
    env: SyncEnv, live_url: str
) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, PERSON_ROW])
    assert env.synced_tab().counts["created"] == 1
    (person,) = _holders(env)
    env.write("lv", "Leads", "A3", [NEW_ROW])
    with env.store.session() as s:
        _row, secret = create_token(s, "lv staff", "lv")
    env.emulator.clear_faults()
    fired = env.emulator.stats()["faults_fired"]["total"]
    env.emulator.inject_fault(endpoint="spreadsheets.batchUpdate", delay=HOLD, times=1)
    sync, result = in_background(lambda: env.sync("lv", tab="leads"))
    wait_for(lambda: env.emulator.stats()["faults_fired"]["total"] > fired, "the held write")
    erased = requests.delete(
        f"{live_url}/api/v1/leads/{person}",
        headers={"Authorization": f"Bearer {secret}"},
        timeout=30,
    )
    assert erased.status_code == 200, erased.text
    assert sync.is_alive(), "the sync finished before the erasure: the race was not forced"
    sync.join(60)
    env.emulator.clear_faults()
    assert "error" not in result, result.get("error")
    assert result["value"].ok, result["value"].tabs[0].error
    assert _holders(env) == []
    # the next syncs blank what the erasure reaches and still bring nobody back
    assert env.sync("lv", tab="leads").ok
    assert env.sync("lv", tab="leads").ok
    assert _holders(env) == []
