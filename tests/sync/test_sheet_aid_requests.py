"""The sheet aids' request builders (pure): what they send for what a tab shows."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.google_sheets.tab_io import TabGrid, TabProps
from integration.normalise.enums import enum_values, parse_enum
from integration.sync import messages, sheet_aids
from integration.sync.sheet_aids import (
    HIGHLIGHT,
    NOTE_PREFIX,
    PROTECTION_DESCRIPTION,
    Wanted,
    aid_requests,
    dropdown_labels,
    rgb,
)

SHEET = 7
PINK = {"red": 1, "green": 0.8980392, "blue": 0.8980392}


def _grid(cells: dict[tuple[int, int], dict[str, Any]] | None = None, protected=()) -> TabGrid:
    return TabGrid(TabProps("Leads", SHEET, 100, 12), list(protected), cells or {})


def _want(**kw: Any) -> Wanted:
    base: dict[str, Any] = {
        "header_row": 1,
        "dropdowns": {},
        "invalid": {},
        "service_columns": (9, 10, 11),
    }
    return Wanted(**{**base, **kw})


def _ours(start: int, end: int, pid: int) -> dict[str, Any]:
    return {
        "protectedRangeId": pid,
        "range": {"sheetId": SHEET, "startColumnIndex": start, "endColumnIndex": end},
        "description": PROTECTION_DESCRIPTION,
        "warningOnly": True,
    }


def _kinds(requests: list[dict[str, Any]]) -> list[str]:
    return [next(iter(r)) for r in requests]


@pytest.mark.parametrize("locale", ["lv", "et", "fi", "en"])
@pytest.mark.parametrize(
    ("kind", "field"),
    [(k, f) for k in ("lead", "agreement") for f in sheet_aids.LIST_FIELDS if enum_values(k, f)],
)
def test_every_label_on_a_dropdown_reads_back_as_its_own_value(
    kind: str, field: str, locale: str
) -> None:
    labels = dropdown_labels(kind, field, locale)
    assert len(labels) == len(enum_values(kind, field))
    read_back = [parse_enum(kind, field, label) for label in labels]
    assert sorted(read_back) == sorted(enum_values(kind, field))
    if field != "country":  # countries: the project's first, then by name (a test below)
        assert read_back == list(enum_values(kind, field))


def test_google_colours_are_compared_as_channels() -> None:
    assert rgb(PINK) == HIGHLIGHT
    assert rgb({"green": 1}) == (0, 255, 0)  # Google leaves zero channels out
    assert rgb(None) is None


def test_dropdowns_start_below_a_header_row_that_is_not_row_one() -> None:
    requests = aid_requests(_want(header_row=3, dropdowns={2: ["IKT"]}), _grid(), row_count=120)
    rule = requests[-1]["setDataValidation"]
    assert rule["range"] == {
        "sheetId": SHEET,
        "startRowIndex": 3,
        "endRowIndex": 120,
        "startColumnIndex": 2,
        "endColumnIndex": 3,
    }
    assert rule["rule"]["showCustomUi"] is True and rule["rule"]["strict"] is False


def test_notes_are_set_where_free_and_only_the_services_own_are_cleared() -> None:
    cells = {
        (2, 1): {"note": NOTE_PREFIX + "old", "userEnteredFormat": {"backgroundColor": PINK}},
        (2, 2): {"note": "staff note", "userEnteredFormat": {"backgroundColor": {"green": 1}}},
        (3, 1): {"note": "staff note on an invalid cell"},
        (3, 2): {"userEnteredFormat": {"backgroundColor": {"red": 1}}},  # staff's red
        (1, 4): {"note": NOTE_PREFIX + "above the data"},  # the header row: never touched
    }
    want = _want(
        invalid={(3, 1): "bad sector", (3, 2): "bad e-mail", (4, 0): "bad name"},
        service_columns=(),
    )
    requests = [r["updateCells"] for r in aid_requests(want, _grid(cells), row_count=100)]
    by_cell = {
        (r["range"]["startRowIndex"] + 1, r["range"]["startColumnIndex"]): r for r in requests
    }
    assert set(by_cell) == {(2, 1), (3, 1), (3, 2), (4, 0)}
    # fixed: the service's note and colour are cleared
    assert by_cell[(2, 1)]["fields"] == "note,userEnteredFormat.backgroundColor"
    assert by_cell[(2, 1)]["rows"] == [{"values": [{}]}]
    # a staff note stays; the cell is still highlighted
    assert by_cell[(3, 1)]["fields"] == "userEnteredFormat.backgroundColor"
    # a staff colour stays; the note is added
    assert by_cell[(3, 2)]["fields"] == "note"
    assert by_cell[(3, 2)]["rows"][0]["values"][0]["note"] == NOTE_PREFIX + "bad e-mail"
    assert by_cell[(4, 0)]["fields"] == "note,userEnteredFormat.backgroundColor"


def test_a_note_already_right_is_not_sent_again() -> None:
    cells = {(3, 1): {"note": NOTE_PREFIX + "bad", "userEnteredFormat": {"backgroundColor": PINK}}}
    want = _want(invalid={(3, 1): "bad"}, service_columns=())
    assert aid_requests(want, _grid(cells), row_count=100) == []


def test_the_protection_warns_in_the_partners_language_and_replaces_an_english_one() -> None:
    """Google shows the description to whoever edits a service column: a Latvian
    partner reads it in Latvian; the English one an older sync left is replaced
    once, then the Latvian one is kept (a second sync sends nothing)."""
    latvian = _want(protection=messages.text("protection", "lv"))
    assert "Sinhronizācijas statuss" in latvian.protection
    requests = aid_requests(latvian, _grid(protected=[_ours(9, 12, 1)]), row_count=100)
    assert _kinds(requests) == ["deleteProtectedRange", "addProtectedRange"]
    added = requests[1]["addProtectedRange"]["protectedRange"]
    assert added["description"] == latvian.protection
    again = {**_ours(9, 12, 2), "description": latvian.protection}
    assert aid_requests(latvian, _grid(protected=[again]), row_count=100) == []


def test_the_protection_is_added_once_kept_and_replaced_when_the_columns_moved() -> None:
    added = aid_requests(_want(), _grid(), row_count=100)
    assert _kinds(added) == ["addProtectedRange"]
    pr = added[0]["addProtectedRange"]["protectedRange"]
    assert pr["warningOnly"] is True and pr["description"] == PROTECTION_DESCRIPTION
    assert (pr["range"]["startColumnIndex"], pr["range"]["endColumnIndex"]) == (9, 12)

    assert aid_requests(_want(), _grid(protected=[_ours(9, 12, 1)]), row_count=100) == []

    staff = {"protectedRangeId": 5, "range": {"sheetId": SHEET}, "description": "ours, not yours"}
    moved = aid_requests(
        _want(service_columns=(3, 10, 11)),
        _grid(protected=[_ours(9, 12, 1), _ours(9, 12, 2), staff]),
        row_count=100,
    )
    assert moved[:2] == [
        {"deleteProtectedRange": {"protectedRangeId": 1}},
        {"deleteProtectedRange": {"protectedRangeId": 2}},
    ]
    ranges = [
        (
            r["addProtectedRange"]["protectedRange"]["range"]["startColumnIndex"],
            r["addProtectedRange"]["protectedRange"]["range"]["endColumnIndex"],
        )
        for r in moved[2:]
    ]
    assert ranges == [(3, 4), (10, 12)]


def test_rows_inserted_in_the_same_batch_move_the_notes_and_drop_a_copied_highlight() -> None:
    mark = {"note": NOTE_PREFIX + "bad", "userEnteredFormat": {"backgroundColor": PINK}}
    # the last row of a full grid is invalid; two rows are inserted after it
    grid = TabGrid(TabProps("Leads", SHEET, 5, 12), [], {(5, 1): mark, (3, 2): mark})
    want = _want(invalid={(5, 1): "bad"}, service_columns=())
    requests = aid_requests(want, grid, row_count=7, inserted=(6, 2))
    cleared = {
        (
            r["updateCells"]["range"]["startRowIndex"] + 1,
            r["updateCells"]["range"]["startColumnIndex"],
        )
        for r in requests
    }
    # row 3 was fixed; rows 6 and 7 took row 5's highlight and are valid new rows
    assert cleared == {(3, 2), (6, 1), (7, 1)}

    # inserted in the middle: the rows below (now two further down) keep their marks
    grid = TabGrid(TabProps("Leads", SHEET, 50, 12), [], {(9, 1): mark})
    want = _want(invalid={(11, 1): "bad"}, service_columns=())
    assert aid_requests(want, grid, row_count=52, inserted=(6, 2)) == []


def test_a_batch_of_cells_and_aids_that_set_state_may_be_sent_again() -> None:
    from connectors.google_sheets.batch_requests import write_batches

    cells = {(2, 0): "x"}
    notes = aid_requests(
        _want(invalid={(2, 0): "bad"}, dropdowns={1: ["IKT"]}, service_columns=()),
        _grid(),
        row_count=100,
    )
    again = write_batches(
        SHEET, row_count=100, column_count=12, cells=cells, extra_requests=notes, limit=100_000
    )
    assert [b.repeatable for b in again] == [True]
    protect = aid_requests(_want(), _grid(), row_count=100)  # adds a protected range
    once = write_batches(
        SHEET, row_count=100, column_count=12, cells=cells, extra_requests=protect, limit=100_000
    )
    assert [b.repeatable for b in once] == [False]


def test_rows_to_read_merge_into_runs_below_the_header_and_fall_back_to_the_whole_tab() -> None:
    read = sheet_aids.rows_to_read
    # adjacent rows merge; the header and a title above it are never read
    assert read([9, 7, 8, 12, 1, 2], header_row=2, data_rows=1000) == [(7, 10), (12, 13)]
    assert read([], header_row=1, data_rows=1000) == []
    # one run per ``ranges`` parameter: past the limit, the whole tab in one range
    spread = range(2, 2 + 2 * 101, 2)  # 101 rows none adjacent to the next
    assert read(spread, header_row=1, data_rows=10_000) is None
    assert len(read(list(spread)[:100], header_row=1, data_rows=10_000) or []) == 100
    assert read(spread, header_row=1, data_rows=10_000, max_runs=200) is not None
    # most of the tab written anyway: the whole tab, however few runs
    assert read(range(2, 60), header_row=1, data_rows=100) is None
    assert read(range(2, 50), header_row=1, data_rows=100) == [(2, 50)]


def test_marks_change_only_on_rows_that_were_read() -> None:
    mark = {"note": NOTE_PREFIX + "bad", "userEnteredFormat": {"backgroundColor": PINK}}
    # rows 5-6 read; row 5 shows a stale mark, row 6 a new problem; row 40 was not
    # read: it is invalid and may well carry its mark already, or a staff note
    grid = TabGrid(TabProps("Leads", SHEET, 100, 12), [], {(5, 1): mark}, ((5, 7),))
    want = _want(invalid={(6, 2): "new", (40, 3): "old"}, service_columns=())
    touched = {
        (
            r["updateCells"]["range"]["startRowIndex"] + 1,
            r["updateCells"]["range"]["startColumnIndex"],
        )
        for r in aid_requests(want, grid, row_count=100)
    }
    assert touched == {(5, 1), (6, 2)}


def test_rows_read_move_with_an_insert_and_the_new_rows_count_when_their_source_was_read() -> None:
    mark = {"note": NOTE_PREFIX + "bad", "userEnteredFormat": {"backgroundColor": PINK}}
    # a full grid of 20 rows: rows appended at 21 copy row 20, which was read
    grid = TabGrid(TabProps("Leads", SHEET, 20, 12), [], {(20, 1): mark}, ((4, 5), (20, 21)))
    moved = sheet_aids.after_insert(grid, 21, 2)
    assert moved.rows_read == ((4, 5), (20, 21), (21, 23))
    assert moved.was_read(22) and not moved.was_read(19)
    # rows 21 and 22 took row 20's highlight and are valid: cleared; row 20 too
    requests = aid_requests(_want(service_columns=()), grid, row_count=22, inserted=(21, 2))
    assert {r["updateCells"]["range"]["startRowIndex"] + 1 for r in requests} == {20, 21, 22}

    # spare rows below: new rows copy the row below them; row 10 was not read
    grid = TabGrid(TabProps("Leads", SHEET, 50, 12), [], {}, ((3, 8), (20, 21)))
    moved = sheet_aids.after_insert(grid, 10, 2)
    assert moved.rows_read == ((3, 8), (22, 23))
    assert not moved.was_read(10) and not moved.was_read(11)
    # a run the insert splits goes on below it; row 6 was read, so the new rows are known
    moved = sheet_aids.after_insert(grid, 6, 2)
    assert moved.rows_read == ((3, 6), (6, 8), (8, 10), (22, 23))


def test_a_header_note_is_sent_once_and_never_over_a_staff_note() -> None:
    want = _want(header_notes={11: "Last synced: time zone – Eastern European Time (Riga)."})
    (request,) = aid_requests(want, _grid(protected=[_ours(9, 12, 1)]), row_count=100)
    cell = request["updateCells"]
    assert cell["range"]["startRowIndex"] == 0 and cell["range"]["startColumnIndex"] == 11
    assert cell["rows"][0]["values"][0]["note"] == NOTE_PREFIX + want.header_notes[11]
    there = {(1, 11): {"note": NOTE_PREFIX + want.header_notes[11]}}
    assert aid_requests(want, _grid(there, protected=[_ours(9, 12, 1)]), row_count=100) == []
    staff = {(1, 11): {"note": "Ilze: check on Mondays"}}
    assert aid_requests(want, _grid(staff, protected=[_ours(9, 12, 1)]), row_count=100) == []
