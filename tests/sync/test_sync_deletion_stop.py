"""The deletion stop holds one tab, says why on the sheet in the partner's
language, and staff resolve it: by restoring the rows, or by accepting the
deletions (``crm-sync sync --accept-deletions``), which archives only the
partner's own records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sync_env import LV_LEADS_HEADER, SyncEnv

from integration.store.models import Agreement, SyncRun
from integration.sync.sheet_aids import NOTE_PREFIX

AGREEMENTS = ["Pārdevējs", "Pircējs", "Statuss", "Parakstīšanas datums"]


def _status_note(env: SyncEnv) -> str:
    """The note on the Leads header's "Sync status" cell."""
    rows = env.values("lv")
    col = rows[0].index("Sinhronizācijas statuss")
    sid = env.config.partners["lv"].spreadsheet_id
    a1 = f"'Leads'!{chr(65 + col)}1"
    data = env.gc.open_by_key(sid).fetch_sheet_metadata(
        params={"includeGridData": "true", "ranges": a1}
    )
    cells: list[dict[str, Any]] = data["sheets"][0]["data"][0]["rowData"][0]["values"]
    return str(cells[0].get("note") or "")


def _firms(n: int) -> list[list[Any]]:
    return [[f"SIA Firma {i}", "LV", "", "IKT", "", f"f{i}@firma.lv"] for i in range(n)]


def test_a_stop_on_leads_lets_agreements_sync_and_the_sheet_says_why(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [LV_LEADS_HEADER, *_firms(10), ["Baku MMC", "AZ", "", "IKT", "", "info@baku.az"]],
        [AGREEMENTS],
    )
    assert env.sync("lv").ok
    rows = env.values("lv")
    env.replace("lv", "Leads", [rows[0], *rows[7:]])  # six of eleven rows deleted
    # a signed agreement typed meanwhile, between firms still in the sheet
    env.write("lv", "Agreements", "A2", [["SIA Firma 6", "Baku MMC", "Parakstīts", "12.03.2025"]])
    report = env.sync("lv")
    leads, agreements = report.tabs
    assert leads.outcome == "aborted" and leads.counts["deletion_stop"] == 6
    assert leads.error.startswith("6 of 11 rows with a CRM ID vanished")
    assert agreements.outcome == "completed", agreements.error
    with env.store.session() as s:
        assert [a.status for a in s.scalars(select(Agreement))] == ["signed"]
    assert not [lead for lead in env.leads().values() if lead.archived_at is not None]
    note = _status_note(env)
    assert note.startswith(NOTE_PREFIX + "Šīs lapas sinhronizācija apturēta: ")
    assert "6 no 11" in note and note.endswith("(crm-sync sync --accept-deletions).")

    # the rows come back (undo): the stop is over, and its note goes
    env.replace("lv", "Leads", rows)
    assert env.sync("lv").ok
    assert _status_note(env) == ""
    assert env.sync("lv").tabs[0].api_calls == 1


def test_accepting_the_deletions_archives_the_partner_s_records(env: SyncEnv) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, *_firms(8)])
    assert env.sync("lv", tab="leads").ok
    rows = env.values("lv")
    env.replace("lv", "Leads", [rows[0], *rows[6:]])
    assert env.sync("lv", tab="leads").outcome == "aborted"
    report = env.sync("lv", tab="leads", accept_deletions=True)
    assert report.ok and report.tabs[0].counts["archived"] == 5
    archived = sorted(
        lead.data["company_name"] for lead in env.leads().values() if lead.archived_at is not None
    )
    assert archived == [f"SIA Firma {i}" for i in range(5)]
    assert _status_note(env) == ""
    with env.store.session() as s:
        runs = s.scalars(select(SyncRun.outcome).order_by(SyncRun.id)).all()
    assert runs == ["completed", "aborted", "completed"]
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0


def test_staff_accept_the_deletions_through_the_api_for_their_own_partner(env: SyncEnv) -> None:
    from integration import create_app
    from integration.auth import create_token

    env.sheet("lv", [LV_LEADS_HEADER, *_firms(8)])
    assert env.sync("lv", tab="leads").ok
    rows = env.values("lv")
    env.replace("lv", "Leads", [rows[0], *rows[6:]])
    assert env.sync("lv").tabs[0].outcome == "aborted"
    with env.store.session() as s:
        _, lv = create_token(s, "lv staff", "lv")
        _, ee = create_token(s, "ee staff", "ee")
    client = create_app(env.config, store=env.store).test_client()
    body = {"partner": "lv", "tab": "leads", "accept_deletions": True}
    refused = client.post("/api/v1/sync", json=body, headers={"Authorization": f"Bearer {ee}"})
    assert refused.status_code == 404  # EE cannot accept LV's deletions
    bad = client.post(
        "/api/v1/sync",
        json={**body, "accept_deletions": "yes"},
        headers={"Authorization": f"Bearer {lv}"},
    )
    assert bad.status_code == 422 and "accept_deletions" in bad.get_data(as_text=True)
    assert env.sync("lv").tabs[0].outcome == "aborted"  # nothing accepted yet
    queued = client.post("/api/v1/sync", json=body, headers={"Authorization": f"Bearer {lv}"})
    assert queued.status_code == 202
    report = env.sync("lv")
    assert report.ok and report.tabs[0].counts["archived"] == 5
    assert env.sync("lv").tabs[0].counts["archived"] == 0  # the request was answered
    spec = client.get("/openapi.json").get_json()
    assert "accept_deletions" in spec["components"]["schemas"]["SyncRequestBody"]["properties"]


def test_a_stopped_tab_writes_its_note_once_and_again_only_when_it_changes(env: SyncEnv) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, *_firms(10)])
    assert env.sync("lv", tab="leads").ok
    rows = env.values("lv")
    env.replace("lv", "Leads", [rows[0], *rows[7:]])  # six of ten rows deleted
    env.emulator.reset_stats()
    assert env.sync("lv", tab="leads").tabs[0].outcome == "aborted"
    writes = env.emulator.stats()["by_endpoint"].get("spreadsheets.batchUpdate", 0)
    assert writes == 1 and "6 no 10" in _status_note(env)
    env.emulator.reset_stats()
    again = env.sync("lv", tab="leads").tabs[0]
    assert again.outcome == "aborted" and again.api_calls == 1  # the read, nothing written
    assert env.emulator.stats()["by_endpoint"].get("spreadsheets.batchUpdate", 0) == 0
    assert "6 no 10" in _status_note(env)
    env.replace("lv", "Leads", [rows[0], *rows[8:]])  # one more row deleted: a new text
    env.emulator.reset_stats()
    assert env.sync("lv", tab="leads").tabs[0].outcome == "aborted"
    assert env.emulator.stats()["by_endpoint"].get("spreadsheets.batchUpdate", 0) == 1
    assert "7 no 10" in _status_note(env)
    env.replace("lv", "Leads", rows)  # the rows come back: the note goes, once
    assert env.sync("lv", tab="leads").ok
    assert _status_note(env) == ""
    assert env.sync("lv", tab="leads").tabs[0].api_calls == 1
