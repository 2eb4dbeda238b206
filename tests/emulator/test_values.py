"""The values endpoints, through real gspread over HTTP."""

from __future__ import annotations

import gspread
import pytest

UNF = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}


def put(sh, rng: str, rows, option: str = "RAW") -> dict:
    return sh.values_update(rng, params={"valueInputOption": option}, body={"values": rows})


def get(sh, rng: str, **params) -> dict:
    return sh.values_get(rng, params=params or None)


def test_raw_keeps_text_exactly_as_sent(sh) -> None:
    put(sh, "Sheet1!A1", [["0042", "=1+1", "12.5%", "2025-03-12", "TRUE"]], "RAW")
    expected = [["0042", "=1+1", "12.5%", "2025-03-12", "TRUE"]]
    assert get(sh, "Sheet1!A1:E1")["values"] == expected
    assert get(sh, "Sheet1!A1:E1", **UNF)["values"] == expected
    assert get(sh, "Sheet1!A1:E1", valueRenderOption="FORMULA")["values"] == expected


def test_raw_numbers_and_booleans_keep_their_json_type(sh) -> None:
    put(sh, "Sheet1!A1", [[42, 1.5, True, -3]], "RAW")
    assert get(sh, "Sheet1!A1:D1", **UNF)["values"] == [[42, 1.5, True, -3]]
    assert get(sh, "Sheet1!A1:D1")["values"] == [["42", "1.5", "TRUE", "-3"]]


def test_user_entered_parses_what_a_person_types(sh) -> None:
    put(
        sh,
        "Sheet1!A1",
        [["0042", "1,234.5", "12.5%", "$1,234.50", "true", "'0042", "=2*21", "hello"]],
        "USER_ENTERED",
    )
    assert get(sh, "Sheet1!A1:H1", **UNF)["values"] == [
        [42, 1234.5, 0.125, 1234.5, True, "0042", 42, "hello"]
    ]
    assert get(sh, "Sheet1!A1:H1")["values"] == [
        ["42", "1,234.5", "12.5%", "$1,234.50", "TRUE", "0042", "42", "hello"]
    ]
    formulas = get(sh, "Sheet1!A1:H1", valueRenderOption="FORMULA")["values"][0]
    assert formulas[6] == "=2*21"
    assert formulas[5] == "0042"


def test_dates_become_serial_numbers_with_a_date_format(sh) -> None:
    put(sh, "Sheet1!A1", [["2025-03-12", "3/4/2025", "2025-03-12 14:30", "10:30"]], "USER_ENTERED")
    serial = get(sh, "Sheet1!A1:D1", **UNF)["values"][0]
    assert serial[0] == 45728  # days since 1899-12-30
    assert serial[1] == 45720
    assert serial[2] == pytest.approx(45728 + 14.5 / 24)
    assert serial[3] == pytest.approx(10.5 / 24)
    as_text = get(
        sh,
        "Sheet1!A1:B1",
        valueRenderOption="UNFORMATTED_VALUE",
        dateTimeRenderOption="FORMATTED_STRING",
    )["values"]
    assert as_text == [["2025-03-12", "3/4/2025"]]
    assert get(sh, "Sheet1!A1:B1")["values"] == [["2025-03-12", "3/4/2025"]]


def test_formulas_evaluate_references_and_recalculate(sh) -> None:
    put(
        sh,
        "Sheet1!A1",
        [[2, 3, "=A1*B1+1", "=SUM(A1:B1)", '=CONCATENATE("n=", A1)']],
        "USER_ENTERED",
    )
    assert get(sh, "Sheet1!C1:E1", **UNF)["values"] == [[7, 5, "n=2"]]
    put(sh, "Sheet1!A1", [[10]], "RAW")
    assert get(sh, "Sheet1!C1:E1", **UNF)["values"] == [[31, 13, "n=10"]]


def test_formulas_the_emulator_cannot_evaluate_render_as_errors(sh) -> None:
    put(sh, "Sheet1!A1", [["=VLOOKUP(1, B:C, 2)", "=1/0", "=A2+"]], "USER_ENTERED")
    assert get(sh, "Sheet1!A1:C1")["values"] == [["#NAME?", "#DIV/0!", "#ERROR!"]]
    assert get(sh, "Sheet1!A1", valueRenderOption="FORMULA")["values"] == [["=VLOOKUP(1, B:C, 2)"]]


