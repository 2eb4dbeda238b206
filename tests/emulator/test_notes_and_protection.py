"""Notes, background colours and protected ranges as the emulator keeps them, read
back the way Google returns them (real gspread client over HTTP)."""

from __future__ import annotations

from typing import Any

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
