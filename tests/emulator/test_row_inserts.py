"""Inserting rows and filling them in one batch, typed cell values, and holding a
request: what the sync's one-batch tab write relies on."""

from __future__ import annotations

import threading
from typing import Any

import gspread
import pytest


def _grid(sh: Any, a1: str) -> list[dict[str, Any]]:
    """The cells of one row range as Google's ``CellData`` (with notes and rules)."""
    data = sh.fetch_sheet_metadata(params={"includeGridData": "true", "ranges": a1})
    rows = data["sheets"][0]["data"][0].get("rowData", [])
    return [cell for row in rows for cell in row.get("values", [])]


def _insert(start: int, end: int, *, before: bool) -> dict[str, Any]:
    return {
        "insertDimension": {
            "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": start, "endIndex": end},
            "inheritFromBefore": before,
        }
    }


def _fill(row: int, values: list[list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "updateCells": {
            "start": {"sheetId": 0, "rowIndex": row, "columnIndex": 0},
            "rows": [{"values": line} for line in values],
            "fields": "userEnteredValue",
        }
    }


def test_inserted_rows_push_data_notes_and_rules_down_and_are_filled_typed(sh) -> None:
    ws = sh.sheet1
    ws.update([["Name", "Count"], ["kept", 1], ["typed meanwhile", 2]], "A1", raw=True)
    ws.insert_note("A3", "partner's note")
    rule = {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "a"}]}}
    sh.batch_update(
        {
            "requests": [
                {
                    "setDataValidation": {
                        "range": {
                            "sheetId": 0,
                            "startRowIndex": 2,
                            "endRowIndex": 3,
                            "startColumnIndex": 1,
                            "endColumnIndex": 2,
                        },
                        "rule": rule,
                    }
                }
            ]
        }
    )
    text = {"userEnteredValue": {"stringValue": "=1+1"}}
    number = {"userEnteredValue": {"numberValue": 40003000002}}
    flag = {"userEnteredValue": {"boolValue": True}}
    sh.batch_update(
        {
            "requests": [
                _fill(1, [[{}, {"userEnteredValue": {"numberValue": 7}}]]),  # {} clears A2
                _insert(2, 4, before=False),
                _fill(2, [[text, number], [flag]]),
            ]
        }
    )
    values = ws.get_all_values(value_render_option="UNFORMATTED_VALUE")
    assert values == [
        ["Name", "Count"],
        ["", 7],
        ["=1+1", 40003000002],
        [True, ""],
        ["typed meanwhile", 2],
    ]
    assert ws.get_note("A5") == "partner's note" and ws.get_note("A3") == ""
    a3, b3 = _grid(sh, "Sheet1!A3:B3")
    assert a3["userEnteredValue"] == {"stringValue": "=1+1"}  # text, never a formula
    assert a3["formattedValue"] == "=1+1"
    assert b3["userEnteredValue"] == {"numberValue": 40003000002}
    # inherited from the row after (the one typed meanwhile), which keeps its own
    assert _grid(sh, "Sheet1!B5:B5")[0]["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"
    assert (
        _grid(sh, "Sheet1!B3:B3")[0]["dataValidation"]
        == _grid(sh, "Sheet1!B5:B5")[0]["dataValidation"]
    )


def test_inserting_at_the_end_of_the_grid_inherits_from_before(sh) -> None:
    sh.sheet1.resize(rows=2)
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.batch_update({"requests": [_insert(2, 3, before=False)]})
    assert "must be less than the grid size (2) if inheritFromBefore is false" in str(err.value)
    sh.batch_update(
        {
            "requests": [
                _insert(2, 4, before=True),
                _fill(2, [[{"userEnteredValue": {"stringValue": "x"}}]]),
            ]
        }
    )
    assert sh.sheet1.col_values(1) == ["", "", "x"]
    assert sh.fetch_sheet_metadata()["sheets"][0]["properties"]["gridProperties"]["rowCount"] == 4


def test_a_held_request_is_applied_only_once_released(emulator, sh) -> None:
    ws = sh.sheet1
    emulator.inject_fault(endpoint="spreadsheets.batchUpdate", hold=True)
    held = threading.Thread(
        target=sh.batch_update,
        args=({"requests": [_fill(0, [[{"userEnteredValue": {"stringValue": "held"}}]])]},),
    )
    held.start()
    emulator.wait_held()
    ws.update([["meanwhile"]], "B1")  # other requests go on
    assert ws.row_values(1) == ["", "meanwhile"]
    assert emulator.release() == 1
    held.join(timeout=10)
    assert ws.row_values(1) == ["held", "meanwhile"]
    assert emulator.held() == 0
    assert emulator.stats()["faults_fired"]["by_kind"] == {"hold": 1}
