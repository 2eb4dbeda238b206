"""The ``spreadsheets.values`` endpoints: get, update, append, clear and batches.

Reads return the requested range clamped to the grid (that is the ``range``
echoed back), with trailing empty cells and rows trimmed and no ``values``
key at all when nothing is left.  Writes must fit inside the grid, except
``append``, which grows it.
"""

from __future__ import annotations

import json
from typing import Any

from .a1 import Box, Ref, col_to_letters, format_range, open_a1
from .errors import ApiError, bad_request, invalid_value, unknown_field
from .metadata import CELL_LIMIT_MESSAGE, MAX_CELLS
from .model import Sheet, Spreadsheet
from .parsing import parse_raw, parse_user_entered
from .refshift import shift_sheets
from .rendering import DT_OPTIONS, FORMATTED, RENDER_OPTIONS, render

INPUT_OPTIONS = ("RAW", "USER_ENTERED")
# cell types returned unchanged by each render option
_AS_IS_UNFORMATTED = frozenset({str, int, float, bool})
_AS_IS_FORMATTED = frozenset({str})
MAJOR = ("ROWS", "COLUMNS")
VALUE_RANGE_KEYS = {"range", "majorDimension", "values"}


# --------------------------------------------------------------------------
# options
# --------------------------------------------------------------------------
def _enum(
    params: dict[str, Any], name: str, allowed: tuple[str, ...], default: str | None
) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    value = str(value)
    if value not in allowed:
        raise bad_request(
            f"Invalid value at '{_snake(name)}' "
            f"(type.googleapis.com/google.apps.sheets.v4.{_enum_type(name)}), "
            f'"{value}"'
        )
    return value


def _snake(name: str) -> str:
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in name)


def _enum_type(name: str) -> str:
    return {
        "valueRenderOption": "ValueRenderOption",
        "responseValueRenderOption": "ValueRenderOption",
        "dateTimeRenderOption": "DateTimeRenderOption",
        "responseDateTimeRenderOption": "DateTimeRenderOption",
        "valueInputOption": "ValueInputOption",
        "majorDimension": "Dimension",
        "insertDataOption": "InsertDataOption",
    }.get(name, name)


def _bool(params: dict[str, Any], name: str) -> bool:
    value = params.get(name)
    if isinstance(value, bool):
        return value
    return str(value).lower() == "true" if value is not None else False


def _input_option(params: dict[str, Any]) -> str:
    opt = _enum(params, "valueInputOption", INPUT_OPTIONS, None)
    if opt is None:
        raise bad_request("'valueInputOption' is required but not specified")
    return opt


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------
def read_box(
    ss: Spreadsheet, sheet: Sheet, box: Box, option: str, dt_option: str, major: str
) -> list[list[Any]]:
    """Rendered values of ``box``, trailing empties trimmed (``[]`` if empty)."""
    rows = sheet.rows
    if not rows or box.rows <= 0 or box.cols <= 0:
        return []
    end_row = min(box.end_row, max(rows) + 1)
    sc, ec = box.start_col, box.end_col
    title = sheet.title

    locale = ss.conv

    def conv(v: Any) -> Any:
        if v is None:
            return ""
        return render(v, option, dt_option, lambda c: ss.evaluate(c, title), locale)

    as_is = _AS_IS_FORMATTED if option == FORMATTED else _AS_IS_UNFORMATTED

    def render_row(seg: list[Any]) -> list[Any]:
        while seg and seg[-1] is None:
            seg.pop()
        return [v if type(v) is str else conv(v) for v in seg]

    # Comprehensions rather than one loop: this runs over every row of a tab read.
    get = rows.get
    segs = [row[sc:ec] if row else [] for row in map(get, range(box.start_row, end_row))]
    # A row of plain values needs no per-cell work (the slice is already a copy).
    out = [seg if not seg or set(map(type, seg)) <= as_is else render_row(seg) for seg in segs]
    while out and not out[-1]:
        out.pop()
    if major == "COLUMNS":
        return _transpose(out)
    return out


def _transpose(rows: list[list[Any]]) -> list[list[Any]]:
    width = max((len(r) for r in rows), default=0)
    cols: list[list[Any]] = []
    for c in range(width):
        col = [r[c] if c < len(r) else "" for r in rows]
        while col and col[-1] == "":
            col.pop()
        cols.append(col)
    return cols


