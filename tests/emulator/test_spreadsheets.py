"""spreadsheets.get / create / batchUpdate, through real gspread over HTTP."""

from __future__ import annotations

import gspread
import pytest


def meta(sh, **params) -> dict:
    return sh.client.request(
        "get", f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}", params=params
    ).json()


def props_of(sh, title: str) -> dict:
    for s in sh.fetch_sheet_metadata()["sheets"]:
        if s["properties"]["title"] == title:
            return s["properties"]
    raise AssertionError(title)


def test_metadata_has_googles_shape_and_omits_defaults(sh) -> None:
    m = sh.fetch_sheet_metadata()
    assert m["spreadsheetId"] == sh.id
    assert m["spreadsheetUrl"] == f"https://docs.google.com/spreadsheets/d/{sh.id}/edit"
    p = m["properties"]
    assert (p["title"], p["locale"], p["timeZone"], p["autoRecalc"]) == (
        "Test spreadsheet",
        "en_US",
        "Etc/GMT",
        "ON_CHANGE",
    )
    assert "defaultFormat" in p and "spreadsheetTheme" in p
    assert m["sheets"] == [
        {
            "properties": {
                "sheetId": 0,
                "title": "Sheet1",
                "index": 0,
                "sheetType": "GRID",
                "gridProperties": {"rowCount": 1000, "columnCount": 26},
            }
        }
    ]


@pytest.mark.parametrize("flag", ["false", "False", "true", "True"])
def test_include_grid_data_accepts_both_spellings(sh, flag: str) -> None:
    sh.sheet1.update([["x"]], "A1")
    m = meta(sh, includeGridData=flag, ranges="Sheet1!A1:B2")
    has_data = "data" in m["sheets"][0]
    assert has_data is (flag.lower() == "true")
    if has_data:
        cell = m["sheets"][0]["data"][0]["rowData"][0]["values"][0]
        assert cell["userEnteredValue"] == {"stringValue": "x"}
        assert cell["formattedValue"] == "x"


def test_fields_mask_selects_parts(sh) -> None:
    m = meta(sh, fields="sheets(properties(title,sheetId)),spreadsheetId")
    assert m == {
        "spreadsheetId": sh.id,
        "sheets": [{"properties": {"sheetId": 0, "title": "Sheet1"}}],
    }
    assert meta(sh, fields="properties.title") == {"properties": {"title": "Test spreadsheet"}}


def test_add_rename_resize_and_delete_sheets(sh) -> None:
    ws = sh.add_worksheet("Leads", rows=50, cols=8)
    assert isinstance(ws.id, int) and ws.id != 0
    assert props_of(sh, "Leads")["index"] == 1
    ws.update_title("Partner leads")
    ws.resize(rows=60, cols=10)
    p = props_of(sh, "Partner leads")
    assert p["gridProperties"] == {"rowCount": 60, "columnCount": 10}
    sh.del_worksheet(ws)
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]


def test_duplicate_titles_and_last_sheet_rules(sh) -> None:
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.add_worksheet("sheet1", rows=5, cols=5)  # titles are case-insensitive
    assert "already exists" in err.value.response.json()["error"]["message"]
    with pytest.raises(gspread.exceptions.APIError):
        sh.del_worksheet(sh.sheet1)


def test_shrinking_the_grid_drops_cells_outside_it(sh) -> None:
    ws = sh.sheet1
    ws.update([["a", "b"], ["c", "d"]], "A1")
    ws.resize(rows=1, cols=1)
    ws.resize(rows=5, cols=5)
    assert ws.get_all_values() == [["a"]]


def test_append_dimension_adds_columns_to_write_into(sh) -> None:
    ws = sh.add_worksheet("Narrow", rows=3, cols=2)
    with pytest.raises(gspread.exceptions.APIError):
        ws.update([["x"]], "C1")
    sh.batch_update(
        {"requests": [{"appendDimension": {"sheetId": ws.id, "dimension": "COLUMNS", "length": 3}}]}
    )
    ws.update([["CRM ID"]], "C1")
    assert props_of(sh, "Narrow")["gridProperties"]["columnCount"] == 5
    assert ws.acell("C1").value == "CRM ID"


def test_insert_and_delete_dimensions_shift_data(sh) -> None:
    ws = sh.sheet1
    ws.update([["r1", "a"], ["r2", "b"], ["r3", "c"]], "A1")
    ws.insert_row(["new"], index=2)
    assert ws.col_values(1) == ["r1", "new", "r2", "r3"]
    ws.delete_rows(1)
    assert ws.col_values(1) == ["new", "r2", "r3"]
    sh.batch_update(
        {
            "requests": [
                {
                    "insertDimension": {
                        "range": {
                            "sheetId": 0,
                            "dimension": "COLUMNS",
                            "startIndex": 0,
                            "endIndex": 1,
                        }
                    }
                }
            ]
        }
    )
    assert ws.row_values(2) == ["", "r2", "b"]
    ws.delete_columns(1)
    assert ws.row_values(2) == ["r2", "b"]
    assert props_of(sh, "Sheet1")["gridProperties"] == {"rowCount": 1000, "columnCount": 26}


