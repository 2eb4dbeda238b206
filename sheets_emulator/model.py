"""In-memory spreadsheets: sheets as sparse rows of compact cells.

A sheet keeps ``rows: dict[row_index, list[cell]]`` (see :mod:`.cells`), so
memory grows with the cells that hold data, not with the grid size, and a row
is one Python list.  Formats, notes and validation rules are sparse dicts
keyed by ``(row, col)``, used only where set.
"""

from __future__ import annotations

import copy
import secrets
import string
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from . import formulas
from .a1 import Box, Ref, clamp, looks_like_cells, parse_cells, split_sheet
from .cells import Cell
from .errors import ApiError, bad_request
from .locales import Conventions, conventions
from .metadata import DEFAULT_COLS, DEFAULT_ROWS, default_properties

_ID_ALPHABET = string.ascii_letters + string.digits + "-_"


def new_spreadsheet_id() -> str:
    """A 44-character id shaped like Google's."""
    return "1" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(43))


def new_sheet_id() -> int:
    return secrets.randbelow(2**31 - 2) + 1


def now_rfc3339() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


def later_rfc3339(stamp: str) -> str:
    """One millisecond after ``stamp`` (as written by :func:`now_rfc3339`)."""
    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ") + timedelta(milliseconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Sheet:
    """One tab: properties plus sparse cell storage."""

    __slots__ = (
        "col_meta",
        "extras",
        "formats",
        "has_formulas",
        "merges",
        "notes",
        "props",
        "row_meta",
        "rows",
        "validations",
    )

    def __init__(
        self,
        sheet_id: int,
        title: str,
        index: int,
        rows: int = DEFAULT_ROWS,
        cols: int = DEFAULT_COLS,
    ) -> None:
        self.props: dict[str, Any] = {
            "sheetId": sheet_id,
            "title": title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": rows, "columnCount": cols},
        }
        self.rows: dict[int, list[Any]] = {}
        self.formats: dict[tuple[int, int], dict[str, Any]] = {}
        self.notes: dict[tuple[int, int], str] = {}
        self.validations: dict[tuple[int, int], dict[str, Any]] = {}
        self.merges: list[dict[str, Any]] = []
        self.row_meta: dict[int, dict[str, Any]] = {}
        self.col_meta: dict[int, dict[str, Any]] = {}
        self.extras: dict[str, Any] = {}
        self.has_formulas = False  # set once a formula is stored; lets edits skip formula scans

    # -- properties -------------------------------------------------------
    @property
    def sheet_id(self) -> int:
        return self.props["sheetId"]

    @property
    def title(self) -> str:
        return self.props["title"]

    @property
    def grid(self) -> dict[str, Any]:
        return self.props.setdefault("gridProperties", {"rowCount": 0, "columnCount": 0})

    @property
    def row_count(self) -> int:
        return self.grid.get("rowCount", 0)

    @property
    def col_count(self) -> int:
        return self.grid.get("columnCount", 0)

    def set_size(self, rows: int, cols: int) -> None:
        """Resize the grid; cells outside the new grid are dropped."""
        self.grid["rowCount"] = rows
        self.grid["columnCount"] = cols
        for r in [r for r in self.rows if r >= rows]:
            del self.rows[r]
        for row in self.rows.values():
            if len(row) > cols:
                del row[cols:]
        for store in (self.formats, self.notes, self.validations):
            for key in [k for k in store if k[0] >= rows or k[1] >= cols]:
                del store[key]
        kept = []
        for m in self.merges:
            if m.get("startRowIndex", 0) < rows and m.get("startColumnIndex", 0) < cols:
                m["endRowIndex"] = min(m["endRowIndex"], rows)
                m["endColumnIndex"] = min(m["endColumnIndex"], cols)
                kept.append(m)
        self.merges = kept

    # -- cells ------------------------------------------------------------
    def get(self, r: int, c: int) -> Any:
        row = self.rows.get(r)
        if row is None or c >= len(row):
            return None
        return row[c]

    def set(self, r: int, c: int, v: Any) -> None:
        row = self.rows.get(r)
        if v is None:
            if row is not None and c < len(row):
                row[c] = None
                if c == len(row) - 1:
                    while row and row[-1] is None:
                        row.pop()
                    if not row:
                        del self.rows[r]
            return
        if type(v) is Cell and v.formula is not None:
            self.has_formulas = True
        if row is None:
            row = self.rows[r] = []
        n = len(row)
        if c >= n:
            row.extend([None] * (c + 1 - n))
        row[c] = v

    def clear_box(self, box: Box) -> None:
        for r in [r for r in self.rows if box.start_row <= r < box.end_row]:
            row = self.rows[r]
            end = min(box.end_col, len(row))
            for c in range(box.start_col, end):
                row[c] = None
            while row and row[-1] is None:
                row.pop()
            if not row:
                del self.rows[r]

    def data_extent(self) -> tuple[int, int]:
        """(rows, cols) of the smallest A1-anchored box holding every value."""
        nrows = 0
        ncols = 0
        for r, row in self.rows.items():
            if row:
                nrows = max(nrows, r + 1)
                ncols = max(ncols, len(row))
        return nrows, ncols

    def cell_count(self) -> int:
        return self.row_count * self.col_count

    # -- dimension edits ---------------------------------------------------
    def insert_rows(self, at: int, n: int) -> None:
        self.rows = {(r + n if r >= at else r): row for r, row in self.rows.items()}
        for name in ("formats", "notes", "validations"):
            store = getattr(self, name)
            setattr(self, name, {((r + n if r >= at else r), c): v for (r, c), v in store.items()})
        self.row_meta = {(r + n if r >= at else r): v for r, v in self.row_meta.items()}
        shift_ranges(self.merges, "Row", at, n)
        self.grid["rowCount"] = self.row_count + n

    def inherit_lines(self, rows: bool, start: int, n: int, source: int) -> None:
        """Give the ``n`` lines (rows or columns) from ``start`` the formats and
        validation rules of line ``source``, as inserted lines take them at Google."""
        axis = 0 if rows else 1
        for store in (self.formats, self.validations):
            line = [(k, v) for k, v in store.items() if k[axis] == source]
            for key, value in line:
                for i in range(start, start + n):
                    target = (i, key[1]) if rows else (key[0], i)
                    store[target] = copy.deepcopy(value)

    def delete_rows(self, start: int, end: int) -> None:
        n = end - start
        self.rows = {
            (r - n if r >= end else r): row for r, row in self.rows.items() if not start <= r < end
        }
        for name in ("formats", "notes", "validations"):
            store = getattr(self, name)
            setattr(
                self,
                name,
                {
                    ((r - n if r >= end else r), c): v
                    for (r, c), v in store.items()
                    if not start <= r < end
                },
            )
        self.row_meta = {
            (r - n if r >= end else r): v for r, v in self.row_meta.items() if not start <= r < end
        }
        self.merges = cut_ranges(self.merges, "Row", start, end)
        self.grid["rowCount"] = self.row_count - n

    def insert_cols(self, at: int, n: int) -> None:
        for row in self.rows.values():
            if len(row) > at:
                row[at:at] = [None] * n
        for name in ("formats", "notes", "validations"):
            store = getattr(self, name)
            setattr(self, name, {(r, (c + n if c >= at else c)): v for (r, c), v in store.items()})
        self.col_meta = {(c + n if c >= at else c): v for c, v in self.col_meta.items()}
        shift_ranges(self.merges, "Column", at, n)
        self.grid["columnCount"] = self.col_count + n

    def delete_cols(self, start: int, end: int) -> None:
        n = end - start
        for r in list(self.rows):
            row = self.rows[r]
            del row[start:end]
            while row and row[-1] is None:
                row.pop()
            if not row:
                del self.rows[r]
        for name in ("formats", "notes", "validations"):
            store = getattr(self, name)
            setattr(
                self,
                name,
                {
                    (r, (c - n if c >= end else c)): v
                    for (r, c), v in store.items()
                    if not start <= c < end
                },
            )
        self.col_meta = {
            (c - n if c >= end else c): v for c, v in self.col_meta.items() if not start <= c < end
        }
        self.merges = cut_ranges(self.merges, "Column", start, end)
        self.grid["columnCount"] = self.col_count - n

    def clone(self) -> Sheet:
        other = Sheet.__new__(Sheet)
        other.props = copy.deepcopy(self.props)
        other.rows = {r: list(row) for r, row in self.rows.items()}
        other.formats = copy.deepcopy(self.formats)
        other.notes = dict(self.notes)
        other.validations = copy.deepcopy(self.validations)
        other.merges = copy.deepcopy(self.merges)
        other.row_meta = copy.deepcopy(self.row_meta)
        other.col_meta = copy.deepcopy(self.col_meta)
        other.extras = copy.deepcopy(self.extras)
        other.has_formulas = self.has_formulas
        return other

    def formula_cells(self) -> Iterator[tuple[int, int, Cell]]:
        """Every formula cell, as (row, col, cell)."""
        if not self.has_formulas:
            return
        for r, row in self.rows.items():
            for c, v in enumerate(row):
                if type(v) is Cell and v.formula is not None:
                    yield r, c, v


