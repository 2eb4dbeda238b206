"""The tab's one-batch write: a row a partner types at the bottom while the sync
writes is pushed down, never overwritten; values keep their types; a write whose
answer was lost is not applied twice."""

from __future__ import annotations

import threading
from typing import Any

from fast_retry import fast_policy
from seeding import stored_lead
from sqlalchemy import select
from sync_env import LV_LEADS_HEADER, SyncEnv

from connectors.google_sheets.tab_io import SheetsConnector
from integration.store.models import Lead
from integration.sync.engine import SyncReport

ALFA = ["SIA Alfa", "Latvija", "40003000002", "IKT", "Anna", "anna@alfa.lv", "", "", ""]
TYPED = ["SIA Typed", "Latvija", "40003000017", "IKT", "Ivars", "ivars@typed.lv", "", "", ""]


def _web_lead(env: SyncEnv, name: str) -> str:
    """A lead the CRM side created (a web form): the next sync appends its row."""
    with env.store.session() as s:
        lead = stored_lead(
            s,
            {"partner": "lv", "company_name": name, "country": "LV", "sector": "ict"},
            source="webhook:lv",
        )
        return lead.id


def _names(env: SyncEnv) -> list[str]:
    return [row[0] if row else "" for row in env.values("lv")[1:]]


def test_a_row_typed_at_the_bottom_while_the_sync_writes_is_pushed_down_not_overwritten(
    env: SyncEnv,
) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, ALFA])
    assert env.sync("lv", tab="leads").ok
    web_ids = [_web_lead(env, "SIA Web One"), _web_lead(env, "SIA Web Two")]
    # the sync reads two rows, so it appends from row 3: hold its write, and type
    # a row exactly there meanwhile (a second, independent client: the partner)
    env.emulator.inject_fault(endpoint="spreadsheets.batchUpdate", hold=True)
    result: list[SyncReport] = []
    sync = threading.Thread(target=lambda: result.append(env.sync("lv", tab="leads")))
    sync.start()
    try:
        env.emulator.wait_held()
        partner = env.emulator.client(timeout=5)
        sid = env.config.partners["lv"].spreadsheet_id
        partner.open_by_key(sid).worksheet("Leads").update([TYPED], "A3", value_input_option="RAW")
    finally:
        env.emulator.release()
        sync.join(timeout=30)
    tab = result[0].tabs[0]
    assert tab.outcome == "completed", tab.error
    assert tab.rows_appended == 2
    rows = env.records("lv")
    assert _names(env) == ["SIA Alfa", "SIA Web One", "SIA Web Two", "SIA Typed"]
    assert all(rows[i]["Sinhronizācijas statuss"] == "OK" for i in web_ids)
    typed = env.values("lv")[4]
    assert typed[: len(TYPED)] == TYPED[:6]  # every cell the partner typed, intact
    assert len(typed) == 6  # and nothing written into the row

    # the next sync reads the typed row as a new one: it gets an id, nothing is lost
    again = env.sync("lv", tab="leads").tabs[0]
    assert again.outcome == "completed" and again.counts["created"] == 1
    assert again.rows_appended == 0
    rows = env.records("lv")
    assert len(rows) == 4 and all(k.startswith("L-") for k in rows)
    with env.store.session() as s:
        names = sorted(lead.data["company_name"] for lead in s.scalars(select(Lead)))
    assert names == ["SIA Alfa", "SIA Typed", "SIA Web One", "SIA Web Two"]
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0


def test_a_write_applied_with_its_answer_lost_is_not_applied_again(env: SyncEnv) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, ALFA])
    assert env.sync("lv", tab="leads").ok
    _web_lead(env, "SIA Web")
    # the batch is applied, the answer lost twice; the retry must not insert again
    env.emulator.inject_fault(endpoint="spreadsheets.batchUpdate", status=503, after=True, times=2)
    tab = env.sync("lv", tab="leads").tabs[0]
    assert tab.outcome == "completed", tab.error
    assert env.emulator.stats()["faults_fired"]["by_kind"] == {"after:503": 1}
    assert _names(env) == ["SIA Alfa", "SIA Web"]
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0
    assert _names(env) == ["SIA Alfa", "SIA Web"]


def _cells(env: SyncEnv, a1: str) -> list[dict[str, Any]]:
    sid = env.config.partners["lv"].spreadsheet_id
    data = env.gc.open_by_key(sid).fetch_sheet_metadata(
        params={"includeGridData": "true", "ranges": a1}
    )
    rows = data["sheets"][0]["data"][0].get("rowData", [])
    return [cell for row in rows for cell in row.get("values", [])]


def test_values_keep_their_types_text_is_never_a_formula_and_none_clears(env: SyncEnv) -> None:
    sid = env.sheet("lv", [LV_LEADS_HEADER, ["old", "old", 1, "old", "old", "keep"]])
    connector = SheetsConnector(env.gc, retry=fast_policy())
    props = connector.tab(sid, "Leads")
    cells = {
        (2, 0): '=HYPERLINK("http://evil")',
        (2, 1): None,
        (2, 2): 40003000002,
        (2, 3): 1.5,
        (2, 4): True,
    }
    written = connector.write_tab(sid, props, cells, append_at=3, append_rows=[["=1+1", 0, False]])
    assert written == 8
    a, b, c, d, e, f = _cells(env, "'Leads'!A2:F2")
    assert a["userEnteredValue"] == {"stringValue": '=HYPERLINK("http://evil")'}
    assert "userEnteredValue" not in b  # cleared
    assert c["userEnteredValue"] == {"numberValue": 40003000002}
    assert d["userEnteredValue"] == {"numberValue": 1.5}
    assert e["userEnteredValue"] == {"boolValue": True}
    assert f["userEnteredValue"] == {"stringValue": "keep"}  # not in the write: untouched
    g, h, i = _cells(env, "'Leads'!A3:C3")
    assert g["userEnteredValue"] == {"stringValue": "=1+1"}
    assert h["userEnteredValue"] == {"numberValue": 0}
    assert i["userEnteredValue"] == {"boolValue": False}
    assert env.values("lv")[1:] == [
        ['=HYPERLINK("http://evil")', "", 40003000002, 1.5, True, "keep"],
        ["=1+1", 0, False],
    ]


def test_extra_requests_go_last_in_the_same_batch(env: SyncEnv) -> None:
    """Requests of the caller's own (the sheet aids) address the grid after the
    insert, and travel in the tab's one write."""
    sid = env.sheet("lv", [LV_LEADS_HEADER, ["SIA Alfa"], ["typed later"]])
    connector = SheetsConnector(env.gc, retry=fast_policy())
    props = connector.tab(sid, "Leads")
    note = {
        "updateCells": {
            "start": {"sheetId": props.sheet_id, "rowIndex": 2, "columnIndex": 0},
            "rows": [{"values": [{"note": "appended here"}]}],
            "fields": "note",
        }
    }
    env.emulator.reset_stats()
    connector.write_tab(
        sid, props, {}, append_at=3, append_rows=[["SIA New"]], extra_requests=[note]
    )
    assert env.emulator.stats()["by_endpoint"] == {"spreadsheets.batchUpdate": 1}
    assert _names(env) == ["SIA Alfa", "SIA New", "typed later"]
    ws = env.gc.open_by_key(sid).worksheet("Leads")
    assert ws.get_note("A3") == "appended here" and ws.get_note("A4") == ""
