"""A sheet edit of an existing row is held to the store's guard like every other
write: an erased person's e-mail typed into another row of the partner's sheet
is not synced into the store, the row says why, and quarantine keeps nothing of
the person."""

from __future__ import annotations

import requests
from sqlalchemy import select
from sync_env import LV_LEADS_HEADER, SyncEnv

from integration.auth import create_token
from integration.store import records
from integration.store.models import AuditEntry, Lead, QuarantineEntry

LV1 = "40003000002"


def test_an_erased_email_typed_into_another_row_is_not_synced(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [
            LV_LEADS_HEADER,
            ["SIA Alfa", "LV", "", "IKT", "Anna", "anna@alfa.lv", "", "", ""],
            ["SIA Beta", "LV", "", "IKT", "Kārlis", "karlis@beta.lv", "", "", ""],
        ],
    )
    env.synced_tab("lv")
    alfa, beta = (row[9] for row in env.values("lv")[1:3])
    with env.store.session() as s:
        records.erase_lead(s, s.get(Lead, alfa), source="api", scope="lv")
    env.synced_tab("lv")  # the erasure reaches the sheet
    env.write("lv", "Leads", "F3", [["Anna@Alfa.lv"]])
    env.synced_tab("lv")
    assert env.leads()[beta].data["email"] == "karlis@beta.lv"
    status = env.values("lv")[2][10]
    assert status.startswith("Personas dati dzēsti"), status
    with env.store.session() as s:
        for entry in s.scalars(select(QuarantineEntry)):
            assert "alfa.lv" not in str(entry.raw).lower(), entry.raw


def test_merging_a_duplicate_sheet_row_fills_its_consent_date_and_note(
    env: SyncEnv, live_url: str, http: requests.Session
) -> None:
    """The row is kept as the partner's header text -> cell; the merge reads it
    through the sync's header layout, so Latvian headers reach their fields."""
    env.sheet(
        "lv",
        [
            [*LV_LEADS_HEADER, "Piekrišana", "Piekrišanas datums"],
            ["SIA Alfa", "LV", LV1, "IKT", "", "", "", "", "", "", ""],
            ["SIA Alfa", "LV", LV1, "IKT", "", "", "", "Zvanīt otrdien", "", "jā", "12.03.2025"],
        ],
    )
    env.synced_tab("lv")
    alfa = env.values("lv")[1][11]
    with env.store.session() as s:
        entry = s.scalars(select(QuarantineEntry)).one()
        assert entry.duplicate_of == alfa and "Piekrišana" in entry.raw
        entry_id = entry.id
        _, secret = create_token(s, "lv", "lv")
    resp = http.post(
        f"{live_url}/api/v1/quarantine/{entry_id}/merge",
        json={},
        headers={"Authorization": f"Bearer {secret}"},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["filled"] == ["gdpr_consent", "gdpr_consent_date", "notes"]
    assert body["message"].startswith(f"Merged into {alfa}: filled ")
    lead = env.leads()[alfa].data
    assert lead["gdpr_consent"] is True and lead["gdpr_consent_date"] == "2025-03-12"
    assert lead["notes"] == "Zvanīt otrdien"
    with env.store.session() as s:
        merge = s.scalars(
            select(AuditEntry).where(AuditEntry.record_id == alfa, AuditEntry.action == "merge")
        ).one()
        assert merge.source == "api"
        assert merge.changes["filled"] == ["gdpr_consent", "gdpr_consent_date", "notes"]
    env.synced_tab("lv")
    assert env.values("lv")[2][12] == f"Apvienots ar {alfa}"


def test_an_open_entry_updated_by_the_sync_keeps_no_erased_identifier(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [
            LV_LEADS_HEADER,
            ["SIA Alfa", "LV", "", "IKT", "Anna", "anna@alfa.lv", "", "", ""],
            ["SIA Beta", "Nekurzeme", "", "IKT", "Kārlis", "", "", "", ""],
        ],
    )
    env.synced_tab("lv")
    alfa = env.values("lv")[1][9]
    with env.store.session() as s:
        records.erase_lead(s, s.get(Lead, alfa), source="api", scope="lv")
    env.synced_tab("lv")
    env.write("lv", "Leads", "F3", [["anna@alfa.lv"]])  # the row stays invalid
    env.synced_tab("lv")
    with env.store.session() as s:
        entries = s.scalars(select(QuarantineEntry)).all()
        assert entries
        for entry in entries:
            assert "alfa.lv" not in str(entry.raw).lower(), entry.raw