def _check_start_in_grid(sheet: Sheet, box: Box, ref: Ref, text: str) -> None:
    """Google refuses a read that starts past the grid (one that ends past it is clipped)."""
    past_rows = ref.start_row is not None and ref.start_row >= sheet.row_count
    past_cols = ref.start_col is not None and ref.start_col >= sheet.col_count
    if past_rows or past_cols:
        raise _grid_error(
            sheet,
            open_a1(sheet.title, ref.start_row or 0, ref.end_row, ref.start_col or 0, ref.end_col),
        )


def _grid_error(sheet: Sheet, named: str) -> ApiError:
    return bad_request(
        f"Range ({named}) exceeds grid limits. Max rows: {sheet.row_count}, "
        f"max columns: {sheet.col_count}"
    )


def value_range(ss: Spreadsheet, text: str, params: dict[str, Any]) -> dict[str, Any]:
    option = _enum(params, "valueRenderOption", RENDER_OPTIONS, FORMATTED) or FORMATTED
    dt_option = (
        _enum(params, "dateTimeRenderOption", DT_OPTIONS, "SERIAL_NUMBER") or "SERIAL_NUMBER"
    )
    major = _enum(params, "majorDimension", MAJOR, "ROWS") or "ROWS"
    sheet, box, ref = ss.resolve_box(text)
    _check_start_in_grid(sheet, box, ref, text)
    out: dict[str, Any] = {"range": format_range(sheet.title, box), "majorDimension": major}
    values = read_box(ss, sheet, box, option, dt_option, major)
    if values:
        out["values"] = values
    return out


def get(ss: Spreadsheet, text: str, params: dict[str, Any]) -> dict[str, Any]:
    return value_range(ss, text, params)


def batch_get(ss: Spreadsheet, params: dict[str, Any]) -> dict[str, Any]:
    ranges = params.get("ranges") or []
    if isinstance(ranges, str):
        ranges = [ranges]
    return {"spreadsheetId": ss.id, "valueRanges": [value_range(ss, r, params) for r in ranges]}


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------
def _check_value_range(body: Any, where: str) -> tuple[list[list[Any]], str]:
    if not isinstance(body, dict):
        raise bad_request("Invalid JSON payload received. Expected an object.")
    for key in body:
        if key not in VALUE_RANGE_KEYS:
            raise unknown_field(key)
    major = body.get("majorDimension") or "ROWS"
    if major not in MAJOR:
        raise invalid_value(
            f"{where}.major_dimension", json.dumps(major), "google.apps.sheets.v4.Dimension"
        )
    values = body.get("values")
    if values is None:
        return [], major
    if not isinstance(values, list):
        raise invalid_value(f"{where}.values", json.dumps(values, ensure_ascii=False))
    for i, row in enumerate(values):
        if not isinstance(row, list):
            raise invalid_value(f"{where}.values[{i}]", json.dumps(row, ensure_ascii=False))
        for j, cell in enumerate(row):
            if isinstance(cell, dict | list):
                raise invalid_value(
                    f"{where}.values[{i}][{j}]",
                    json.dumps(cell, ensure_ascii=False),
                    "google.protobuf.Value",
                )
    if major == "COLUMNS":
        width = max((len(c) for c in values), default=0)
        values = [[col[r] if r < len(col) else None for col in values] for r in range(width)]
        # a shorter column leaves its cells untouched, as at Google
    return values, major


def _shape(values: list[list[Any]]) -> tuple[int, int, int]:
    rows = len(values)
    cols = max((len(r) for r in values), default=0)
    cells = sum(1 for r in values for v in r if v is not None)  # nulls leave cells untouched
    return rows, cols, cells


def _write(
    ss: Spreadsheet, sheet: Sheet, r0: int, c0: int, values: list[list[Any]], input_option: str
) -> None:
    set_cell = sheet.set
    if input_option == "RAW":
        for i, row in enumerate(values):
            r = r0 + i
            for j, v in enumerate(row):
                if v is not None:
                    set_cell(r, c0 + j, parse_raw(v))
        return
    locale = ss.conv
    for i, row in enumerate(values):
        r = r0 + i
        for j, v in enumerate(row):
            if v is not None:
                set_cell(r, c0 + j, parse_user_entered(v, locale))


