"""``spreadsheets.get``: metadata in Google's shape.

``includeGridData`` (``true``/``True``/``false``/``False``), ``ranges`` and
``fields`` masks are honoured; grid data is built only when asked for, since
it is large.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from . import fieldmask
from .a1 import Box, clamp
from .cells import Cell
from .errors import bad_request
from .metadata import (
    DEFAULT_PIXEL_COL,
    DEFAULT_PIXEL_ROW,
    spreadsheet_url,
)
from .model import Sheet, Spreadsheet
from .rendering import FORMATTED, render

_ERROR_TYPES = {
    "#NAME?": ("NAME", "Unknown function."),
    "#DIV/0!": ("DIVIDE_BY_ZERO", "Function DIVIDE parameter 2 cannot be zero."),
    "#VALUE!": ("VALUE", "A value has the wrong type."),
    "#REF!": ("REF", "Reference does not exist."),
    "#ERROR!": ("ERROR", "Formula parse error."),
    "#N/A": ("N_A", "Wrong number of arguments."),
    "#NUM!": ("NUM", "Number out of range."),
}


def parse_bool(value: Any, name: str) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise bad_request(f"Invalid value at '{name}' (TYPE_BOOL), \"{value}\"")


def _typed(v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int | float):
        return {"numberValue": v}
    if isinstance(v, str) and v.startswith("#") and v in _ERROR_TYPES:
        kind, message = _ERROR_TYPES[v]
        return {"errorValue": {"type": kind, "message": message}}
    return {"stringValue": "" if v is None else str(v)}


_VALUE_KEYS = frozenset({"userEnteredValue", "effectiveValue", "formattedValue"})


@dataclass(frozen=True)
class CellParts:
    """Which parts of a CellData a ``fields`` mask selects, decided once per read
    (not per cell: a notes-only read of a 100,000-row tab asks two million cells)."""

    values: bool
    fmt: bool
    note: bool
    rule: bool

    @classmethod
    def of(cls, keys: frozenset[str] | None) -> CellParts:
        def wanted(*names: str) -> bool:
            return keys is None or any(n in keys for n in names)

        return cls(
            values=wanted(*_VALUE_KEYS),
            fmt=wanted("userEnteredFormat"),
            note=wanted("note"),
            rule=wanted("dataValidation"),
        )


def cell_data(ss: Spreadsheet, sheet: Sheet, r: int, c: int, parts: CellParts) -> dict[str, Any]:
    """One CellData (the parts the emulator models); ``parts``: only the CellData
    fields a ``fields`` mask selects, so a notes-only read of a large grid neither
    renders values nor copies validation rules."""
    # a number format lives with the value, so the format needs the cell too
    v = sheet.get(r, c) if parts.values or parts.fmt else None
    out: dict[str, Any] = {}
    if v is not None and parts.values:
        if isinstance(v, Cell) and v.formula is not None:
            out["userEnteredValue"] = {"formulaValue": v.formula}
            eff = ss.evaluate(v, sheet.title)
        else:
            eff = v.value if isinstance(v, Cell) else v
            out["userEnteredValue"] = _typed(eff)
        out["effectiveValue"] = _typed(eff)
        out["formattedValue"] = render(
            v, FORMATTED, "FORMATTED_STRING", lambda x: ss.evaluate(x, sheet.title), ss.conv
        )
    if parts.fmt:
        fmt = copy.deepcopy(sheet.formats.get((r, c))) or {}
        if isinstance(v, Cell) and v.fmt is not None:
            fmt.setdefault("numberFormat", {"type": v.fmt[0], "pattern": v.fmt[1]})
        if fmt:
            out["userEnteredFormat"] = fmt
    note = sheet.notes.get((r, c)) if parts.note else None
    if note:
        out["note"] = note
    rule = sheet.validations.get((r, c)) if parts.rule else None
    if rule:
        out["dataValidation"] = copy.deepcopy(rule)
    return out


def _row_cells(
    ss: Spreadsheet, sheet: Sheet, r: int, box: Box, parts: CellParts
) -> list[dict[str, Any]]:
    """One row's CellData in ``box``, trailing empty ones dropped (as Google does).
    When no value is asked for, only the cells that have a format, a note or a
    rule are built; every other cell is ``{}``."""
    if parts.values:
        vals = [cell_data(ss, sheet, r, c, parts) for c in range(box.start_col, box.end_col)]
    else:
        vals = [
            cell_data(ss, sheet, r, c, parts) if _has_parts(sheet, r, c, parts) else {}
            for c in range(box.start_col, box.end_col)
        ]
    while vals and not vals[-1]:
        vals.pop()
    return vals


def _has_parts(sheet: Sheet, r: int, c: int, parts: CellParts) -> bool:
    """Whether cell (r, c) has anything but its value that ``parts`` asks for."""
    if parts.fmt:
        if (r, c) in sheet.formats:
            return True
        v = sheet.get(r, c)
        if isinstance(v, Cell) and v.fmt is not None:
            return True
    return (parts.note and (r, c) in sheet.notes) or (parts.rule and (r, c) in sheet.validations)


def grid_data(
    ss: Spreadsheet, sheet: Sheet, box: Box, keys: frozenset[str] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if box.start_row:
        out["startRow"] = box.start_row
    if box.start_col:
        out["startColumn"] = box.start_col
    parts = CellParts.of(keys)
    rows = []
    for r in range(box.start_row, box.end_row):
        vals = _row_cells(ss, sheet, r, box, parts)
        rows.append({"values": vals} if vals else {})
    while rows and not rows[-1]:
        rows.pop()
    if rows:
        out["rowData"] = rows
    out["rowMetadata"] = [
        sheet.row_meta.get(r) or {"pixelSize": DEFAULT_PIXEL_ROW}
        for r in range(box.start_row, box.end_row)
    ]
    out["columnMetadata"] = [
        sheet.col_meta.get(c) or {"pixelSize": DEFAULT_PIXEL_COL}
        for c in range(box.start_col, box.end_col)
    ]
    return out


def _strip_sheet_id_zero(g: dict[str, Any]) -> dict[str, Any]:
    out = dict(g)
    if out.get("sheetId") == 0:
        del out["sheetId"]
    return out


def sheet_json(
    ss: Spreadsheet,
    sheet: Sheet,
    boxes: list[Box] | None,
    with_data: bool,
    keys: frozenset[str] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"properties": copy.deepcopy(sheet.props)}
    if sheet.merges:
        out["merges"] = [_strip_sheet_id_zero(m) for m in sheet.merges]
    for key in ("protectedRanges", "rowGroups", "columnGroups"):
        if sheet.extras.get(key):
            out[key] = copy.deepcopy(sheet.extras[key])
    if with_data:
        if boxes is None:
            boxes = [Box(0, sheet.row_count, 0, sheet.col_count)]
        out["data"] = [grid_data(ss, sheet, b, keys) for b in boxes]
    return out


def _cell_keys(mask: fieldmask.Mask | None) -> frozenset[str] | None:
    """The CellData fields ``mask`` selects, or None for all of them."""
    node: Any = mask
    for part in ("sheets", "data", "rowData", "values"):
        if node is None or "*" in node:
            return None
        node = node.get(part, {})
    return None if node is None or "*" in node else frozenset(node)


def spreadsheet_json(
    ss: Spreadsheet,
    *,
    include_grid_data: bool = False,
    ranges: list[str] | None = None,
    mask: fieldmask.Mask | None = None,
) -> dict[str, Any]:
    with_data = include_grid_data or (mask is not None and fieldmask.wants(mask, "sheets", "data"))
    if mask is not None and "sheets" in mask and mask["sheets"] is None and not include_grid_data:
        with_data = False
    per_sheet: dict[int, list[Box]] | None = None
    if ranges:
        per_sheet = {}
        for text in ranges:
            sheet, ref = ss.resolve(text)
            per_sheet.setdefault(sheet.sheet_id, []).append(
                clamp(ref, sheet.row_count, sheet.col_count)
            )
    sheets = []
    for sheet in ss.sheets:
        if per_sheet is not None and sheet.sheet_id not in per_sheet:
            continue
        boxes = per_sheet.get(sheet.sheet_id) if per_sheet is not None else None
        sheets.append(sheet_json(ss, sheet, boxes, with_data, _cell_keys(mask)))
    out: dict[str, Any] = {
        "spreadsheetId": ss.id,
        "properties": copy.deepcopy(ss.properties),
        "sheets": sheets,
    }
    if ss.named_ranges:
        out["namedRanges"] = [
            dict(nr, range=_strip_sheet_id_zero(nr["range"]))
            for nr in copy.deepcopy(ss.named_ranges)
        ]
    out["spreadsheetUrl"] = spreadsheet_url(ss.id)
    if mask is not None:
        out = fieldmask.apply(out, mask)
    return out


def get(ss: Spreadsheet, params: dict[str, Any]) -> dict[str, Any]:
    include = parse_bool(params.get("includeGridData"), "include_grid_data")
    ranges = params.get("ranges")
    if isinstance(ranges, str):
        ranges = [ranges]
    mask = fieldmask.parse(params.get("fields") or "")
    return spreadsheet_json(ss, include_grid_data=include, ranges=ranges or None, mask=mask)
