"""batchUpdate requests on cells: values, formats, notes, validation, merges,
sorting and copy/cut-paste."""

from __future__ import annotations

import copy
import functools
from typing import Any

from . import fieldmask
from .a1 import Box
from .cells import Cell
from .errors import bad_request
from .model import Sheet, Spreadsheet
from .parsing import parse_user_entered
from .txn import Reply, Txn, apply_mask, grid_box


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


def _write_cell_data(
    sheet: Sheet, r: int, c: int, data: dict[str, Any], mask: fieldmask.Mask | None
) -> None:
    """Write the parts of ``data`` the (parsed) field mask names into one cell."""

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
            apply_mask(current, fmt or {}, sub)
            _drop_stale_styles(current, sub)
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


def _drop_stale_styles(fmt: dict[str, Any], mask: dict[str, Any]) -> None:
    """A colour set or cleared through the mask takes its ``...ColorStyle`` twin
    with it (Google keeps the two the same); the twin is rebuilt from the colour."""
    holders = [(fmt, mask)]
    text_mask = mask.get("textFormat")
    if isinstance(text_mask, dict) and isinstance(fmt.get("textFormat"), dict):
        holders.append((fmt["textFormat"], text_mask))
    for holder, sub in holders:
        for key in ("backgroundColor", "foregroundColor"):
            if key in sub and key + "Style" not in sub:
                holder.pop(key + "Style", None)


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
        sheet, box = _edited_range(txn, req)
    else:
        raise bad_request("Either start or range must be set")
    mask = fieldmask.parse(fields)
    for i, r in enumerate(range(box.start_row, box.end_row)):
        row = rows[i] if i < len(rows) else {}
        values = row.get("values") or []
        for j, c in enumerate(range(box.start_col, box.end_col)):
            data = values[j] if j < len(values) else {}
            _write_cell_data(sheet, r, c, data or {}, mask)
    return {}


def _edited_range(txn: Txn, req: dict[str, Any]) -> tuple[Sheet, Box]:
    """The working copy of the sheet a request's ``range`` names, and the range
    on it (the whole sheet where the range gives no bounds)."""
    g = req.get("range") or {}
    sheet = txn.edit(g.get("sheetId", 0))
    return sheet, grid_box(sheet, g)


def repeat_cell(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet, box = _edited_range(txn, req)
    fields = req.get("fields")
    if not fields:
        raise bad_request("At least one field must be updated, but none were specified")
    data = req.get("cell") or {}
    mask = fieldmask.parse(fields)
    for r in range(box.start_row, box.end_row):
        for c in range(box.start_col, box.end_col):
            _write_cell_data(sheet, r, c, data, mask)
    return {}


def _row_key(ss: Spreadsheet, sheet: Sheet, col: int, row: list[Any]) -> tuple[int, Any]:
    """The sort key of ``row`` by its value in column ``col``."""
    return _sort_key(ss, sheet, row[col])


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
    sheet, box = _edited_range(txn, req)
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
        filled.sort(key=functools.partial(_row_key, txn.ss, sheet, col), reverse=desc)
        rows = filled + empty
    for i, r in enumerate(range(box.start_row, box.end_row)):
        for j, c in enumerate(range(box.start_col, box.end_col)):
            sheet.set(r, c, rows[i][j])
    return {}


def merge_cells(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet, box = _edited_range(txn, req)
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
    sheet, box = _edited_range(txn, req)
    sheet.merges = [m for m in sheet.merges if not _overlaps(box, _merge_box(m))]
    return {}


def set_data_validation(txn: Txn, req: dict[str, Any]) -> Reply:
    sheet, box = _edited_range(txn, req)
    # one rule object for the whole range: a rule is never changed in place, and a
    # list column's rule on a 10,000-row grid would otherwise be 10,000 copies
    rule = copy.deepcopy(req.get("rule"))
    for r in range(box.start_row, box.end_row):
        for c in range(box.start_col, box.end_col):
            if rule:
                sheet.validations[(r, c)] = rule
            else:
                sheet.validations.pop((r, c), None)
    return {}


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