def _plan_update(
    ss: Spreadsheet, text: str, values: list[list[Any]]
) -> tuple[Sheet, int, int, int, int, int]:
    sheet, ref = ss.resolve(text)
    r0 = ref.start_row or 0
    c0 = ref.start_col or 0
    nrows, ncols, ncells = _shape(values)
    single = ref.has_cells and ref.end_row == r0 + 1 and ref.end_col == c0 + 1
    if ref.has_cells and not single:
        if ref.end_row is not None and r0 + nrows > ref.end_row:
            raise bad_request(
                f"Requested writing within range [{text}], but tried writing to row [{r0 + nrows}]"
            )
        if ref.end_col is not None and c0 + ncols > ref.end_col:
            raise bad_request(
                f"Requested writing within range [{text}], but tried writing to column "
                f"[{col_to_letters(c0 + ncols - 1)}]"
            )
    if r0 + max(nrows, 1) > sheet.row_count or c0 + max(ncols, 1) > sheet.col_count:
        written = Box(r0, r0 + max(nrows, 1), c0, c0 + max(ncols, 1))
        raise _grid_error(sheet, format_range(sheet.title, written))
    return sheet, r0, c0, nrows, ncols, ncells


def _update_response(
    ss: Spreadsheet,
    sheet: Sheet,
    r0: int,
    c0: int,
    nrows: int,
    ncols: int,
    ncells: int,
    params: dict[str, Any],
) -> dict[str, Any]:
    out: dict[str, Any] = {"spreadsheetId": ss.id}
    if nrows and ncols:
        box = Box(r0, r0 + nrows, c0, c0 + ncols)
        out.update(
            updatedRange=format_range(sheet.title, box),
            updatedRows=nrows,
            updatedColumns=ncols,
            updatedCells=ncells,
        )
        if _bool(params, "includeValuesInResponse"):
            opt = _enum(params, "responseValueRenderOption", RENDER_OPTIONS, FORMATTED) or FORMATTED
            dt_opt = (
                _enum(params, "responseDateTimeRenderOption", DT_OPTIONS, "SERIAL_NUMBER")
                or "SERIAL_NUMBER"
            )
            data: dict[str, Any] = {"range": out["updatedRange"], "majorDimension": "ROWS"}
            vals = read_box(ss, sheet, box, opt, dt_opt, "ROWS")
            if vals:
                data["values"] = vals
            out["updatedData"] = data
    else:
        out["updatedRange"] = format_range(sheet.title, Box(r0, r0 + 1, c0, c0 + 1))
    return out


def update(ss: Spreadsheet, text: str, body: Any, params: dict[str, Any]) -> dict[str, Any]:
    input_option = _input_option(params)
    values, _ = _check_value_range(body, "data")
    sheet, r0, c0, nrows, ncols, ncells = _plan_update(ss, text, values)
    _write(ss, sheet, r0, c0, values, input_option)
    ss.touch()
    return _update_response(ss, sheet, r0, c0, nrows, ncols, ncells, params)


