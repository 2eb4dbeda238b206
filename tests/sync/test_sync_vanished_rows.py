"""Rows that vanished from a partner's sheet, through the API against the real
sheet (gspread on the emulator): listed per partner with their last row and
state, restored into the sheet by the next sync (which keeps them), or archived
so they stay out of it and no longer hold the deletion stop; another partner's
token sees none of them and can act on none."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sync_env import LV_LEADS_HEADER, SyncEnv

from integration.store.models import AuditEntry, VanishedRow


def _firms(n: int) -> list[list[Any]]:
    return [[f"SIA Firma {i}", "LV", "", "IKT", "", f"f{i}@firma.lv"] for i in range(n)]


def _api(env: SyncEnv) -> tuple[Any, dict[str, dict[str, str]]]:
    return env.api()


def _ids_by_firm(env: SyncEnv) -> dict[str, str]:
    return {r["Uzņēmums"]: rid for rid, r in env.records("lv").items()}


def test_a_deleted_row_is_listed_and_restored_into_the_sheet(env: SyncEnv) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, *_firms(10)])
    assert env.sync("lv", tab="leads").ok
    ids = _ids_by_firm(env)
    rows = env.values("lv")
    env.replace("lv", "Leads", [rows[0], *rows[1:4], *rows[5:]])  # staff delete row 5
    tab = env.synced_tab()
    assert tab.counts["archived"] == 1
    client, headers = _api(env)

    listed = client.get("/api/v1/vanished-rows", headers=headers["lv"])
    assert listed.status_code == 200
    (item,) = listed.get_json()["items"]
    assert item["record_id"] == ids["SIA Firma 3"] and item["name"] == "SIA Firma 3"
    assert item["row_number"] == 5 and item["tab"] == "leads" and item["state"] == "archived"
    assert item["partner"] == "lv" and item["vanished_at"]
    # another partner's token sees nothing of it and can neither restore nor archive it
    assert client.get("/api/v1/vanished-rows", headers=headers["ee"]).get_json()["items"] == []
    assert client.get("/api/v1/vanished-rows?partner=lv", headers=headers["ee"]).status_code == 404
    for action in ("restore", "archive"):
        refused = client.post(
            f"/api/v1/vanished-rows/{item['record_id']}/{action}", headers=headers["ee"]
        )
        assert refused.status_code == 404, action
    assert env.leads()[item["record_id"]].archived_at is not None

    done = client.post(f"/api/v1/vanished-rows/{item['record_id']}/restore", headers=headers["lv"])
    assert done.status_code == 200
    assert done.get_json() == {"action": "restored", "record_id": item["record_id"]}
    assert client.get("/api/v1/vanished-rows", headers=headers["lv"]).get_json()["items"] == []
    assert env.leads()[item["record_id"]].archived_at is None

    tab = env.synced_tab()  # the restore is written through the sync's own sheet write
    assert tab.rows_appended == 1 and tab.counts["created"] == 0
    assert _ids_by_firm(env) == ids  # the firm is back in the sheet, with its own id
    again = env.synced_tab()  # and the next sync keeps it
    assert again.cells_written == 0 and again.counts["archived"] == 0
    assert env.leads()[item["record_id"]].archived_at is None
    with env.store.session() as s:
        actions = s.execute(
            select(AuditEntry.action, AuditEntry.source)
            .where(AuditEntry.record_id == item["record_id"])
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(a) for a in actions[-2:]] == [("archive", "sheet:lv"), ("restore", "api")]


def test_rows_held_by_the_deletion_stop_are_archived_or_restored_and_the_stop_lifts(
    env: SyncEnv,
) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, *_firms(10)])
    assert env.sync("lv", tab="leads").ok
    ids = _ids_by_firm(env)
    rows = env.values("lv")
    env.replace("lv", "Leads", [rows[0], *rows[7:]])  # six of ten rows deleted: a stop
    assert env.sync("lv", tab="leads").tabs[0].outcome == "aborted"
    client, headers = _api(env)
    items = client.get("/api/v1/vanished-rows", headers=headers["lv"]).get_json()["items"]
    assert sorted((i["name"], i["row_number"], i["state"]) for i in items) == [
        (f"SIA Firma {n}", n + 2, "held") for n in range(6)
    ]
    assert all(not lead.archived_at for lead in env.leads().values())  # nothing archived yet

    # the admin archives two, LV archives two more and restores two
    by_name = {i["name"]: i["record_id"] for i in items}
    for name, who, action in (
        ("SIA Firma 0", "admin", "archive"),
        ("SIA Firma 1", "admin", "archive"),
        ("SIA Firma 2", "lv", "archive"),
        ("SIA Firma 3", "lv", "archive"),
        ("SIA Firma 4", "lv", "restore"),
        ("SIA Firma 5", "lv", "restore"),
    ):
        answer = client.post(
            f"/api/v1/vanished-rows/{by_name[name]}/{action}", headers=headers[who]
        )
        assert answer.status_code == 200, (name, answer.get_json())
    assert client.get("/api/v1/vanished-rows", headers=headers["admin"]).get_json()["items"] == []
    gone = client.post(
        f"/api/v1/vanished-rows/{by_name['SIA Firma 0']}/restore", headers=headers["lv"]
    )
    assert gone.status_code == 404  # resolved already

    tab = env.synced_tab()  # nothing is held now: the stop is over
    assert tab.outcome == "completed" and tab.rows_appended == 2
    assert tab.counts["archived"] == 0 and tab.counts["created"] == 0
    sheet = _ids_by_firm(env)
    assert sheet == {f"SIA Firma {n}": ids[f"SIA Firma {n}"] for n in range(4, 10)}
    leads = env.leads()
    assert sorted(leads[ids[f"SIA Firma {n}"]].archived_at is not None for n in range(10)) == [
        *[False] * 6,
        *[True] * 4,
    ]
    assert all(leads[ids[f"SIA Firma {n}"]].archived_at is not None for n in range(4))
    again = env.synced_tab()
    assert again.cells_written == 0 and again.rows_appended == 0
    with env.store.session() as s:
        assert s.scalars(select(VanishedRow)).all() == []


def test_a_row_that_comes_back_leaves_the_list(env: SyncEnv) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, *_firms(10)])
    assert env.sync("lv", tab="leads").ok
    rows = env.values("lv")
    env.replace("lv", "Leads", [rows[0], *rows[7:]])
    assert env.sync("lv", tab="leads").tabs[0].outcome == "aborted"
    with env.store.session() as s:
        assert len(s.scalars(select(VanishedRow)).all()) == 6
    env.replace("lv", "Leads", [rows[0], *rows[3:]])  # four come back: two still held
    assert env.sync("lv", tab="leads").tabs[0].counts["archived"] == 2  # under the stop's minimum
    with env.store.session() as s:
        listed = s.scalars(select(VanishedRow)).all()
    assert sorted((v.held, v.row_number) for v in listed) == [(False, 2), (False, 3)]
    env.replace("lv", "Leads", rows)  # the deleted rows come back (undo): restored
    assert env.synced_tab().counts["restored"] == 2
    with env.store.session() as s:
        assert s.scalars(select(VanishedRow)).all() == []


def _foreign_holder(env: SyncEnv, code: str) -> str:
    """EE's lead of the firm LV archived, as a store from before archived firms
    stayed their owner's holds it (today no channel creates it: the sheet, the
    API and forms keep it a duplicate of LV's): written as the store row itself."""
    from integration.store.models import Lead
    from integration.store.records import apply_lead_columns

    with env.store.session() as s:
        lead = Lead(
            id="L-900001",
            partner="ee",
            data={"partner": "ee", "company_name": "Baltic Soft", "country": "LV",
                  "registration_code": code, "sector": "ict", "email": "sales@balticsoft.lv"},
        )  # fmt: skip
        apply_lead_columns(lead)
        s.add(lead)
    return "L-900001"