def test_trailing_empty_cells_and_rows_are_trimmed(sh) -> None:
    put(sh, "Sheet1!B2", [["x", ""], ["", ""]], "RAW")
    got = get(sh, "Sheet1!A1:D4")
    assert got["range"] == "Sheet1!A1:D4"
    assert got["values"] == [[], ["", "x"]]


def test_an_empty_range_has_no_values_key(sh) -> None:
    got = get(sh, "Sheet1!C3:D4")
    assert got == {"range": "Sheet1!C3:D4", "majorDimension": "ROWS"}


@pytest.mark.parametrize(
    ("asked", "echoed"),
    [
        ("'Sheet1'!A1:1", "Sheet1!A1:Z1"),
        ("Sheet1", "Sheet1!A1:Z1000"),
        ("Sheet1!A:C", "Sheet1!A1:C1000"),
        ("Sheet1!2:5", "Sheet1!A2:Z5"),
        ("Sheet1!A2:C", "Sheet1!A2:C1000"),
        ("Sheet1!C5:B2", "Sheet1!B2:C5"),
        ("Sheet1!A1:AZ5000", "Sheet1!A1:Z1000"),
        ("A1:B2", "Sheet1!A1:B2"),
    ],
)
def test_ranges_are_echoed_normalised_and_clamped(sh, asked: str, echoed: str) -> None:
    assert get(sh, asked)["range"] == echoed


def test_titles_with_spaces_apostrophes_emoji_or_cell_names(sh) -> None:
    for title in ("Partner leads", "It's 😀", "D3"):
        ws = sh.add_worksheet(title, rows=10, cols=5)
        quoted = "'" + title.replace("'", "''") + "'"
        res = put(sh, f"{quoted}!A1", [["v", title]])
        assert res["updatedRange"] == f"{quoted}!A1:B1"
        assert ws.get_all_values() == [["v", title]]
        assert get(sh, quoted)["range"] == f"{quoted}!A1:E10"


def test_columns_major_dimension_on_read_and_write(sh) -> None:
    sh.values_update(
        "Sheet1!A1",
        params={"valueInputOption": "RAW"},
        body={"majorDimension": "COLUMNS", "values": [["a", "b", "c"], ["d"]]},
    )
    assert get(sh, "Sheet1!A1:B3")["values"] == [["a", "d"], ["b"], ["c"]]
    cols = get(sh, "Sheet1!A1:B3", majorDimension="COLUMNS")
    assert cols["majorDimension"] == "COLUMNS"
    assert cols["values"] == [["a", "b", "c"], ["d"]]


def test_null_leaves_a_cell_alone_and_empty_string_clears_it(sh) -> None:
    put(sh, "Sheet1!A1", [["keep", "drop", "x"]])
    res = put(sh, "Sheet1!A1", [[None, "", "y"]])
    assert res["updatedCells"] == 2
    assert get(sh, "Sheet1!A1:C1")["values"] == [["keep", "", "y"]]


def test_writing_past_the_grid_is_an_error_and_changes_nothing(sh) -> None:
    with pytest.raises(gspread.exceptions.APIError) as err:
        put(sh, "Sheet1!Z1000", [["ok", "too far"]])
    assert err.value.response.status_code == 400
    assert "exceeds grid limits" in err.value.response.json()["error"]["message"]
    assert "values" not in get(sh, "Sheet1!Z1000")


def test_data_larger_than_the_given_range_is_rejected(sh) -> None:
    with pytest.raises(gspread.exceptions.APIError) as err:
        put(sh, "Sheet1!A1:B1", [["a", "b", "c"]])
    assert err.value.response.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_append_finds_the_table_and_writes_below_it(sh) -> None:
    put(sh, "Sheet1!A1", [["id", "name"], ["1", "a"], ["2", "b"]])
    res = sh.values_append(
        "Sheet1", params={"valueInputOption": "RAW"}, body={"values": [["3", "c"]]}
    )
    assert res["tableRange"] == "Sheet1!A1:B3"
    assert res["updates"]["updatedRange"] == "Sheet1!A4:B4"
    assert get(sh, "Sheet1!A1:B5")["values"][-1] == ["3", "c"]