def shift_ranges(ranges: list[dict[str, Any]], dim: str, at: int, n: int) -> None:
    s, e = f"start{dim}Index", f"end{dim}Index"
    for g in ranges:
        if g.get(s, 0) >= at:
            g[s] = g.get(s, 0) + n
            g[e] = g[e] + n
        elif g.get(e, 0) > at:
            g[e] = g[e] + n


def cut_ranges(
    ranges: list[dict[str, Any]], dim: str, start: int, end: int
) -> list[dict[str, Any]]:
    s, e = f"start{dim}Index", f"end{dim}Index"
    n = end - start
    out = []
    for g in ranges:
        a, b = g.get(s, 0), g[e]
        na = a if a < start else max(start, a - n)
        nb = b if b <= start else max(start, b - n)
        if nb > na:
            g[s], g[e] = na, nb
            out.append(g)
    return out


class Spreadsheet:
    """A spreadsheet (and the Drive file it is)."""

    def __init__(self, spreadsheet_id: str, title: str, *, first_sheet: bool = True) -> None:
        self.id = spreadsheet_id
        self.properties: dict[str, Any] = default_properties(title)
        self.sheets: list[Sheet] = []
        self.named_ranges: list[dict[str, Any]] = []
        self.created_time = now_rfc3339()
        self.modified_time = self.created_time
        self.trashed = False
        self._eval = threading.local()
        if first_sheet:
            self.sheets.append(Sheet(0, "Sheet1", 0))

    @property
    def title(self) -> str:
        return self.properties["title"]

    @property
    def conv(self) -> Conventions:
        """Typing and display conventions of the spreadsheet's locale."""
        return conventions(self.properties.get("locale"))

    def touch(self) -> None:
        """Move ``modifiedTime`` on every write, strictly forward: two writes in
        one millisecond still give a watcher of ``modifiedTime`` two values."""
        stamp = now_rfc3339()
        if stamp <= self.modified_time:
            stamp = later_rfc3339(self.modified_time)
        self.modified_time = stamp

    def sheet_by_id(self, sheet_id: Any) -> Sheet:
        for sh in self.sheets:
            if sh.sheet_id == sheet_id:
                return sh
        raise bad_request(f"No grid with id: {sheet_id}")

    def find_sheet(self, title: str) -> Sheet | None:
        for sh in self.sheets:
            if sh.title == title:
                return sh
        low = title.lower()
        for sh in self.sheets:
            if sh.title.lower() == low:
                return sh
        return None

    def first_sheet(self) -> Sheet:
        for sh in self.sheets:
            if not sh.props.get("hidden"):
                return sh
        return self.sheets[0]

    def total_cells(self) -> int:
        return sum(sh.cell_count() for sh in self.sheets)

    def new_sheet_id(self) -> int:
        used = {sh.sheet_id for sh in self.sheets}
        while True:
            sid = new_sheet_id()
            if sid not in used:
                return sid

    # -- ranges ------------------------------------------------------------
    def resolve(self, text: str) -> tuple[Sheet, Ref]:
        """The sheet and (open) range named by an A1 string, as Google reads it."""
        if not isinstance(text, str) or not text.strip():
            raise bad_request(f"Unable to parse range: {text}")
        title, cells = split_sheet(text)
        if title is None:
            assert cells is not None
            sheet = self.find_sheet(cells)
            if sheet is not None:
                return sheet, Ref(sheet.title)
            named = self.named_range(cells)
            if named is not None:
                return named
            if looks_like_cells(cells):
                sheet = self.first_sheet()
                return sheet, parse_cells(sheet.title, cells, text)
            raise bad_request(f"Unable to parse range: {text}")
        sheet = self.find_sheet(title)
        if sheet is None:
            raise bad_request(f"Unable to parse range: {text}")
        if cells is None or cells == "":
            return sheet, Ref(sheet.title)
        return sheet, parse_cells(sheet.title, cells, text)

    def resolve_box(self, text: str) -> tuple[Sheet, Box, Ref]:
        sheet, ref = self.resolve(text)
        return sheet, clamp(ref, sheet.row_count, sheet.col_count), ref

    def named_range(self, name: str) -> tuple[Sheet, Ref] | None:
        for nr in self.named_ranges:
            if nr.get("name") == name:
                g = nr.get("range", {})
                sheet = self.sheet_by_id(g.get("sheetId", 0))
                return sheet, Ref(
                    sheet.title,
                    g.get("startRowIndex", 0),
                    g.get("endRowIndex"),
                    g.get("startColumnIndex", 0),
                    g.get("endColumnIndex"),
                    has_cells=True,
                )
        return None

    # -- formulas ------------------------------------------------------------
    def evaluate(self, cell: Cell, default_sheet: str | None = None) -> Any:
        """Value of a formula cell; cycles evaluate to ``#REF!``."""
        stack: set[int] = getattr(self._eval, "stack", None) or set()
        self._eval.stack = stack
        key = id(cell)
        if key in stack or len(stack) > 200:
            return "#REF!"
        stack.add(key)
        try:
            return formulas.evaluate(cell.formula or "=", self._lookup(default_sheet))
        finally:
            stack.discard(key)

    def _lookup(self, default_sheet: str | None) -> formulas.Lookup:
        def lookup(sheet_title: str | None, r: int, c: int) -> Any:
            sheet = self.find_sheet(sheet_title) if sheet_title else None
            if sheet_title and sheet is None:
                raise formulas.FormulaError("#REF!")
            if sheet is None:
                sheet = self.find_sheet(default_sheet) if default_sheet else None
                sheet = sheet or self.first_sheet()
            v = sheet.get(r, c)
            if isinstance(v, Cell):
                if v.formula is not None:
                    result = self.evaluate(v, sheet.title)
                    if isinstance(result, str) and result.startswith("#"):
                        raise formulas.FormulaError(result)
                    return result
                return v.value
            return v

        return lookup


class Store:
    """Every spreadsheet the emulator holds; one lock serialises changes."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.spreadsheets: dict[str, Spreadsheet] = {}

    def get(self, spreadsheet_id: str) -> Spreadsheet:
        ss = self.spreadsheets.get(spreadsheet_id)
        if ss is None:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
        return ss

    def create(self, title: str, spreadsheet_id: str | None = None) -> Spreadsheet:
        ss = Spreadsheet(spreadsheet_id or new_spreadsheet_id(), title)
        self.spreadsheets[ss.id] = ss
        return ss

    def add(self, ss: Spreadsheet) -> None:
        self.spreadsheets[ss.id] = ss

    def delete(self, spreadsheet_id: str) -> None:
        if self.spreadsheets.pop(spreadsheet_id, None) is None:
            raise ApiError(404, f"File not found: {spreadsheet_id}.", "NOT_FOUND")

    def clear(self) -> None:
        self.spreadsheets.clear()