def test_sort_range_orders_rows_numbers_before_text_blanks_last(sh) -> None:
    ws = sh.sheet1
    ws.update([["h", "k"], [3, "c"], ["", "z"], [1, "a"], ["b", "x"]], "A1", raw=True)
    ws.sort((1, "asc"), range="A2:B5")
    assert ws.get_all_values() == [["h", "k"], ["1", "a"], ["3", "c"], ["b", "x"], ["", "z"]]
    ws.sort((2, "des"), range="A2:B5")
    assert ws.col_values(2) == ["k", "z", "x", "c", "a"]


def test_batch_update_is_atomic(sh) -> None:
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.batch_update(
            {
                "requests": [
                    {"addSheet": {"properties": {"title": "Should not stay"}}},
                    {
                        "updateSheetProperties": {
                            "properties": {"sheetId": 0, "title": "Renamed"},
                            "fields": "title",
                        }
                    },
                    {"deleteSheet": {"sheetId": 987654}},
                ]
            }
        )
    message = err.value.response.json()["error"]["message"]
    assert message.startswith("Invalid requests[2].deleteSheet")
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]


def test_named_ranges_can_be_read_by_name_and_deleted(sh) -> None:
    ws = sh.sheet1
    ws.update([["a", "b"], ["c", "d"]], "A1")
    ws.define_named_range("A1:B2", "Block")
    m = sh.fetch_sheet_metadata()
    assert [n["name"] for n in m["namedRanges"]] == ["Block"]
    assert sh.values_get("Block")["values"] == [["a", "b"], ["c", "d"]]
    ws.delete_named_range(m["namedRanges"][0]["namedRangeId"])
    assert "namedRanges" not in sh.fetch_sheet_metadata()