def test_a_restore_never_gives_a_firm_two_owners(env: SyncEnv) -> None:
    """LV staff delete a firm's row (the sync archives the lead) while EE holds
    the same firm (a store from before archived firms stayed their owner's).
    Before, LV's restore of its vanished row answered 200 and both partners held
    one registration code; now it is refused, and the entry stays listed for LV."""
    from integration.store.models import Lead

    code = "40003521600"
    rows = [*_firms(9), ["SIA Baltic Soft", "LV", code, "IKT", "", "info@balticsoft.lv"]]
    env.sheet("lv", [LV_LEADS_HEADER, *rows])
    assert env.sync("lv", tab="leads").ok
    env.replace("lv", "Leads", env.values("lv")[:-1])  # staff delete the Baltic Soft row
    assert env.synced_tab("lv").counts.get("archived") == 1
    _foreign_holder(env, code)
    client, headers = _api(env)
    (item,) = client.get("/api/v1/vanished-rows", headers=headers["lv"]).get_json()["items"]
    refused = client.post(
        f"/api/v1/vanished-rows/{item['record_id']}/restore", headers=headers["lv"]
    )
    assert refused.status_code == 409 and refused.get_json()["reason"] == "duplicate"
    env.sync("lv", tab="leads")
    with env.store.session() as s:
        live = s.scalars(
            select(Lead.partner).where(Lead.registration_code == code, Lead.archived_at.is_(None))
        ).all()
    assert live == ["ee"], live
    listed = client.get("/api/v1/vanished-rows", headers=headers["lv"]).get_json()["items"]
    assert [i["record_id"] for i in listed] == [item["record_id"]]


