"""The plan of a tab whose header is not in row 1: a title and a blank row above a
bilingual header, or a header row the partners file fixes. Calls :func:`plan_tab`
and :func:`detail_needed` directly (no emulator, no database).

Rows above the header are never written; statuses, ids, the service columns'
headers, quarantine row numbers and appends follow the header's real row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from integration.sync.plan import (
    NewId,
    Plan,
    Settings,
    Shadow,
    StoreRecord,
    StoreState,
    detail_needed,
    plan_tab,
)
from integration.sync.sheet_rows import layout_for, row_hash, row_raw

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TITLE = ["LEF Network Azerbaijan — kontakti 2025"]
HEADER = [
    "Uzņēmums / Company",
    "Valsts / Country",
    "Nozare / Sector",
    "E-pasts / E-mail",
    "Piezīmes / Notes",
    "CRM ID",
    "Sync status",
    "Last synced",
]
COL = {"company": 0, "country": 1, "sector": 2, "email": 3, "notes": 4, "id": 5, "status": 6}
STAMP = "2025-12-31T00:00:00Z"


def firm(n: int) -> dict[str, Any]:
    return {
        "partner": "lv",
        "company_name": f"Firm {n}",
        "country": "LV",
        "sector": "ict",
        "email": f"f{n}@x.lv",
    }


def row(n: int, *, id: str = "", email: str | None = None) -> list[Any]:
    return [f"Firm {n}", "Latvija", "IKT", email or f"f{n}@x.lv", "", id, "OK" if id else "", STAMP]


def stored(*ns: int, synced: bool = True) -> StoreState:
    """Firms ``ns`` in the store; ``synced``: each was on the sheet before (plain
    base), else each is new to the sheet (a webhook's lead: appended)."""
    st = StoreState(kind="lead", partner="lv", tab="leads")
    for n in ns:
        rid = f"L-{n:06d}"
        st.records[rid] = StoreRecord(rid, firm(n), 1, "lv", NOW)
        if synced:
            base = {k: v for k, v in firm(n).items() if k != "partner"}
            st.shadows[rid] = Shadow(base, "an older row", 1)
    return st


def plan(rows: list[list[Any]], st: StoreState, **settings: Any) -> Plan:
    s = Settings("lv", "leads", now=NOW, **settings)
    return plan_tab(s.read(rows), st, s)


def test_a_title_and_a_blank_row_above_a_bilingual_header() -> None:
    rows = [TITLE, [], HEADER, row(1, id="L-000001"), row(2), [], row(4, email="not an e-mail")]
    # firm 3 is in the store but not on the sheet: it is appended below the last row
    st = stored(1)
    st.records["L-000003"] = StoreRecord("L-000003", firm(3), 1, "lv", NOW)
    p = plan(rows, st)
    assert p.aborted is None
    assert p.header_row == 3
    assert p.header_report is not None and p.header_report["row"] == 3
    assert [m["field"] for m in p.header_report["mapped"]] == [
        "company_name",
        "country",
        "sector",
        "email",
        "notes",
    ]
    # nothing above the data rows is written: not the title, not the header
    assert min(r for r, _ in p.cells) >= 4, sorted(p.cells)
    # the new row (sheet row 5) gets its id and status on its own row
    [new] = p.creates
    assert new.row == 5 and new.data["company_name"] == "Firm 2"
    assert isinstance(p.cells[(5, COL["id"])], NewId)
    assert p.cells[(5, COL["status"])] == "OK"
    # the invalid row (sheet row 7) is quarantined under its real row number
    [bad] = p.quarantine
    assert bad.row == 7
    assert "not a valid e-mail" in p.cells[(7, COL["status"])]
    assert (7, COL["id"]) not in p.cells
    # the existing row (sheet row 4) is recognised: unchanged, not re-created
    assert p.counts["unchanged"] == 1 and p.counts["created"] == 1
    # appends go below the last row read
    assert p.append_at == 8
    assert [rid for rid, _ in p.appends] == ["L-000003"]


def test_service_columns_are_added_in_the_header_row() -> None:
    header = HEADER[:5]
    rows = [TITLE, [], header, row(1)[:5]]
    p = plan(rows, StoreState(kind="lead", partner="lv", tab="leads"), locale="en")
    assert p.cells[(3, 5)] == "CRM ID"
    assert p.cells[(3, 6)] == "Sync status"
    assert p.cells[(3, 7)] == "Last synced"
    assert not [cell for cell in p.cells if cell[0] < 3]
    assert isinstance(p.cells[(4, 5)], NewId)


def test_a_blank_tab_gets_the_default_header_in_row_one() -> None:
    p = plan([], stored(1, synced=False))
    assert p.cells[(1, 0)] and all(r in (1,) for r, _ in p.cells)
    assert p.append_at == 2 and [rid for rid, _ in p.appends] == ["L-000001"]
    assert p.header_report is not None and p.header_report["row"] == 1


def test_a_configured_header_row_on_a_blank_tab_keeps_the_rows_above_free() -> None:
    p = plan([TITLE], stored(1, synced=False), header_row=3)
    assert not [cell for cell in p.cells if cell[0] != 3]
    assert p.cells[(3, 0)]  # the default header, in row 3
    assert p.append_at == 4 and [rid for rid, _ in p.appends] == ["L-000001"]


def test_a_configured_header_row_wins_over_a_better_looking_row() -> None:
    # Row 1 holds a legend naming the columns; the partner says the header is row 2.
    legend = ["Company", "Country", "Sector", "E-mail", "Notes"]
    rows = [legend, HEADER, row(1)]
    p = plan(rows, StoreState(kind="lead", partner="lv", tab="leads"), header_row=2)
    assert p.header_report is not None and p.header_report["row"] == 2
    [new] = p.creates
    assert new.row == 3 and isinstance(p.cells[(3, COL["id"])], NewId)
    assert not [cell for cell in p.cells if cell[0] < 3]


def test_a_configured_header_maps_its_column_before_the_aliases() -> None:
    header = ["Ettevõte", "Riik", "Sektor", "Kood (äriregister)", "Registrikood", "CRM ID"]
    rows = [TITLE, header, ["Tallinna Ärid OÜ", "Eesti", "IKT", "10137025", "junk", ""]]
    st = StoreState(kind="lead", partner="ee", tab="leads")
    settings = Settings(
        "ee", "leads", locale="et", now=NOW, columns={"Kood (äriregister)": "registration_code"}
    )
    p = plan_tab(settings.read(rows), st, settings)
    [new] = p.creates
    assert new.row == 3 and new.data["registration_code"] == "10137025"
    report = p.header_report
    assert report is not None
    assert {
        "column": "D",
        "header": "Kood (äriregister)",
        "field": "registration_code",
        "source": "configured",
    } in report["mapped"]
    assert {"column": "E", "header": "Registrikood", "suggestion": "registration_code"} in report[
        "unrecognised"
    ]


def test_a_header_nobody_recognises_aborts_and_names_its_row() -> None:
    rows = [TITLE, [], ["Kood", "Nimetus"], ["1", "x"]]
    p = plan(rows, StoreState(kind="lead", partner="lv", tab="leads"))
    assert p.aborted is not None and "row 1" in p.aborted  # the first filled row
    assert not p.cells and not p.creates


def test_detail_needed_fingerprints_rows_by_their_real_numbers() -> None:
    rows = [TITLE, [], HEADER, row(1, id="L-000001"), [], row(2, id="L-000002")]
    st = stored(1, 2)
    layout = layout_for(HEADER, "lead")
    for n, cells in ((1, rows[3]), (2, rows[5])):
        st.shadows[f"L-{n:06d}"] = Shadow(
            st.shadows[f"L-{n:06d}"].base, row_hash(row_raw(layout, cells)), 1
        )
    settings = Settings("lv", "leads", now=NOW)
    snapshot = settings.read(rows)
    assert [(r.number, r.hash) for r in snapshot.rows] == [
        (4, st.shadows["L-000001"].row_hash),
        (6, st.shadows["L-000002"].row_hash),
    ]
    needed, work = detail_needed(snapshot, st, settings)
    assert needed == set() and work is False
    p = plan_tab(snapshot, st, settings)
    assert p.counts["unchanged"] == 2 and not p.cells and not p.appends
