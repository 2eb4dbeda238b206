"""Notes, background colours and protected ranges as the emulator keeps them, read
back the way Google returns them (real gspread client over HTTP)."""

from __future__ import annotations

from typing import Any

from connectors.google_sheets.tab_io import (
    MAX_RANGES_URL_CHARS,
    SheetsConnector,
    ranges_url_chars,
)

PINK = {"red": 1, "green": 0.8980392, "blue": 0.8980392}


def _cell_request(row: int, col: int, cell: dict[str, Any], fields: str) -> dict[str, Any]:
    return {
        "updateCells": {
            "range": {
                "sheetId": 0,
                "startRowIndex": row,
                "endRowIndex": row + 1,
                "startColumnIndex": col,
                "endColumnIndex": col + 1,
            },
            "rows": [{"values": [cell]}],
            "fields": fields,
        }
    }


def _cells(sh: Any, fields: str, rng: str = "Sheet1!A1:C3") -> list[dict[str, Any]]:
    data = sh.client.fetch_sheet_metadata(
        sh.id, params={"includeGridData": True, "ranges": rng, "fields": fields}
    )
    return data["sheets"][0]["data"][0].get("rowData", [])


def test_note_and_background_are_set_and_cleared_without_touching_the_value(sh) -> None:
    ws = sh.sheet1
    ws.update([["keep"]], "B2", value_input_option="RAW")
    sh.batch_update(
        {
            "requests": [
                _cell_request(
                    1,
                    1,
                    {"note": "check me", "userEnteredFormat": {"backgroundColor": PINK}},
                    "note,userEnteredFormat.backgroundColor",
                )
            ]
        }
    )
    fields = "sheets.data.rowData.values(note,userEnteredFormat,formattedValue)"
    cell = _cells(sh, fields)[1]["values"][1]
    assert cell["note"] == "check me" and cell["formattedValue"] == "keep"
    assert cell["userEnteredFormat"] == {
        "backgroundColor": PINK,
        "backgroundColorStyle": {"rgbColor": PINK},  # Google mirrors the colour
    }
    assert ws.get_note("B2") == "check me"

    sh.batch_update(
        {"requests": [_cell_request(1, 1, {}, "note,userEnteredFormat.backgroundColor")]}
    )
    cell = _cells(sh, fields)[1]["values"][1]
    assert cell == {"formattedValue": "keep"}  # the colour's twin went with it


def test_a_mask_of_notes_only_returns_no_values(sh) -> None:
    sh.sheet1.update([["a", "b"], ["c", "d"]], "A1", value_input_option="RAW")
    sh.sheet1.insert_note("B2", "hello")
    rows = _cells(sh, "sheets.data.rowData.values.note")
    assert rows == [{}, {"values": [{}, {"note": "hello"}]}]


def test_protected_range_follows_inserted_columns_and_can_be_deleted(sh) -> None:
    reply = sh.batch_update(
        {
            "requests": [
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": {"sheetId": 0, "startColumnIndex": 2, "endColumnIndex": 4},
                            "description": "service columns",
                            "warningOnly": True,
                        }
                    }
                }
            ]
        }
    )
    added = reply["replies"][0]["addProtectedRange"]["protectedRange"]
    assert added["warningOnly"] is True and added["description"] == "service columns"
    sh.sheet1.insert_cols([["new"]], col=1)
    listed = sh.fetch_sheet_metadata()["sheets"][0]["protectedRanges"]
    assert [p["protectedRangeId"] for p in listed] == [added["protectedRangeId"]]
    assert listed[0]["range"] == {"startColumnIndex": 3, "endColumnIndex": 5}
    sh.batch_update(
        {"requests": [{"deleteProtectedRange": {"protectedRangeId": added["protectedRangeId"]}}]}
    )
    assert "protectedRanges" not in sh.fetch_sheet_metadata()["sheets"][0]


def test_repeated_ranges_come_back_as_one_grid_data_each_from_its_own_row(sh) -> None:
    notes = [_cell_request(r, 1, {"note": f"row {r + 1}"}, "note") for r in (2, 3, 5, 8)]
    sh.batch_update({"requests": notes})
    data = sh.client.fetch_sheet_metadata(
        sh.id,
        params={
            "includeGridData": True,
            "ranges": ["'Sheet1'!3:4", "'Sheet1'!9:9"],  # repeated ``ranges`` parameters
            "fields": "sheets(properties.title,data(startRow,startColumn,rowData(values(note))))",
        },
    )
    (sheet,) = data["sheets"]
    first, second = sheet["data"]
    # whole rows: Google leaves the zero startColumn out
    assert first["startRow"] == 2 and "startColumn" not in first
    assert [row["values"][1]["note"] for row in first["rowData"]] == ["row 3", "row 4"]
    assert second["startRow"] == 8 and second["rowData"][0]["values"][1]["note"] == "row 9"


def test_the_connector_reads_cells_of_the_rows_asked_and_the_whole_tabs_metadata(gc, sh) -> None:
    notes = [_cell_request(r, 1, {"note": f"row {r + 1}"}, "note") for r in (2, 3, 5, 8)]
    sh.batch_update({"requests": notes})
    connector = SheetsConnector(gc)
    grid = connector.tab_grid(sh.id, "Sheet1", cell_fields="note", rows=[(3, 5), (9, 10)])
    assert grid.cells == {
        (3, 1): {"note": "row 3"},
        (4, 1): {"note": "row 4"},
        (9, 1): {"note": "row 9"},
    }
    assert grid.props.row_count == 1000 and grid.was_read(9) and not grid.was_read(6)
    whole = connector.tab_grid(sh.id, "Sheet1", cell_fields="note")
    assert (6, 1) in whole.cells and whole.was_read(6)
    # no rows at all: the metadata alone, still of this one tab
    sh.add_worksheet("Other", 5, 5)
    none = connector.tab_grid(sh.id, "Sheet1", cell_fields="note", rows=[])
    assert none.cells == {} and none.props.title == "Sheet1" and not none.was_read(3)
    assert connector.calls == 3


def test_runs_too_many_for_one_url_read_the_whole_tab(gc, sh) -> None:
    title = "Līgumi un sadarbības partneri — " * 3  # long, and percent-encoded threefold
    sh.add_worksheet(title, 300, 5)
    connector = SheetsConnector(gc)
    runs = [(r, r + 1) for r in range(2, 202, 2)]  # 100 runs of one row
    assert ranges_url_chars(title, runs) > MAX_RANGES_URL_CHARS
    assert connector.tab_grid(sh.id, title, cell_fields="note", rows=runs).rows_read is None
    few = runs[:10]
    assert connector.tab_grid(sh.id, title, cell_fields="note", rows=few).rows_read == tuple(few)