def test_merges_are_reported_and_unmerged(sh) -> None:
    ws = sh.sheet1
    ws.update([["top", "gone"]], "A1")
    ws.merge_cells("A1:B2")
    m = sh.fetch_sheet_metadata()["sheets"][0]
    assert m["merges"] == [
        {"startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2}
    ]
    assert ws.get_all_values() == [["top"]]  # merging keeps only the top-left value
    ws.unmerge_cells("A1:B2")
    assert "merges" not in sh.fetch_sheet_metadata()["sheets"][0]


def test_data_validation_and_cell_formats_show_in_grid_data(sh) -> None:
    rule = {
        "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "yes"}]},
        "strict": True,
    }
    sh.batch_update(
        {
            "requests": [
                {
                    "setDataValidation": {
                        "range": {
                            "sheetId": 0,
                            "startRowIndex": 0,
                            "endRowIndex": 1,
                            "startColumnIndex": 0,
                            "endColumnIndex": 1,
                        },
                        "rule": rule,
                    }
                }
            ]
        }
    )
    sh.sheet1.format("B1", {"textFormat": {"bold": True}})
    m = meta(sh, includeGridData="true", ranges="Sheet1!A1:B1")
    cells = m["sheets"][0]["data"][0]["rowData"][0]["values"]
    assert cells[0]["dataValidation"] == rule
    assert cells[1]["userEnteredFormat"] == {"textFormat": {"bold": True}}


def test_dimension_properties_and_spreadsheet_properties(sh) -> None:
    ws = sh.sheet1
    ws.hide_columns(1, 3)
    sh.update_title("Renamed file")
    m = meta(sh, fields="properties.title,sheets.data.columnMetadata", ranges="Sheet1!A1:D1")
    cols = m["sheets"][0]["data"][0]["columnMetadata"]
    assert cols == [
        {"pixelSize": 100},
        {"pixelSize": 100, "hiddenByUser": True},
        {"pixelSize": 100, "hiddenByUser": True},
        {"pixelSize": 100},
    ]
    assert m["properties"]["title"] == "Renamed file"


def test_update_cells_and_repeat_cell_write_values(sh) -> None:
    sh.batch_update(
        {
            "requests": [
                {
                    "updateCells": {
                        "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
                        "rows": [
                            {
                                "values": [
                                    {"userEnteredValue": {"numberValue": 5}},
                                    {"userEnteredValue": {"formulaValue": "=A1*3"}},
                                ]
                            }
                        ],
                        "fields": "userEnteredValue",
                    }
                },
                {
                    "repeatCell": {
                        "range": {
                            "sheetId": 0,
                            "startRowIndex": 1,
                            "endRowIndex": 3,
                            "startColumnIndex": 0,
                            "endColumnIndex": 2,
                        },
                        "cell": {"userEnteredValue": {"stringValue": "same"}},
                        "fields": "userEnteredValue",
                    }
                },
            ]
        }
    )
    assert sh.values_get("Sheet1", params={"valueRenderOption": "UNFORMATTED_VALUE"})["values"] == [
        [5, 15],
        ["same", "same"],
        ["same", "same"],
    ]


def test_unknown_request_kind_is_rejected(sh) -> None:
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.batch_update({"requests": [{"launchRocket": {}}]})
    assert err.value.response.status_code == 400


def _repeat_bold(sh, **grid) -> dict:
    return {
        "requests": [
            {
                "repeatCell": {
                    "range": {"sheetId": 0, **grid},
                    "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                    "fields": "userEnteredFormat.textFormat.bold",
                }
            }
        ]
    }


@pytest.mark.parametrize(
    ("grid", "named"),
    [
        ({"startRowIndex": 1000, "startColumnIndex": 0, "endColumnIndex": 2}, "Sheet1!A1001:B"),
        ({"startRowIndex": 1000, "endRowIndex": 1001, "endColumnIndex": 2}, "Sheet1!A1001:B1001"),
        ({"startColumnIndex": 26, "endColumnIndex": 27, "endRowIndex": 2}, "Sheet1!AA1:AA2"),
        ({"startColumnIndex": 26, "endRowIndex": 2}, "Sheet1!AA1:2"),
    ],
)
def test_grid_ranges_starting_past_the_grid_are_refused(sh, grid: dict, named: str) -> None:
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.batch_update(_repeat_bold(sh, **grid))
    assert err.value.response.json()["error"]["message"] == (
        f"Invalid requests[0].repeatCell: Range ({named}) exceeds grid limits. "
        "Max rows: 1000, max columns: 26"
    )


def test_grid_ranges_ending_past_the_grid_are_clipped_not_grown(sh) -> None:
    sh.batch_update(_repeat_bold(sh, startRowIndex=999, endRowIndex=1003, endColumnIndex=1))
    sh.batch_update(_repeat_bold(sh, startRowIndex=3, endRowIndex=3))  # no cell: accepted
    assert sh.sheet1.row_count == 1000
    sh.fetch_sheet_metadata()
    assert sh.sheet1.row_count == 1000
    m = meta(sh, fields="sheets.data.rowData.values.userEnteredFormat", ranges="Sheet1!A1000")
    cell = m["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    assert cell["userEnteredFormat"]["textFormat"] == {"bold": True}


def test_reads_starting_past_the_grid_are_refused(sh) -> None:
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.values_get("Sheet1!AA1:AB5")
    assert err.value.response.json()["error"]["message"] == (
        "Range (Sheet1!AA1:AB5) exceeds grid limits. Max rows: 1000, max columns: 26"
    )


def test_named_ranges_follow_inserted_and_deleted_rows(sh) -> None:
    ws = sh.sheet1
    ws.update([["h"], ["a"], ["b"]], "A1")
    ws.define_named_range("A2:A3", "Body")
    ws.insert_rows([["new top"]], row=1)
    assert sh.values_get("Body")["values"] == [["a"], ["b"]]
    ws.delete_rows(1)
    assert sh.values_get("Body")["values"] == [["a"], ["b"]]
    rng = sh.fetch_sheet_metadata()["namedRanges"][0]["range"]
    assert (rng["startRowIndex"], rng["endRowIndex"]) == (1, 3)


def test_ten_million_cells_per_spreadsheet(sh) -> None:
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.add_worksheet("Huge", rows=400_000, cols=26)  # 10.4M + the first sheet's 26,000
    assert err.value.response.json()["error"]["message"] == (
        "Invalid requests[0].addSheet: This action would increase the number of cells in the "
        "workbook above the limit of 10000000 cells."
    )
    sh.add_worksheet("Big", rows=380_000, cols=26)  # 9.88M + 26,000 fits
    raw = {"valueInputOption": "RAW"}
    sh.values_update("Big!A380000", params=raw, body={"values": [["last"]]})
    with pytest.raises(gspread.exceptions.APIError) as err:  # growing by 5,000 rows would not
        sh.values_append("Big!A380000", params=raw, body={"values": [["x"]] * 5000})
    assert "above the limit of 10000000 cells" in err.value.response.json()["error"]["message"]


def test_formulas_follow_inserted_and_deleted_rows_and_columns(sh) -> None:
    ws = sh.sheet1
    other = sh.add_worksheet("Totals", rows=10, cols=3)
    ws.update([["h", ""], [2, ""], [3, "=A2*10"], ["", "=SUM(A2:A3)"]], "A1", raw=False)
    other.update([["=Sheet1!A3"]], "A1", raw=False)
    ws.insert_rows([[""]], row=2)  # above the data: every reference moves down
    formulas = ws.get("B4:B5", value_render_option="FORMULA")
    assert formulas == [["=A3*10"], ["=SUM(A3:A4)"]]
    assert other.acell("A1", value_render_option="FORMULA").value == "=Sheet1!A4"
    ws.delete_columns(1)  # column A goes: references to it are gone
    assert ws.acell("A4", value_render_option="FORMULA").value == "=#REF!*10"
    assert ws.acell("A4").value == "#REF!"


def test_append_with_insert_rows_moves_formulas_below_the_table(sh) -> None:
    ws = sh.sheet1
    ws.update([["amount"], [5], [7], [""], ["=SUM(A2:A3)"]], "A1", raw=False)
    sh.values_append(
        "Sheet1!A1",
        params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
        body={"values": [[11]]},
    )
    assert ws.acell("A6", value_render_option="FORMULA").value == "=SUM(A2:A3)"
    assert ws.acell("A6").value == "12"