def batch_update(ss: Spreadsheet, body: Any, params: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("Invalid JSON payload received. Expected an object.")
    allowed = {
        "valueInputOption",
        "data",
        "includeValuesInResponse",
        "responseValueRenderOption",
        "responseDateTimeRenderOption",
    }
    for key in body:
        if key not in allowed:
            raise unknown_field(key)
    input_option = _input_option(body)
    data = body.get("data") or []
    if not isinstance(data, list):
        raise invalid_value(
            "data", json.dumps(data, ensure_ascii=False), "google.apps.sheets.v4.ValueRange"
        )
    plans = []
    for i, item in enumerate(data):
        values, _ = _check_value_range(item, f"data[{i}]")
        text = item.get("range")
        if not isinstance(text, str):
            raise bad_request(f"Invalid data[{i}]: range is required")
        plans.append((_plan_update(ss, text, values), values))
    responses = []
    total_rows = total_cols = total_cells = 0
    sheets_touched: set[int] = set()
    for (sheet, r0, c0, *_counts), values in plans:
        _write(ss, sheet, r0, c0, values, input_option)
    for (sheet, r0, c0, nrows, ncols, ncells), _values in plans:
        responses.append(_update_response(ss, sheet, r0, c0, nrows, ncols, ncells, body))
        total_rows += nrows
        total_cols += ncols
        total_cells += ncells
        if ncells:
            sheets_touched.add(sheet.sheet_id)
    if plans:
        ss.touch()
    out: dict[str, Any] = {"spreadsheetId": ss.id}
    if total_cells:
        out.update(
            totalUpdatedRows=total_rows,
            totalUpdatedColumns=total_cols,
            totalUpdatedCells=total_cells,
            totalUpdatedSheets=len(sheets_touched),
        )
    out["responses"] = responses
    return out


# --------------------------------------------------------------------------
# append
# --------------------------------------------------------------------------
def _row_has_data(sheet: Sheet, r: int, c0: int, c1: int) -> bool:
    row = sheet.rows.get(r)
    if not row:
        return False
    return any(v is not None for v in row[c0:c1])


def find_table(sheet: Sheet, ref: Ref) -> Box | None:
    """Google's table detection: the block of data the append goes under.

    The table starts at the first row of the range holding a value (within the
    range's columns) -- none, and the append writes at the range's top-left.
    From there it grows right over adjacent filled cells and down over rows
    with a value in the table's columns, past the range's own bounds (an
    append to ``A1`` lands under the whole block), and stops at the first
    empty row: data below a blank row is not part of the table.
    """
    r0 = ref.start_row or 0
    r_end = sheet.row_count if ref.end_row is None else min(ref.end_row, sheet.row_count)
    c0 = ref.start_col or 0
    c_end = sheet.col_count if ref.end_col is None else min(ref.end_col, sheet.col_count)
    if not sheet.rows:
        return None
    last_data_row = max(sheet.rows)
    first = None
    for r in range(r0, min(r_end, last_data_row + 1)):
        if _row_has_data(sheet, r, c0, c_end):
            first = r
            break
    if first is None:
        return None
    row = sheet.rows[first]
    tc0 = next(c for c in range(c0, min(c_end, len(row))) if row[c] is not None)
    tc1 = tc0 + 1
    width = sheet.col_count
    while tc1 < width and sheet.get(first, tc1) is not None:
        tc1 += 1
    last = first
    while last + 1 <= last_data_row and _row_has_data(sheet, last + 1, tc0, tc1):
        last += 1
        row = sheet.rows[last]
        while tc1 < width and tc1 < len(row) and row[tc1] is not None:
            tc1 += 1
    return Box(first, last + 1, tc0, tc1)


def append(ss: Spreadsheet, text: str, body: Any, params: dict[str, Any]) -> dict[str, Any]:
    input_option = _input_option(params)
    insert = _enum(params, "insertDataOption", ("OVERWRITE", "INSERT_ROWS"), "OVERWRITE")
    values, _ = _check_value_range(body, "data")
    sheet, ref = ss.resolve(text)
    table = find_table(sheet, ref)
    if table is None:
        r0, c0 = ref.start_row or 0, ref.start_col or 0
    else:
        r0, c0 = table.end_row, table.start_col
    nrows, ncols, ncells = _shape(values)
    if nrows:
        need_rows = r0 + nrows
        need_cols = c0 + ncols
        extra_rows = max(0, need_rows - sheet.row_count)
        extra_cols = max(0, need_cols - sheet.col_count)
        added = nrows if insert == "INSERT_ROWS" and r0 < sheet.row_count else extra_rows
        if (sheet.row_count + added) * (
            sheet.col_count + extra_cols
        ) - sheet.cell_count() + ss.total_cells() > MAX_CELLS:
            raise bad_request(CELL_LIMIT_MESSAGE)
        if insert == "INSERT_ROWS" and r0 < sheet.row_count:
            sheet.insert_rows(r0, nrows)
            shift_sheets(ss.sheets, sheet.title, True, r0, nrows)
        elif extra_rows:
            sheet.grid["rowCount"] = need_rows
        if extra_cols:
            sheet.grid["columnCount"] = need_cols
        _write(ss, sheet, r0, c0, values, input_option)
        ss.touch()
    out: dict[str, Any] = {"spreadsheetId": ss.id}
    if table is not None:
        out["tableRange"] = format_range(sheet.title, table)
    out["updates"] = _update_response(ss, sheet, r0, c0, nrows, ncols, ncells, params)
    return out


# --------------------------------------------------------------------------
# clear
# --------------------------------------------------------------------------
def clear(ss: Spreadsheet, text: str) -> dict[str, Any]:
    sheet, box, _ref = ss.resolve_box(text)
    sheet.clear_box(box)
    ss.touch()
    return {"spreadsheetId": ss.id, "clearedRange": format_range(sheet.title, box)}


def batch_clear(ss: Spreadsheet, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("Invalid JSON payload received. Expected an object.")
    for key in body:
        if key != "ranges":
            raise unknown_field(key)
    ranges = body.get("ranges") or []
    if not isinstance(ranges, list):
        raise invalid_value("ranges", json.dumps(ranges, ensure_ascii=False), "string")
    boxes = [ss.resolve_box(r) for r in ranges]
    cleared = []
    for sheet, box, _ref in boxes:
        sheet.clear_box(box)
        cleared.append(format_range(sheet.title, box))
    ss.touch()
    return {"spreadsheetId": ss.id, "clearedRanges": cleared}
