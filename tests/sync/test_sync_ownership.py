"""The sheet sync writes as its partner: a partner's sheet changes only that
partner's records (docs/security.md). Real gspread against the emulator, store on
SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select
from sync_env import LV_LEADS_HEADER, SyncEnv

from integration.store import records
from integration.store.models import Agreement, Lead, QuarantineEntry

EE_HEADER = ["Ettevõte", "Riik", "Registrikood", "Sektor", "E-post", "Märkused"]
EE1 = "10137319"


def _ee_lead(env: SyncEnv) -> str:
    env.sheet("ee", [EE_HEADER, ["Meri OÜ", "EE", EE1, "IKT", "info@meri.ee", ""]])
    assert env.sync("ee", tab="leads").ok
    with env.store.session() as s:
        return s.scalars(select(Lead.id)).one()


def test_a_row_naming_another_partners_record_is_not_applied(env: SyncEnv) -> None:
    ee_id = _ee_lead(env)
    with env.store.session() as s:
        before = s.get(Lead, ee_id).version
    header = [*LV_LEADS_HEADER, "CRM ID"]
    # LV copies EE's row, CRM ID and all, and types its own notes into it
    row = ["Meri OÜ", "EE", EE1, "IKT", "Kalle", "lv@takeover.lv", "", "LV notes", "", ee_id]
    env.sheet("lv", [header, row])
    tab = env.sync("lv", tab="leads").tabs[0]
    assert tab.outcome == "completed" and tab.counts["invalid"] == 1
    with env.store.session() as s:
        ee_lead = s.get(Lead, ee_id)
        assert ee_lead.version == before and ee_lead.partner == "ee"
        assert ee_lead.data["email"] == "info@meri.ee" and "notes" not in ee_lead.data
        entry = s.scalars(select(QuarantineEntry)).one()
    assert entry.partner == "lv" and entry.raw["Piezīmes"] == "LV notes"  # nothing lost
    status = env.records("lv")[ee_id]["Sinhronizācijas statuss"]
    assert status == f"{ee_id} pieder EE; šeit veiktās izmaiņas netiek piemērotas"
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0  # stable
    # LV deletes the row again: EE's lead is not archived
    env.replace("lv", "Leads", [env.values("lv")[0]])
    assert env.sync("lv", tab="leads").tabs[0].counts["archived"] == 0
    with env.store.session() as s:
        assert s.get(Lead, ee_id).archived_at is None
    assert env.sync("ee", tab="leads").tabs[0].counts["unchanged"] == 1


def test_a_record_an_admin_moved_leaves_the_old_partners_hands(env: SyncEnv) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, ["SIA Alfa", "LV", "40003000002", "IKT", "", "", "", "", ""]])
    env.sheet("ee", [EE_HEADER])
    assert env.sync("lv", tab="leads").ok
    with env.store.session() as s:
        lead = s.scalars(select(Lead)).one()
        lead_id = lead.id
        records.update_record(s, lead, {"partner": "ee"}, source="api")
    # LV's old row can no longer change it; EE's sheet gets it
    env.write("lv", "Leads", "H2", [["edited in LV after the move"]])
    assert env.sync("lv", tab="leads").tabs[0].counts["invalid"] == 1
    assert env.sync("ee", tab="leads").tabs[0].counts["appended"] == 1
    assert lead_id in env.records("ee")
    with env.store.session() as s:
        assert "notes" not in s.get(Lead, lead_id).data
    # LV clears its sheet: the moved record stays live
    env.replace("lv", "Leads", [env.values("lv")[0]])
    assert env.sync("lv", tab="leads").tabs[0].counts["archived"] == 0
    with env.store.session() as s:
        assert s.get(Lead, lead_id).archived_at is None


def test_a_partner_column_naming_another_partner_is_a_row_error(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [
            LV_LEADS_HEADER,
            ["SIA Alfa", "LV", "40003000002", "IKT", "", "a@alfa.lv", "", "", ""],
            ["Beta MMC", "AZ", "", "IKT", "", "b@beta.az", "", "", ""],
        ],
        [
            ["Pārdevējs", "Pircējs", "Statuss", "Partneris"],
            ["SIA Alfa", "Beta MMC", "Sarunas", "EE"],
            ["SIA Alfa", "Beta MMC", "Sarunas", "LV"],
        ],
    )
    assert env.sync("lv", tab="leads").ok
    tab = env.sync("lv", tab="agreements").tabs[0]
    assert tab.counts["created"] == 1 and tab.counts["invalid"] == 1
    with env.store.session() as s:
        assert [a.reporting_partner for a in s.scalars(select(Agreement))] == ["lv"]
        entry = s.scalars(select(QuarantineEntry)).one()
    assert entry.errors[0]["field"] == "reporting_partner"
    rows = env.values("lv", "Agreements")
    status = rows[0].index("Sinhronizācijas statuss")
    assert rows[1][status].startswith("Partneris: šī ir LV tabula")


def test_an_archived_lead_stays_its_owners_firm_for_another_partners_sheet(
    env: SyncEnv,
) -> None:
    """EE archives its lead (meaning to restore it later); LV's sheet holds the
    same firm. LV's sync keeps its row as a linked duplicate of EE's archived
    lead, as the API and forms do, instead of taking the firm over; EE's restore
    then works."""
    ee_id = _ee_lead(env)
    with env.store.session() as s:
        assert records.archive_record(s, s.get(Lead, ee_id), source="api")
    header = LV_LEADS_HEADER
    row = ["Meri OÜ", "EE", EE1, "IKT", "Kalle", "kalle@meri.ee", "", "LV notes", ""]
    env.sheet("lv", [header, row])
    tab = env.sync("lv", tab="leads").tabs[0]
    assert tab.outcome == "completed"
    with env.store.session() as s:
        leads = s.scalars(select(Lead)).all()
        assert [(lead.id, lead.partner) for lead in leads] == [(ee_id, "ee")]
        entry = s.scalars(select(QuarantineEntry)).one()
        assert entry.partner == "lv" and entry.duplicate_of == ee_id
        assert records.restore_record(s, s.get(Lead, ee_id), source="api")
    # stable: the row stays the duplicate, nothing is created on the next sync
    env.sync("lv", tab="leads")
    with env.store.session() as s:
        assert s.scalars(select(Lead.id)).all() == [ee_id]


def test_a_merge_request_about_a_sheet_row_outlives_the_syncs_own_cells(env: SyncEnv) -> None:
    """EE's sheet row is LV's firm; EE asks LV to merge it right after the sync
    that found it. The next syncs rewrite the row's status and stamp cells: the
    request stays open (it pins what EE typed), and LV's accept merges it; a
    cell EE types afterwards would end it."""
    from integration.store.models import MergeRequest

    env.sheet(
        "lv",
        [LV_LEADS_HEADER, ["SIA Alfa", "LV", "40003000002", "IKT", "", "a@alfa.lv", "", "", ""]],
    )
    assert env.sync("lv", tab="leads").ok
    env.sheet("ee", [EE_HEADER, ["Alfa SIA", "LV", "40003000002", "IKT", "a@alfa.lv", "EE notes"]])
    assert env.sync("ee", tab="leads").ok
    client, headers = env.api()
    with env.store.session() as s:
        entry = s.scalars(select(QuarantineEntry).where(QuarantineEntry.partner == "ee")).one()
    asked = client.post(
        f"/api/v1/quarantine/{entry.id}/merge-request", headers=headers["ee"], json={}
    )
    assert asked.status_code == 201, asked.get_data(as_text=True)
    for _ in range(2):
        assert env.sync("ee", tab="leads").ok
    with env.store.session() as s:
        assert s.get(MergeRequest, asked.get_json()["id"]).status == "open"
    accept = client.post(
        f"/api/v1/merge-requests/{asked.get_json()['id']}/accept", headers=headers["lv"], json={}
    )
    assert accept.status_code == 200, accept.get_data(as_text=True)
