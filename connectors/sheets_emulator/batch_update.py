"""``spreadsheets.batchUpdate``: structural and formatting requests, atomically.

Requests are applied in order to working copies (a sheet is cloned the first
time a request changes it); only when every request succeeded are the copies
swapped in, so one invalid request applies none, as at Google.  Errors name
the failing request: ``Invalid requests[1].deleteSheet: ...``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .a1 import Box, open_a1
from .cells import Cell
from .errors import ApiError, bad_request
from .metadata import MAX_CELLS
from .model import Sheet, Spreadsheet, cut_ranges, shift_ranges
from .parsing import parse_user_entered

Reply = dict[str, Any]


class Txn:
    """Working state of one batchUpdate."""

    def __init__(self, ss: Spreadsheet) -> None:
        self.ss = ss
        self.sheets: list[Sheet] = list(ss.sheets)
        self.cloned: set[int] = set()
        self.properties = copy.deepcopy(ss.properties)
        self.named_ranges = copy.deepcopy(ss.named_ranges)

    def find(self, sheet_id: Any) -> Sheet:
        if sheet_id is None:  # an omitted (or null) sheetId is sheet 0, as in protobuf
            sheet_id = 0
        for sh in self.sheets:
            if sh.sheet_id == sheet_id:
                return sh
        raise bad_request(f"No grid with id: {sheet_id}")

    def edit(self, sheet_id: Any) -> Sheet:
        """The working copy of a sheet, cloned on first change."""
        sheet = self.find(sheet_id)
        if sheet.sheet_id in self.cloned:
            return sheet
        clone = sheet.clone()
        self.sheets[self.sheets.index(sheet)] = clone
        self.cloned.add(clone.sheet_id)
        return clone

    def total_cells(self) -> int:
        return sum(sh.cell_count() for sh in self.sheets)

    def commit(self) -> None:
        for i, sh in enumerate(self.sheets):
            if sh.props.get("index") != i:
                sh.props["index"] = i
        self.ss.sheets = self.sheets
        self.ss.properties = self.properties
        self.ss.named_ranges = self.named_ranges
        self.ss.touch()


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def _int(d: dict[str, Any], key: str, default: int | None = None) -> int | None:
    v = d.get(key)
    if v is None:  # absent and JSON null mean the same: the default
        return default
    if isinstance(v, bool) or not isinstance(v, int | str):
        raise bad_request(f"Invalid value for {key}: {v!r}")
    try:
        return int(v)
    except ValueError:
        raise bad_request(f"Invalid value for {key}: {v!r}") from None


def grid_box(sheet: Sheet, g: dict[str, Any]) -> Box:
    """A GridRange as Google takes it: refused when it starts at or past the grid's
    last row or column, otherwise clipped to the grid (which is never grown)."""
    sr = _int(g, "startRowIndex", 0) or 0
    er = _int(g, "endRowIndex")
    sc = _int(g, "startColumnIndex", 0) or 0
    ec = _int(g, "endColumnIndex")
    if sr < 0 or sc < 0 or (er is not None and er < sr) or (ec is not None and ec < sc):
        raise bad_request("Invalid range: start index must be <= end index and >= 0")
    if (sr >= sheet.row_count and er != sr) or (sc >= sheet.col_count and ec != sc):
        raise bad_request(
            f"Range ({open_a1(sheet.title, sr, er, sc, ec)}) exceeds grid limits. Max rows: "
            f"{sheet.row_count}, max columns: {sheet.col_count}"
        )
    er = sheet.row_count if er is None else min(er, sheet.row_count)
    ec = sheet.col_count if ec is None else min(ec, sheet.col_count)
    return Box(sr, max(er, sr), sc, max(ec, sc))


def _public_range(g: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in g.items() if v is not None}
    if out.get("sheetId") == 0:
        del out["sheetId"]
    return out


def _dimension_range(txn: Txn, d: dict[str, Any], edit: bool = True) -> tuple[Sheet, str, int, int]:
    if not isinstance(d, dict):
        raise bad_request("range is required")
    sheet = txn.edit(d.get("sheetId", 0)) if edit else txn.find(d.get("sheetId", 0))
    dim = d.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise bad_request("dimension must be ROWS or COLUMNS")
    limit = sheet.row_count if dim == "ROWS" else sheet.col_count
    start = _int(d, "startIndex", 0) or 0
    end = _int(d, "endIndex", limit)
    assert end is not None
    if start < 0 or end <= start:
        raise bad_request("Invalid dimension range: startIndex must be less than endIndex")
    return sheet, dim, start, end


def _apply_fields(target: dict[str, Any], source: dict[str, Any], fields: str) -> None:
    """Copy ``fields`` (a field mask, ``*`` for all) from source into target."""
    if fields is None:
        raise bad_request("At least one field must be updated, but none were specified")
    fields = fields.strip()
    if fields in ("*", ""):
        if fields == "":
            raise bad_request("At least one field must be updated, but none were specified")
        for k, v in source.items():
            target[k] = copy.deepcopy(v)
        return
    from . import fieldmask

    mask = fieldmask.parse(fields) or {}
    _apply_mask(target, source, mask)


def _apply_mask(target: dict[str, Any], source: dict[str, Any], mask: dict[str, Any]) -> None:
    for key, sub in mask.items():
        if sub is None:
            if key in source and source[key] is not None and source[key] != {}:
                target[key] = copy.deepcopy(source[key])
            else:
                target.pop(key, None)
        else:
            nxt = target.setdefault(key, {})
            _apply_mask(nxt, source.get(key) or {}, sub)
            if not nxt:
                target.pop(key, None)


def _clean_props(props: dict[str, Any]) -> None:
    """Google omits defaults: ``hidden: false``, ``rightToLeft: false``..."""
    for key in ("hidden", "rightToLeft"):
        if props.get(key) is False:
            del props[key]
    grid = props.get("gridProperties", {})
    for key in ("frozenRowCount", "frozenColumnCount"):
        if grid.get(key) == 0:
            del grid[key]
    for key in ("hideGridlines", "rowGroupControlAfter", "columnGroupControlAfter"):
        if grid.get(key) is False:
            del grid[key]


# --------------------------------------------------------------------------
# requests
# --------------------------------------------------------------------------
def add_sheet(txn: Txn, req: dict[str, Any]) -> Reply:
    props = copy.deepcopy(req.get("properties") or {})
    title = props.get("title")
    if title is None:
        n = len(txn.sheets) + 1
        while any(sh.title == f"Sheet{n}" for sh in txn.sheets):
            n += 1
        title = f"Sheet{n}"
    if any(sh.title.lower() == str(title).lower() for sh in txn.sheets):
        raise bad_request(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = txn.ss.new_sheet_id()
        while any(sh.sheet_id == sheet_id for sh in txn.sheets):
            sheet_id = txn.ss.new_sheet_id()
    elif any(sh.sheet_id == sheet_id for sh in txn.sheets):
        raise bad_request(f"A sheet with the id {sheet_id} already exists.")
    grid = props.get("gridProperties") or {}
    rows = _int(grid, "rowCount", 1000) or 0
    cols = _int(grid, "columnCount", 26) or 0
    if rows < 1 or cols < 1:
        raise bad_request("The grid must have at least one row and one column.")
    if txn.total_cells() + rows * cols > MAX_CELLS:
        raise bad_request(
            "This action would increase the number of cells in the workbook above the limit of "
            "10000000 cells."
        )
    index = _int(props, "index", len(txn.sheets))
    index = max(0, min(index or 0, len(txn.sheets)))
    sheet = Sheet(sheet_id, str(title), index, rows, cols)
    for key, value in props.items():
        if key not in ("sheetId", "title", "index", "gridProperties"):
            sheet.props[key] = value
    for key, value in grid.items():
        if key not in ("rowCount", "columnCount"):
            sheet.grid[key] = value
    _clean_props(sheet.props)
    txn.sheets.insert(index, sheet)
    txn.cloned.add(sheet_id)
    for i, sh in enumerate(txn.sheets):
        if sh.props.get("index") != i:
            txn.edit(sh.sheet_id).props["index"] = i
    return {"addSheet": {"properties": copy.deepcopy(sheet.props)}}


def delete_sheet(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet = txn.find(req.get("sheetId"))
    if len(txn.sheets) == 1:
        raise bad_request("You can't remove all the sheets in a document.")
    txn.sheets.remove(sheet)
    txn.named_ranges = [
        nr for nr in txn.named_ranges if nr["range"].get("sheetId", 0) != sheet.sheet_id
    ]
    for i, sh in enumerate(txn.sheets):
        if sh.props.get("index") != i:
            txn.edit(sh.sheet_id).props["index"] = i
    return {}


def duplicate_sheet(txn: Txn, req: dict[str, Any]) -> Reply:
    source = txn.find(req.get("sourceSheetId"))
    clone = source.clone()
    new_id = req.get("newSheetId") or txn.ss.new_sheet_id()
    title = req.get("newSheetName") or f"Copy of {source.title}"
    if any(sh.title.lower() == title.lower() for sh in txn.sheets):
        raise bad_request(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    clone.props["sheetId"] = new_id
    clone.props["title"] = title
    for m in clone.merges:
        m["sheetId"] = new_id
    index = req.get("insertSheetIndex")
    if index is None:
        index = source.props["index"] + 1
    index = max(0, min(int(index), len(txn.sheets)))
    txn.sheets.insert(index, clone)
    txn.cloned.add(new_id)
    for i, sh in enumerate(txn.sheets):
        if sh.props.get("index") != i:
            txn.edit(sh.sheet_id).props["index"] = i
    return {"duplicateSheet": {"properties": copy.deepcopy(clone.props)}}


def update_sheet_properties(txn: Txn, req: dict[str, Any]) -> Reply:
    props = req.get("properties") or {}
    fields = req.get("fields")
    sheet = txn.edit(props.get("sheetId", 0))
    new = copy.deepcopy(sheet.props)
    _apply_fields(new, props, fields)
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
    _clean_props(new)
    if (rows, cols) != (sheet.row_count, sheet.col_count):
        if txn.total_cells() - sheet.cell_count() + rows * cols > MAX_CELLS:
            raise bad_request(
                "This action would increase the number of cells in the workbook above the limit of "
                "10000000 cells."
            )
        sheet.set_size(rows, cols)
    sheet.props = new
    sheet.grid["rowCount"], sheet.grid["columnCount"] = rows, cols
    if new_index != old_index:
        txn.sheets.remove(sheet)
        txn.sheets.insert(max(0, min(int(new_index), len(txn.sheets))), sheet)
        for i, sh in enumerate(txn.sheets):
            if sh.props.get("index") != i:
                txn.edit(sh.sheet_id).props["index"] = i
    return {}


def update_spreadsheet_properties(txn: Txn, req: dict[str, Any]) -> Reply:
    props = req.get("properties") or {}
    _apply_fields(txn.properties, props, req.get("fields"))
    if not txn.properties.get("title"):
        raise bad_request("Spreadsheet title must not be empty.")
    return {}


def append_dimension(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet = txn.edit(req.get("sheetId", 0))
    length = _int(req, "length", 0) or 0
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
        raise bad_request(
            "This action would increase the number of cells in the workbook above the limit of "
            "10000000 cells."
        )
    if dim == "ROWS":
        sheet.grid["rowCount"] = sheet.row_count + length
    else:
        sheet.grid["columnCount"] = sheet.col_count + length
    return {}


def insert_dimension(txn: Txn, req: dict[str, Any]) -> Reply:
    rng = req.get("range") or {}
    sheet = txn.edit(rng.get("sheetId", 0))
    dim = rng.get("dimension")
    start, end = _int(rng, "startIndex", 0) or 0, _int(rng, "endIndex", 0) or 0
    limit = sheet.row_count if dim == "ROWS" else sheet.col_count
    if dim not in ("ROWS", "COLUMNS") or start < 0 or end <= start or start > limit:
        raise bad_request("Invalid insertDimension range")
    if req.get("inheritFromBefore") and start == 0:
        raise bad_request("Cannot inherit from before when inserting at the start.")
    n = end - start
    added = n * (sheet.col_count if dim == "ROWS" else sheet.row_count)
    if txn.total_cells() + added > MAX_CELLS:
        raise bad_request(
            "This action would increase the number of cells in the workbook above the limit of "
            "10000000 cells."
        )
    if dim == "ROWS":
        sheet.insert_rows(start, n)
    else:
        sheet.insert_cols(start, n)
    _move_sheet_ranges(txn, sheet, dim, start, n)
    return {}


def delete_dimension(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet, dim, start, end = _dimension_range(txn, req.get("range") or {})
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
    sheet, dim, start, end = _dimension_range(txn, req.get("range") or {})
    props = req.get("properties") or {}
    meta = sheet.row_meta if dim == "ROWS" else sheet.col_meta
    default = 21 if dim == "ROWS" else 100
    limit = sheet.row_count if dim == "ROWS" else sheet.col_count
    for i in range(start, min(end, limit)):
        current = meta.get(i) or {"pixelSize": default}
        _apply_fields(current, props, req.get("fields"))
        current.setdefault("pixelSize", default)
        if current.get("hiddenByUser") is False:
            del current["hiddenByUser"]
        meta[i] = current
    return {}


def auto_resize_dimensions(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet, dim, start, end = _dimension_range(txn, req.get("dimensions") or {})
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


def _cell_from_data(data: dict[str, Any]) -> Any:
    uev = data.get("userEnteredValue")
    if uev is None:
        return None
    if not isinstance(uev, dict):
        raise bad_request("Invalid userEnteredValue")
    if "stringValue" in uev:
        return uev["stringValue"] or None
    if "numberValue" in uev:
        v = uev["numberValue"]
        return int(v) if isinstance(v, float) and v.is_integer() else v
    if "boolValue" in uev:
        return bool(uev["boolValue"])
    if "formulaValue" in uev:
        return parse_user_entered(uev["formulaValue"])
    return None


def _write_cell_data(sheet: Sheet, r: int, c: int, data: dict[str, Any], fields: str) -> None:
    from . import fieldmask

    mask = fieldmask.parse(fields)

    def want(name: str) -> bool:
        return mask is None or name in mask

    if want("userEnteredValue"):
        sheet.set(r, c, _cell_from_data(data))
    if want("userEnteredFormat"):
        fmt = data.get("userEnteredFormat")
        current = sheet.formats.get((r, c)) or {}
        sub = None if mask is None else mask.get("userEnteredFormat")
        if sub is None:
            current = copy.deepcopy(fmt) if fmt else {}
        else:
            _apply_mask(current, fmt or {}, sub)
        if current:
            _add_color_styles(current)
            sheet.formats[(r, c)] = current
        else:
            sheet.formats.pop((r, c), None)
    if want("note"):
        note = data.get("note")
        if note:
            sheet.notes[(r, c)] = str(note)
        else:
            sheet.notes.pop((r, c), None)
    if want("dataValidation"):
        rule = data.get("dataValidation")
        if rule:
            sheet.validations[(r, c)] = copy.deepcopy(rule)
        else:
            sheet.validations.pop((r, c), None)


def _add_color_styles(fmt: dict[str, Any]) -> None:
    """Google mirrors each colour into its ``...ColorStyle`` twin."""
    for holder in (fmt, fmt.get("textFormat") or {}):
        for key in ("backgroundColor", "foregroundColor"):
            if key in holder and isinstance(holder[key], dict):
                holder.setdefault(key + "Style", {"rgbColor": copy.deepcopy(holder[key])})
    borders = fmt.get("borders") or {}
    for side in borders.values():
        if isinstance(side, dict) and isinstance(side.get("color"), dict):
            side.setdefault("colorStyle", {"rgbColor": copy.deepcopy(side["color"])})


def update_cells(txn: Txn, req: dict[str, Any]) -> Reply:
    fields = req.get("fields")
    if not fields:
        raise bad_request("At least one field must be updated, but none were specified")
    rows = req.get("rows") or []
    if "start" in req:
        start = req["start"] or {}
        sheet = txn.edit(start.get("sheetId", 0))
        r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
        height = len(rows)
        width = max((len(r.get("values") or []) for r in rows), default=0)
        box = Box(r0, r0 + height, c0, c0 + width)
        if box.end_row > sheet.row_count or box.end_col > sheet.col_count:
            raise bad_request(
                f"Range exceeds grid limits. Max rows: {sheet.row_count}, "
                f"max columns: {sheet.col_count}"
            )
    elif "range" in req:
        g = req["range"] or {}
        sheet = txn.edit(g.get("sheetId", 0))
        box = grid_box(sheet, g)
    else:
        raise bad_request("Either start or range must be set")
    for i, r in enumerate(range(box.start_row, box.end_row)):
        row = rows[i] if i < len(rows) else {}
        values = row.get("values") or []
        for j, c in enumerate(range(box.start_col, box.end_col)):
            data = values[j] if j < len(values) else {}
            _write_cell_data(sheet, r, c, data or {}, fields)
    return {}


def repeat_cell(txn: Txn, req: dict[str, Any]) -> Reply:
    g = req.get("range") or {}
    sheet = txn.edit(g.get("sheetId", 0))
    box = grid_box(sheet, g)
    fields = req.get("fields")
    if not fields:
        raise bad_request("At least one field must be updated, but none were specified")
    data = req.get("cell") or {}
    for r in range(box.start_row, box.end_row):
        for c in range(box.start_col, box.end_col):
            _write_cell_data(sheet, r, c, data, fields)
    return {}


def _sort_key(ss: Spreadsheet, sheet: Sheet, v: Any) -> tuple[int, Any]:
    if isinstance(v, Cell):
        v = ss.evaluate(v, sheet.title) if v.formula is not None else v.value
    if v is None or v == "":
        return (3, 0)
    if isinstance(v, bool):
        return (2, v)
    if isinstance(v, int | float):
        return (0, v)
    return (1, str(v).lower())


def sort_range(txn: Txn, req: dict[str, Any]) -> Reply:
    g = req.get("range") or {}
    sheet = txn.edit(g.get("sheetId", 0))
    box = grid_box(sheet, g)
    specs = req.get("sortSpecs") or [{"dimensionIndex": box.start_col, "sortOrder": "ASCENDING"}]
    rows = [
        [sheet.get(r, c) for c in range(box.start_col, box.end_col)]
        for r in range(box.start_row, box.end_row)
    ]
    for spec in reversed(specs):
        col = spec.get("dimensionIndex", box.start_col) - box.start_col
        if not 0 <= col < box.cols:
            raise bad_request("sortSpecs dimensionIndex is outside the range")
        desc = spec.get("sortOrder") == "DESCENDING"
        filled = [row for row in rows if _sort_key(txn.ss, sheet, row[col])[0] != 3]
        empty = [row for row in rows if _sort_key(txn.ss, sheet, row[col])[0] == 3]
        filled.sort(key=lambda row, col=col: _sort_key(txn.ss, sheet, row[col]), reverse=desc)
        rows = filled + empty
    for i, r in enumerate(range(box.start_row, box.end_row)):
        for j, c in enumerate(range(box.start_col, box.end_col)):
            sheet.set(r, c, rows[i][j])
    return {}


def add_named_range(txn: Txn, req: dict[str, Any]) -> Reply:
    nr = copy.deepcopy(req.get("namedRange") or {})
    name = nr.get("name")
    if not name or not isinstance(name, str):
        raise bad_request("Named range name is required.")
    if any(x["name"].lower() == name.lower() for x in txn.named_ranges):
        raise bad_request(f"Named range with name {name} already exists.")
    g = nr.get("range") or {}
    sheet = txn.find(g.get("sheetId", 0))
    grid_box(sheet, g)
    nr["namedRangeId"] = nr.get("namedRangeId") or str(txn.ss.new_sheet_id())
    stored = {
        "namedRangeId": nr["namedRangeId"],
        "name": name,
        "range": {k: v for k, v in g.items() if v is not None},
    }
    txn.named_ranges.append(stored)
    return {"addNamedRange": {"namedRange": dict(stored, range=_public_range(stored["range"]))}}


def delete_named_range(txn: Txn, req: dict[str, Any]) -> Reply:
    rid = req.get("namedRangeId")
    before = len(txn.named_ranges)
    txn.named_ranges = [nr for nr in txn.named_ranges if nr["namedRangeId"] != rid]
    if len(txn.named_ranges) == before:
        raise bad_request(f"No named range with id {rid}.")
    return {}


def update_named_range(txn: Txn, req: dict[str, Any]) -> Reply:
    new = req.get("namedRange") or {}
    for nr in txn.named_ranges:
        if nr["namedRangeId"] == new.get("namedRangeId"):
            _apply_fields(nr, new, req.get("fields"))
            return {}
    raise bad_request(f"No named range with id {new.get('namedRangeId')}.")


def merge_cells(txn: Txn, req: dict[str, Any]) -> Reply:
    g = req.get("range") or {}
    sheet = txn.edit(g.get("sheetId", 0))
    box = grid_box(sheet, g)
    kind = req.get("mergeType", "MERGE_ALL")
    if kind == "MERGE_ALL":
        pieces = [box]
    elif kind == "MERGE_ROWS":
        pieces = [
            Box(r, r + 1, box.start_col, box.end_col) for r in range(box.start_row, box.end_row)
        ]
    elif kind == "MERGE_COLUMNS":
        pieces = [
            Box(box.start_row, box.end_row, c, c + 1) for c in range(box.start_col, box.end_col)
        ]
    else:
        raise bad_request(f"Invalid mergeType: {kind}")
    for p in pieces:
        for m in list(sheet.merges):
            old = _merge_box(m)
            if _overlaps(p, old):
                inside = (
                    p.start_row <= old.start_row
                    and old.end_row <= p.end_row
                    and p.start_col <= old.start_col
                    and old.end_col <= p.end_col
                )
                if not inside:
                    raise bad_request(
                        "You can't merge cells that partially overlap an existing merge."
                    )
                sheet.merges.remove(m)  # a larger merge replaces the ones it covers
        for r in range(p.start_row, p.end_row):
            for c in range(p.start_col, p.end_col):
                if (r, c) != (p.start_row, p.start_col):
                    sheet.set(r, c, None)
        sheet.merges.append(
            {
                "sheetId": sheet.sheet_id,
                "startRowIndex": p.start_row,
                "endRowIndex": p.end_row,
                "startColumnIndex": p.start_col,
                "endColumnIndex": p.end_col,
            }
        )
    return {}


def _merge_box(m: dict[str, Any]) -> Box:
    return Box(
        m.get("startRowIndex", 0),
        m["endRowIndex"],
        m.get("startColumnIndex", 0),
        m["endColumnIndex"],
    )


def _overlaps(a: Box, b: Box) -> bool:
    return (
        a.start_row < b.end_row
        and b.start_row < a.end_row
        and a.start_col < b.end_col
        and b.start_col < a.end_col
    )


def unmerge_cells(txn: Txn, req: dict[str, Any]) -> Reply:
    g = req.get("range") or {}
    sheet = txn.edit(g.get("sheetId", 0))
    box = grid_box(sheet, g)
    sheet.merges = [m for m in sheet.merges if not _overlaps(box, _merge_box(m))]
    return {}


def set_data_validation(txn: Txn, req: dict[str, Any]) -> Reply:
    g = req.get("range") or {}
    sheet = txn.edit(g.get("sheetId", 0))
    box = grid_box(sheet, g)
    rule = req.get("rule")
    for r in range(box.start_row, box.end_row):
        for c in range(box.start_col, box.end_col):
            if rule:
                sheet.validations[(r, c)] = copy.deepcopy(rule)
            else:
                sheet.validations.pop((r, c), None)
    return {}


def add_protected_range(txn: Txn, req: dict[str, Any]) -> Reply:
    pr = {k: v for k, v in copy.deepcopy(req.get("protectedRange") or {}).items() if v is not None}
    g = pr.get("range") or {}
    sheet = txn.edit(g.get("sheetId", 0))
    grid_box(sheet, g)
    pr["protectedRangeId"] = pr.get("protectedRangeId") or txn.ss.new_sheet_id()
    pr["range"] = _public_range(g)
    pr["requestingUserCanEdit"] = True
    pr.setdefault("editors", {})
    if pr.get("warningOnly") is False:
        del pr["warningOnly"]
    ordered = {"protectedRangeId": pr.pop("protectedRangeId"), "range": pr.pop("range")}
    ordered.update(pr)
    if not ordered.get("editors"):
        ordered["editors"] = {}
    if isinstance(ordered.get("editors"), dict):
        ordered["editors"] = {k: v for k, v in ordered["editors"].items() if v}
    sheet.extras.setdefault("protectedRanges", []).append(ordered)
    return {"addProtectedRange": {"protectedRange": copy.deepcopy(ordered)}}


def delete_protected_range(txn: Txn, req: dict[str, Any]) -> Reply:
    rid = req.get("protectedRangeId")
    for sh in txn.sheets:
        prs = sh.extras.get("protectedRanges") or []
        if any(p["protectedRangeId"] == rid for p in prs):
            sheet = txn.edit(sh.sheet_id)
            sheet.extras["protectedRanges"] = [p for p in prs if p["protectedRangeId"] != rid]
            if not sheet.extras["protectedRanges"]:
                del sheet.extras["protectedRanges"]
            return {}
    raise bad_request(f"No protected range with id: {rid}")


def _copy_block(
    sheet_from: Sheet, box: Box, sheet_to: Sheet, r0: int, c0: int, values_only: bool = False
) -> None:
    block = [
        [sheet_from.get(r, c) for c in range(box.start_col, box.end_col)]
        for r in range(box.start_row, box.end_row)
    ]
    fmts = {
        (r - box.start_row, c - box.start_col): copy.deepcopy(f)
        for (r, c), f in sheet_from.formats.items()
        if box.start_row <= r < box.end_row and box.start_col <= c < box.end_col
    }
    for i, row in enumerate(block):
        for j, v in enumerate(row):
            if r0 + i < sheet_to.row_count and c0 + j < sheet_to.col_count:
                sheet_to.set(r0 + i, c0 + j, v)
    if not values_only:
        for (i, j), f in fmts.items():
            sheet_to.formats[(r0 + i, c0 + j)] = f


def copy_paste(txn: Txn, req: dict[str, Any]) -> Reply:
    src_g, dst_g = req.get("source") or {}, req.get("destination") or {}
    src = txn.find(src_g.get("sheetId", 0))
    box = grid_box(src, src_g)
    dst = txn.edit(dst_g.get("sheetId", 0))
    dbox = grid_box(dst, dst_g)
    values_only = req.get("pasteType") == "PASTE_VALUES"
    src = txn.find(src_g.get("sheetId", 0))
    for r in range(dbox.start_row, dbox.end_row, max(box.rows, 1)):
        for c in range(dbox.start_col, dbox.end_col, max(box.cols, 1)):
            _copy_block(src, box, dst, r, c, values_only)
    return {}


def cut_paste(txn: Txn, req: dict[str, Any]) -> Reply:
    src_g, dest = req.get("source") or {}, req.get("destination") or {}
    src = txn.edit(src_g.get("sheetId", 0))
    box = grid_box(src, src_g)
    dst = txn.edit(dest.get("sheetId", 0))
    snapshot = src.clone()
    src.clear_box(box)
    for key in [
        k
        for k in src.formats
        if box.start_row <= k[0] < box.end_row and box.start_col <= k[1] < box.end_col
    ]:
        del src.formats[key]
    _copy_block(snapshot, box, dst, dest.get("rowIndex", 0), dest.get("columnIndex", 0))
    return {}


def find_replace(txn: Txn, req: dict[str, Any]) -> Reply:
    find = req.get("find")
    if not find:
        raise bad_request("find must be set")
    repl = req.get("replacement", "")
    match_case = req.get("matchCase", False)
    if req.get("allSheets"):
        targets = [sh.sheet_id for sh in txn.sheets]
    elif "sheetId" in req:
        targets = [req["sheetId"]]
    elif "range" in req:
        targets = [req["range"].get("sheetId", 0)]
    else:
        raise bad_request("One of range, sheetId or allSheets must be set")
    changed_cells = occurrences = 0
    sheets_changed = set()
    for sid in targets:
        sheet = txn.edit(sid)
        for row in sheet.rows.values():
            for c, v in enumerate(row):
                if isinstance(v, str):
                    hay = v if match_case else v.lower()
                    needle = find if match_case else find.lower()
                    n = hay.count(needle)
                    if n:
                        if match_case:
                            row[c] = v.replace(find, repl)
                        else:
                            import re as _re

                            row[c] = _re.sub(
                                _re.escape(find), repl.replace("\\", "\\\\"), v, flags=_re.I
                            )
                        changed_cells += 1
                        occurrences += n
                        sheets_changed.add(sid)
    out: dict[str, Any] = {}
    if changed_cells:
        out = {
            "valuesChanged": changed_cells,
            "occurrencesChanged": occurrences,
            "sheetsChanged": len(sheets_changed),
        }
    return {"findReplace": out}


def add_dimension_group(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet, dim, start, end = _dimension_range(txn, req.get("range") or {})
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
    sheet, dim, start, end = _dimension_range(txn, req.get("range") or {})
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


def set_basic_filter(txn: Txn, req: dict[str, Any]) -> Reply:
    flt = copy.deepcopy(req.get("filter") or {})
    g = flt.get("range") or {}
    sheet = txn.edit(g.get("sheetId", 0))
    grid_box(sheet, g)
    flt["range"] = _public_range(g)
    sheet.extras["basicFilter"] = flt
    return {}


def clear_basic_filter(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet = txn.edit(req.get("sheetId", 0))
    sheet.extras.pop("basicFilter", None)
    return {}


def _noop(txn: Txn, req: dict[str, Any]) -> Reply:
    """Formatting-only requests the emulator accepts without modelling."""
    g = req.get("range")
    if isinstance(g, dict):
        grid_box(txn.find(g.get("sheetId", 0)), g)
    return {}


HANDLERS: dict[str, Callable[[Txn, dict[str, Any]], Reply]] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "duplicateSheet": duplicate_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "appendDimension": append_dimension,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "updateDimensionProperties": update_dimension_properties,
    "autoResizeDimensions": auto_resize_dimensions,
    "updateCells": update_cells,
    "repeatCell": repeat_cell,
    "sortRange": sort_range,
    "addNamedRange": add_named_range,
    "deleteNamedRange": delete_named_range,
    "updateNamedRange": update_named_range,
    "mergeCells": merge_cells,
    "unmergeCells": unmerge_cells,
    "setDataValidation": set_data_validation,
    "addProtectedRange": add_protected_range,
    "deleteProtectedRange": delete_protected_range,
    "copyPaste": copy_paste,
    "cutPaste": cut_paste,
    "findReplace": find_replace,
    "addDimensionGroup": add_dimension_group,
    "deleteDimensionGroup": delete_dimension_group,
    "setBasicFilter": set_basic_filter,
    "clearBasicFilter": clear_basic_filter,
    "updateBorders": _noop,
    "addConditionalFormatRule": _noop,
}


def batch_update(ss: Spreadsheet, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("Invalid JSON payload received. Expected an object.")
    allowed = {
        "requests",
        "includeSpreadsheetInResponse",
        "responseRanges",
        "responseIncludeGridData",
    }
    for key in body:
        if key not in allowed:
            raise bad_request(
                f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.'
            )
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests:
        raise bad_request("Must specify at least one request.")
    txn = Txn(ss)
    replies = []
    for i, req in enumerate(requests):
        if not isinstance(req, dict) or len(req) != 1:
            raise bad_request(f"Invalid requests[{i}]: exactly one kind of request must be set.")
        kind, payload = next(iter(req.items()))
        handler = HANDLERS.get(kind)
        if handler is None:
            raise bad_request(
                f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{i}]': "
                "Cannot find field."
            )
        if not isinstance(payload, dict):
            raise bad_request(f"Invalid requests[{i}].{kind}: expected an object.")
        try:
            replies.append(handler(txn, payload))
        except ApiError as exc:
            raise ApiError(
                exc.code, f"Invalid requests[{i}].{kind}: {exc.message}", exc.status
            ) from None
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise bad_request(f"Invalid requests[{i}].{kind}: {exc}") from None
    txn.commit()
    out: dict[str, Any] = {"spreadsheetId": ss.id, "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        from .sheets_api import spreadsheet_json

        out["updatedSpreadsheet"] = spreadsheet_json(ss)
    return out
