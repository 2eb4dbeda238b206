"""batchUpdate requests on sheets and their rows and columns.

Adding, deleting and changing sheets and the spreadsheet's own
properties; appending, inserting, deleting and sizing rows and columns (named
and protected ranges follow the rows and columns they cover); row and column
groups.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import bad_request
from .metadata import CELL_LIMIT_MESSAGE, MAX_CELLS
from .model import Sheet, cut_ranges, shift_ranges
from .refshift import shift_sheets
from .txn import (
    Reply,
    Txn,
    apply_fields,
    clean_props,
    dimension_range,
    int_field,
)


def add_sheet(txn: Txn, req: dict[str, Any]) -> Reply:
    """``addSheet``: checks in the order Google makes them (title, id, size)."""
    props = copy.deepcopy(req.get("properties") or {})
    title = _added_title(txn, props.get("title"))
    sheet_id = _added_sheet_id(txn, props.get("sheetId"))
    grid = props.get("gridProperties") or {}
    rows, cols = _added_size(txn, grid)
    index = int_field(props, "index", len(txn.sheets))
    index = max(0, min(index or 0, len(txn.sheets)))
    sheet = Sheet(sheet_id, title, index, rows, cols)
    for key, value in props.items():
        if key not in ("sheetId", "title", "index", "gridProperties"):
            sheet.props[key] = value
    for key, value in grid.items():
        if key not in ("rowCount", "columnCount"):
            sheet.grid[key] = value
    clean_props(sheet.props)
    txn.insert(index, sheet)
    return {"addSheet": {"properties": copy.deepcopy(sheet.props)}}


def _added_title(txn: Txn, title: Any) -> str:
    """The new sheet's title: the one asked for, else the first free ``SheetN``
    (as Google names them); titles are unique regardless of case."""
    if title is None:
        n = len(txn.sheets) + 1
        while any(sh.title == f"Sheet{n}" for sh in txn.sheets):
            n += 1
        title = f"Sheet{n}"
    if any(sh.title.lower() == str(title).lower() for sh in txn.sheets):
        raise bad_request(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    return str(title)


def _added_sheet_id(txn: Txn, sheet_id: Any) -> Any:
    """The new sheet's id: the one asked for if no sheet has it, else a fresh
    random one no sheet has."""
    if sheet_id is None:
        sheet_id = txn.ss.new_sheet_id()
        while any(sh.sheet_id == sheet_id for sh in txn.sheets):
            sheet_id = txn.ss.new_sheet_id()
    elif any(sh.sheet_id == sheet_id for sh in txn.sheets):
        raise bad_request(f"A sheet with the id {sheet_id} already exists.")
    return sheet_id


def _added_size(txn: Txn, grid: dict[str, Any]) -> tuple[int, int]:
    """Rows and columns of the new sheet (Google's default 1000 x 26), refused
    when empty or when the spreadsheet would pass its cell limit."""
    rows = int_field(grid, "rowCount", 1000) or 0
    cols = int_field(grid, "columnCount", 26) or 0
    if rows < 1 or cols < 1:
        raise bad_request("The grid must have at least one row and one column.")
    if txn.total_cells() + rows * cols > MAX_CELLS:
        raise bad_request(CELL_LIMIT_MESSAGE)
    return rows, cols


def delete_sheet(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet = txn.find(req.get("sheetId"))
    if len(txn.sheets) == 1:
        raise bad_request("You can't remove all the sheets in a document.")
    txn.sheets.remove(sheet)
    txn.named_ranges = [
        nr for nr in txn.named_ranges if nr["range"].get("sheetId", 0) != sheet.sheet_id
    ]
    txn.renumber()
    return {}


def update_sheet_properties(txn: Txn, req: dict[str, Any]) -> Reply:
    props = req.get("properties") or {}
    fields = req.get("fields")
    sheet = txn.edit(props.get("sheetId", 0))
    new = copy.deepcopy(sheet.props)
    apply_fields(new, props, fields)
    new["sheetId"] = sheet.sheet_id
    title = new.get("title")
    if not title:
        raise bad_request("Sheet title must not be empty.")
    if any(sh is not sheet and sh.title.lower() == str(title).lower() for sh in txn.sheets):
        raise bad_request(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    if new.get("hidden") and all(sh.props.get("hidden") or sh is sheet for sh in txn.sheets):
        raise bad_request("You can't hide all the sheets in a document.")
    grid = new.setdefault("gridProperties", {})
    rows, cols = grid.get("rowCount", sheet.row_count), grid.get("columnCount", sheet.col_count)
    if rows < 1 or cols < 1:
        raise bad_request("The grid must have at least one row and one column.")
    old_index = sheet.props.get("index", 0)
    new_index = new.get("index", old_index)
    clean_props(new)
    if (rows, cols) != (sheet.row_count, sheet.col_count):
        if txn.total_cells() - sheet.cell_count() + rows * cols > MAX_CELLS:
            raise bad_request(CELL_LIMIT_MESSAGE)
        sheet.set_size(rows, cols)
    sheet.props = new
    sheet.grid["rowCount"], sheet.grid["columnCount"] = rows, cols
    if new_index != old_index:
        txn.sheets.remove(sheet)
        txn.sheets.insert(max(0, min(int(new_index), len(txn.sheets))), sheet)
        txn.renumber()
    return {}


def update_spreadsheet_properties(txn: Txn, req: dict[str, Any]) -> Reply:
    props = req.get("properties") or {}
    apply_fields(txn.properties, props, req.get("fields"))
    if not txn.properties.get("title"):
        raise bad_request("Spreadsheet title must not be empty.")
    return {}


def append_dimension(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet = txn.edit(req.get("sheetId", 0))
    length = int_field(req, "length", 0) or 0
    if length <= 0:
        raise bad_request("length must be greater than 0")
    dim = req.get("dimension")
    if dim == "ROWS":
        added = length * sheet.col_count
    elif dim == "COLUMNS":
        added = length * sheet.row_count
    else:
        raise bad_request("dimension must be ROWS or COLUMNS")
    if txn.total_cells() + added > MAX_CELLS:
        raise bad_request(CELL_LIMIT_MESSAGE)
    if dim == "ROWS":
        sheet.grid["rowCount"] = sheet.row_count + length
    else:
        sheet.grid["columnCount"] = sheet.col_count + length
    return {}


def insert_dimension(txn: Txn, req: dict[str, Any]) -> Reply:
    rng = req.get("range") or {}
    sheet = txn.edit(rng.get("sheetId", 0))
    dim = rng.get("dimension")
    start, end = int_field(rng, "startIndex", 0) or 0, int_field(rng, "endIndex", 0) or 0
    limit = sheet.row_count if dim == "ROWS" else sheet.col_count
    if dim not in ("ROWS", "COLUMNS") or start < 0 or end <= start or start > limit:
        raise bad_request("Invalid insertDimension range")
    before = bool(req.get("inheritFromBefore"))
    if before and start == 0:
        raise bad_request("Cannot inherit from before when inserting at the start.")
    if not before and start >= limit:
        raise bad_request(
            f"range.startIndex must be less than the grid size ({limit}) "
            "if inheritFromBefore is false."
        )
    n = end - start
    added = n * (sheet.col_count if dim == "ROWS" else sheet.row_count)
    if txn.total_cells() + added > MAX_CELLS:
        raise bad_request(CELL_LIMIT_MESSAGE)
    if dim == "ROWS":
        sheet.insert_rows(start, n)
    else:
        sheet.insert_cols(start, n)
    # the new lines take the formats and validation of their neighbour (the line
    # before, or the line after, which now starts at start + n)
    sheet.inherit_lines(dim == "ROWS", start, n, start - 1 if before else start + n)
    _move_sheet_ranges(txn, sheet, dim, start, n)
    shift_sheets(txn.sheets, sheet.title, dim == "ROWS", start, n, lambda s: txn.edit(s.sheet_id))
    return {}


def delete_dimension(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet, dim, start, end = dimension_range(txn, req.get("range") or {})
    limit = sheet.row_count if dim == "ROWS" else sheet.col_count
    end = min(end, limit)
    if start >= limit:
        raise bad_request("Invalid deleteDimension range: out of grid")
    if start == 0 and end >= limit:
        what = "rows" if dim == "ROWS" else "columns"
        raise bad_request(f"You can't delete all the {what} on the sheet.")
    if dim == "ROWS":
        sheet.delete_rows(start, end)
    else:
        sheet.delete_cols(start, end)
    _move_sheet_ranges(txn, sheet, dim, start, -(end - start))
    shift_sheets(
        txn.sheets,
        sheet.title,
        dim == "ROWS",
        start,
        -(end - start),
        lambda s: txn.edit(s.sheet_id),
    )
    return {}


def _move_sheet_ranges(txn: Txn, sheet: Sheet, dim: str, at: int, n: int) -> None:
    """Named and protected ranges follow inserted (n > 0) or deleted (n < 0) rows/columns."""
    axis = "Row" if dim == "ROWS" else "Column"
    named = [
        nr["range"] for nr in txn.named_ranges if nr["range"].get("sheetId", 0) == sheet.sheet_id
    ]
    protected = [p["range"] for p in sheet.extras.get("protectedRanges", [])]
    for g in named + protected:
        if f"end{axis}Index" not in g:
            continue  # open-ended ranges stay open
        if n > 0:
            shift_ranges([g], axis, at, n)
        else:
            kept = cut_ranges([g], axis, at, at - n)
            if not kept:  # the whole range was deleted: it keeps one empty line, as a marker
                g[f"start{axis}Index"] = g[f"end{axis}Index"] = at


def update_dimension_properties(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet, dim, start, end = dimension_range(txn, req.get("range") or {})
    props = req.get("properties") or {}
    meta = sheet.row_meta if dim == "ROWS" else sheet.col_meta
    default = 21 if dim == "ROWS" else 100
    limit = sheet.row_count if dim == "ROWS" else sheet.col_count
    for i in range(start, min(end, limit)):
        current = meta.get(i) or {"pixelSize": default}
        apply_fields(current, props, req.get("fields"))
        current.setdefault("pixelSize", default)
        if current.get("hiddenByUser") is False:
            del current["hiddenByUser"]
        meta[i] = current
    return {}


def auto_resize_dimensions(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet, dim, start, end = dimension_range(txn, req.get("dimensions") or {})
    if dim == "COLUMNS":
        for c in range(start, min(end, sheet.col_count)):
            width = max(
                (
                    len(str(row[c]))
                    for row in sheet.rows.values()
                    if c < len(row) and row[c] is not None
                ),
                default=0,
            )
            sheet.col_meta[c] = {
                **(sheet.col_meta.get(c) or {}),
                "pixelSize": max(100, 7 * width + 10),
            }
    return {}


def add_dimension_group(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet, dim, start, end = dimension_range(txn, req.get("range") or {})
    key = "rowGroups" if dim == "ROWS" else "columnGroups"
    groups = sheet.extras.setdefault(key, [])
    depth = 1 + sum(
        1 for g in groups if g["range"]["startIndex"] <= start and end <= g["range"]["endIndex"]
    )
    groups.append(
        {"range": {"dimension": dim, "startIndex": start, "endIndex": end}, "depth": depth}
    )
    # Google moves the group's +/- control "after" the group when a group is added
    sheet.grid["rowGroupControlAfter" if dim == "ROWS" else "columnGroupControlAfter"] = True
    return {"addDimensionGroup": {"dimensionGroups": copy.deepcopy(groups)}}


def delete_dimension_group(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet, dim, start, end = dimension_range(txn, req.get("range") or {})
    key = "rowGroups" if dim == "ROWS" else "columnGroups"
    groups = sheet.extras.get(key) or []
    keep = [
        g
        for g in groups
        if not (g["range"]["startIndex"] == start and g["range"]["endIndex"] == end)
    ]
    if len(keep) == len(groups):
        raise bad_request("No dimension group matches the range.")
    if keep:
        sheet.extras[key] = keep
    else:
        sheet.extras.pop(key, None)
    return {"deleteDimensionGroup": {"dimensionGroups": copy.deepcopy(keep)} if keep else {}}
