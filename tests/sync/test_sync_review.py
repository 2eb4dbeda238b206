"""What a person decided in review sticks; sync requests are consumed; an erased
person leaves nothing in the sync's base."""

from __future__ import annotations

from sqlalchemy import select
from sync_env import LV_LEADS_HEADER, SyncEnv

from integration.store import records
from integration.store.models import Lead, QuarantineEntry, SyncRequest, SyncShadow, utcnow

LV1 = "40003000002"


def _resolve_all(env: SyncEnv, resolution: str) -> None:
    with env.store.session() as s:
        for entry in s.scalars(select(QuarantineEntry)):
            entry.resolved_at, entry.resolution = utcnow(), resolution


def test_dismissed_and_merged_rows_are_not_quarantined_again(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [
            LV_LEADS_HEADER,
            ["SIA Alfa", "LV", LV1, "IKT", "", "", "", "", ""],
            ["Alfa copy", "LV", LV1, "IKT", "", "", "", "", ""],
            ["Broken", "Nekurzeme", "", "IKT", "", "", "", "", ""],
        ],
    )
    env.sync("lv", tab="leads")
    alfa = env.values("lv")[1][9]
    assert env.count(QuarantineEntry) == 2
    _resolve_all(env, "dismissed")
    with env.store.session() as s:
        dup = s.scalars(select(QuarantineEntry).where(QuarantineEntry.duplicate_of == alfa)).one()
        dup.resolution = "merged"
    report = env.sync("lv", tab="leads").tabs[0]
    assert report.outcome == "completed"
    assert env.count(QuarantineEntry) == 2  # nothing new
    rows = env.values("lv")
    assert rows[2][10] == f"Apvienots ar {alfa}"
    assert rows[3][10] == "Noraidīts"
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0


def test_pending_sync_requests_are_consumed_by_a_completed_sync(env: SyncEnv) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, ["SIA Alfa", "LV", LV1, "IKT", "", "", "", "", ""]])
    with env.store.session() as s:
        records.request_sync(s, "lv", trigger="webhook", reason="form")
        records.request_sync(s, "ee", trigger="webhook", reason="other partner")
    report = env.sync("lv")
    assert report.ok
    with env.store.session() as s:
        reqs = {r.partner: r for r in s.scalars(select(SyncRequest))}
    assert (
        reqs["lv"].consumed_at is not None and reqs["lv"].sync_run_id == report.tabs[-1].sync_run_id
    )
    assert reqs["ee"].consumed_at is None


def test_erasure_scrubs_the_base(env: SyncEnv) -> None:
    env.sheet(
        "lv", [LV_LEADS_HEADER, ["SIA Alfa", "LV", LV1, "IKT", "Anna", "a@alfa.lv", "", "", ""]]
    )
    env.sync("lv", tab="leads")
    with env.store.session() as s:
        lead = s.scalars(select(Lead)).one()
        assert s.get(SyncShadow, ("lv", "leads", lead.id)).base["email"] == "a@alfa.lv"
        records.erase_lead(s, lead, source="api", scope=None)
    with env.store.session() as s:
        base = s.get(SyncShadow, ("lv", "leads", lead.id)).base
    assert "email" not in base and "contact_name" not in base and base["company_name"] == "SIA Alfa"
    env.sync("lv", tab="leads")
    row = env.values("lv")[1]
    assert row[4:6] == ["", ""]