def test_append_to_an_empty_sheet_starts_at_the_top(sh) -> None:
    res = sh.values_append("Sheet1", params={"valueInputOption": "RAW"}, body={"values": [["h"]]})
    assert "tableRange" not in res
    assert res["updates"]["updatedRange"] == "Sheet1!A1"


def test_append_insert_rows_grows_the_grid_and_shifts_rows_below(sh) -> None:
    ws = sh.sheet1
    ws.resize(rows=4, cols=3)
    put(sh, "Sheet1!A1", [["h1", "h2"], ["a", "1"], [""], ["below", "x"]])
    res = sh.values_append(
        "Sheet1!A1:B2",
        params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
        body={"values": [["b", "2"], ["c", "3"]]},
    )
    assert res["updates"]["updatedRange"] == "Sheet1!A3:B4"
    assert get(sh, "Sheet1")["values"] == [
        ["h1", "h2"],
        ["a", "1"],
        ["b", "2"],
        ["c", "3"],
        [],
        ["below", "x"],
    ]
    sh.fetch_sheet_metadata()
    assert sh.sheet1.row_count == 6


def test_append_overwrite_grows_the_grid_only_when_needed(sh) -> None:
    ws = sh.sheet1
    ws.resize(rows=2, cols=2)
    put(sh, "Sheet1!A1", [["a"], ["b"]])
    sh.values_append(
        "Sheet1", params={"valueInputOption": "RAW"}, body={"values": [["c", "d", "e"]]}
    )
    meta = sh.fetch_sheet_metadata()["sheets"][0]["properties"]["gridProperties"]
    assert meta == {"rowCount": 3, "columnCount": 3}
    assert get(sh, "Sheet1")["values"] == [["a"], ["b"], ["c", "d", "e"]]


def test_batch_get_reads_several_ranges_in_one_call(emulator, sh) -> None:
    put(sh, "Sheet1!A1", [["a", "b"], ["c", "d"]])
    emulator.reset_stats()
    res = sh.values_batch_get(["Sheet1!A:A", "Sheet1!B2", "Sheet1!D9"], params=UNF)
    ranges = res["valueRanges"]
    assert [r["range"] for r in ranges] == ["Sheet1!A1:A1000", "Sheet1!B2", "Sheet1!D9"]
    assert ranges[0]["values"] == [["a"], ["c"]]
    assert ranges[1]["values"] == [["d"]]
    assert "values" not in ranges[2]
    assert emulator.stats()["by_endpoint"] == {"values.batchGet": 1}


def test_batch_update_writes_all_ranges_and_reports_totals(sh) -> None:
    sh.add_worksheet("Other", rows=10, cols=3)
    res = sh.values_batch_update(
        {
            "valueInputOption": "RAW",
            "data": [
                {"range": "Sheet1!A1", "values": [["a", "b"]]},
                {"range": "Sheet1!C5", "values": [["c"], ["d"]]},
                {"range": "Other!B2", "values": [["=1+1"]]},
            ],
        }
    )
    assert res["totalUpdatedCells"] == 5
    assert res["totalUpdatedSheets"] == 2
    assert [r["updatedRange"] for r in res["responses"]] == [
        "Sheet1!A1:B1",
        "Sheet1!C5:C6",
        "Other!B2",
    ]
    assert get(sh, "Other!B2")["values"] == [["=1+1"]]  # RAW: never run as a formula


def test_batch_update_is_all_or_nothing(sh) -> None:
    with pytest.raises(gspread.exceptions.APIError):
        sh.values_batch_update(
            {
                "valueInputOption": "RAW",
                "data": [
                    {"range": "Sheet1!A1", "values": [["written?"]]},
                    {"range": "Missing!A1", "values": [["x"]]},
                ],
            }
        )
    assert "values" not in get(sh, "Sheet1!A1")