def test_a_row_brought_back_never_gives_a_firm_two_owners(env: SyncEnv) -> None:
    """The sync's restore (the row of an archived lead back in the sheet, an undo)
    applies the dashboard's check: LV's firm, archived when its row was deleted,
    is EE's lead by now (a store from before archived firms stayed their
    owner's), so the row that comes back leaves the lead archived,
    says whose firm it is in LV's language and waits in quarantine, as any
    duplicate row does; nothing changes on the next sync."""
    from integration.store.models import Lead, QuarantineEntry

    code = "40003521600"
    rows = [*_firms(9), ["SIA Baltic Soft", "LV", code, "IKT", "", "info@balticsoft.lv"]]
    env.sheet("lv", [LV_LEADS_HEADER, *rows])
    assert env.sync("lv", tab="leads").ok
    synced = env.values("lv")
    env.replace("lv", "Leads", synced[:-1])  # staff delete the Baltic Soft row
    assert env.synced_tab("lv").counts.get("archived") == 1
    _foreign_holder(env, code)
    with env.store.session() as s:
        lv_id, ee_id = (
            s.scalars(
                select(Lead.id).where(Lead.partner == p, Lead.registration_code == code)
            ).one()
            for p in ("lv", "ee")
        )

    env.replace("lv", "Leads", synced)  # the deleted row comes back (undo)
    tab = env.synced_tab("lv")
    assert tab.ok and tab.counts.get("restored", 0) == 0 and tab.counts["duplicates"] == 1
    with env.store.session() as s:
        live = s.scalars(
            select(Lead.partner).where(Lead.registration_code == code, Lead.archived_at.is_(None))
        ).all()
        assert live == ["ee"], live
        assert s.get(Lead, lv_id).archived_at is not None
        (entry,) = s.scalars(
            select(QuarantineEntry).where(
                QuarantineEntry.partner == "lv", QuarantineEntry.resolved_at.is_(None)
            )
        ).all()
        assert entry.duplicate_of == ee_id and entry.row_number == 11
        assert [e["code"] for e in entry.errors] == ["duplicate"]
    header = env.values("lv")[0]
    row = env.values("lv")[-1]
    assert row[header.index("CRM ID")] == lv_id  # the row keeps its id
    status = row[header.index("CRM ID") + 1]  # Sync status, in LV's words
    assert status == (
        f"Arhivēts CRM; šis uzņēmums tagad ir EE kontakts {ee_id}, tāpēc šī rinda to neatjauno"
    ), status
    again = env.synced_tab("lv")
    assert again.ok and again.cells_written == 0
    assert env.leads()[lv_id].archived_at is not None
    assert env.count(QuarantineEntry, QuarantineEntry.resolved_at.is_(None)) == 1
