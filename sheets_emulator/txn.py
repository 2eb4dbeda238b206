"""The working state of one ``spreadsheets.batchUpdate``, and helpers its requests share.

Requests change working copies (a sheet is cloned the first time a request
changes it); :meth:`Txn.commit` swaps them in only when every request of the
batch succeeded, so one invalid request applies none, as at Google.
"""

from __future__ import annotations

import copy
from typing import Any

from . import fieldmask
from .a1 import Box, open_a1
from .errors import bad_request
from .model import Sheet, Spreadsheet

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

    def insert(self, index: int, sheet: Sheet) -> None:
        """Add a new sheet (already this transaction's own) at ``index``."""
        self.sheets.insert(index, sheet)
        self.cloned.add(sheet.sheet_id)
        self.renumber()

    def renumber(self) -> None:
        """Give each sheet its position as its index, after one was added,
        removed or moved (a working copy for each sheet whose index changes)."""
        for i, sh in enumerate(self.sheets):
            if sh.props.get("index") != i:
                self.edit(sh.sheet_id).props["index"] = i

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


def int_field(d: dict[str, Any], key: str, default: int | None = None) -> int | None:
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
    sr = int_field(g, "startRowIndex", 0) or 0
    er = int_field(g, "endRowIndex")
    sc = int_field(g, "startColumnIndex", 0) or 0
    ec = int_field(g, "endColumnIndex")
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


def public_range(g: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in g.items() if v is not None}
    if out.get("sheetId") == 0:
        del out["sheetId"]
    return out


def dimension_range(txn: Txn, d: dict[str, Any], edit: bool = True) -> tuple[Sheet, str, int, int]:
    if not isinstance(d, dict):
        raise bad_request("range is required")
    sheet = txn.edit(d.get("sheetId", 0)) if edit else txn.find(d.get("sheetId", 0))
    dim = d.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise bad_request("dimension must be ROWS or COLUMNS")
    limit = sheet.row_count if dim == "ROWS" else sheet.col_count
    start = int_field(d, "startIndex", 0) or 0
    end = int_field(d, "endIndex", limit)
    assert end is not None
    if start < 0 or end <= start:
        raise bad_request("Invalid dimension range: startIndex must be less than endIndex")
    return sheet, dim, start, end


def apply_fields(target: dict[str, Any], source: dict[str, Any], fields: str | None) -> None:
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
    mask = fieldmask.parse(fields) or {}
    apply_mask(target, source, mask)


def apply_mask(target: dict[str, Any], source: dict[str, Any], mask: dict[str, Any]) -> None:
    for key, sub in mask.items():
        if sub is None:
            if key in source and source[key] is not None and source[key] != {}:
                target[key] = copy.deepcopy(source[key])
            else:
                target.pop(key, None)
        else:
            nxt = target.setdefault(key, {})
            apply_mask(nxt, source.get(key) or {}, sub)
            if not nxt:
                target.pop(key, None)


def clean_props(props: dict[str, Any]) -> None:
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