def test_clear_and_batch_clear(sh) -> None:
    put(sh, "Sheet1!A1", [["a", "b", "c"], ["d", "e", "f"]])
    assert sh.values_clear("Sheet1!A1:A2")["clearedRange"] == "Sheet1!A1:A2"
    res = sh.values_batch_clear(body={"ranges": ["Sheet1!C1", "Sheet1!2:2"]})
    assert res["clearedRanges"] == ["Sheet1!C1", "Sheet1!A2:Z2"]
    assert get(sh, "Sheet1")["values"] == [["", "b"]]


def test_include_values_in_response(sh) -> None:
    res = sh.values_update(
        "Sheet1!A1",
        params={
            "valueInputOption": "USER_ENTERED",
            "includeValuesInResponse": "true",
            "responseValueRenderOption": "UNFORMATTED_VALUE",
        },
        body={"values": [["7", "=A1*2"]]},
    )
    assert res["updatedData"] == {
        "range": "Sheet1!A1:B1",
        "majorDimension": "ROWS",
        "values": [[7, 14]],
    }


def test_gspread_worksheet_helpers_work_unchanged(sh) -> None:
    ws = sh.sheet1
    ws.update([["Name", "Score"], ["Ann", 3], ["Bob", 5]], "A1")
    assert ws.get_all_records() == [{"Name": "Ann", "Score": 3}, {"Name": "Bob", "Score": 5}]
    ws.append_row(["Cid", 7], value_input_option="RAW")
    assert ws.col_values(1) == ["Name", "Ann", "Bob", "Cid"]
    assert ws.find("Bob").row == 3
    ws.update_cell(2, 2, 4)
    assert ws.acell("B2").value == "4"


def test_append_to_a1_lands_under_the_whole_block(sh) -> None:
    """The table grows right and down from the range; an empty first column does not end it."""
    put(sh, "Sheet1!A1", [["CRM ID", "Company", "Country"], ["L-1", "A", "LV"], ["", "B", "EE"]])
    res = sh.values_append(
        "'Sheet1'!A1",
        params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
        body={"values": [["L-3", "C", "FI"]]},
    )
    assert res["tableRange"] == "Sheet1!A1:C3"
    assert res["updates"]["updatedRange"] == "Sheet1!A4:C4"


def test_a_blank_row_ends_the_table(sh) -> None:
    put(sh, "Sheet1!A1", [["h"], ["a"], [""], ["after gap"]])
    res = sh.values_append(
        "Sheet1!A1",
        params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
        body={"values": [["new"]]},
    )
    assert res["tableRange"] == "Sheet1!A1:A2"
    assert get(sh, "Sheet1!A1:A6")["values"] == [["h"], ["a"], ["new"], [], ["after gap"]]


def _set_locale(sh, locale: str) -> None:
    sh.batch_update(
        {
            "requests": [
                {
                    "updateSpreadsheetProperties": {
                        "properties": {"locale": locale},
                        "fields": "locale",
                    }
                }
            ]
        }
    )


def test_user_entered_follows_the_spreadsheet_locale(sh) -> None:
    _set_locale(sh, "lv_LV")
    put(sh, "Sheet1!A1", [["12.03.2025", "1 234,50", "12,5%", "1 234,50 €", "1.5"]], "USER_ENTERED")
    assert get(sh, "Sheet1!A1:E1", **UNF)["values"] == [[45728, 1234.5, 0.125, 1234.5, "1.5"]]
    shown = get(sh, "Sheet1!A1:E1")["values"][0]
    assert shown[0] == "12.03.2025"
    assert shown[1].replace("\u00a0", " ") == "1 234,50"
    assert shown[2] == "12,5%"
    assert shown[3].replace("\u00a0", " ") == "1 234,50 €"
    put(sh, "Sheet1!A2", [[2.5]], "RAW")
    assert get(sh, "Sheet1!A2")["values"] == [["2,5"]]  # decimal comma when shown


def test_en_us_reads_day_first_dates_as_text_and_month_first_as_dates(sh) -> None:
    put(sh, "Sheet1!A1", [["12.03.2025", "3/12/2025", "2025-03-12"]], "USER_ENTERED")
    assert get(sh, "Sheet1!A1:C1", **UNF)["values"] == [["12.03.2025", 45728, 45728]]
