"""Moving formula references when rows or columns are inserted or deleted.

As in Google Sheets, ``=A5`` becomes ``=A6`` when a row is inserted above row
5, ``=SUM(A2:A9)`` grows or shrinks with the rows inserted or deleted inside
it, and a reference whose cells were all deleted becomes ``#REF!``.
References to other sheets move only when that sheet changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .a1 import col_to_letters, letters_to_col
from .cells import Cell
from .formulas import TOKEN
from .model import Sheet

_CORNER = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)(\d+)$")


def _sheet_of(ref: str) -> tuple[str | None, str, str]:
    """(sheet title or None, the sheet prefix as written, the cells part)."""
    if "!" not in ref:
        return None, "", ref
    prefix, cells = ref.rsplit("!", 1)
    title = prefix[1:-1].replace("''", "'") if prefix.startswith("'") else prefix
    return title, prefix + "!", cells


def _move(index: int, at: int, n: int) -> int | None:
    """New 0-based index after inserting n (>0) or deleting -n (<0) lines at ``at``."""
    if n > 0:
        return index + n if index >= at else index
    end = at - n
    if at <= index < end:
        return None
    return index + n if index >= end else index


def _move_span(lo: int, hi: int, at: int, n: int) -> tuple[int, int] | None:
    """A range's first and last index after the change (None: all of it deleted)."""
    if n > 0:
        return (lo + n if lo >= at else lo), (hi + n if hi >= at else hi)
    end = at - n
    kept = [i for i in (lo, hi) if not at <= i < end]
    if lo >= at and hi < end:
        return None
    new_lo = lo if lo < at else (at if lo < end else lo + n)
    new_hi = hi + n if hi >= end else (at - 1 if hi >= at else hi)
    return (new_lo, new_hi) if kept or new_lo <= new_hi else None


def shift_formula(
    formula: str, formula_sheet: str, target: str, rows: bool, at: int, n: int
) -> str:
    """``formula`` (text starting with ``=``) after the change on sheet ``target``."""
    body = formula[1:]
    out: list[str] = []
    pos = 0
    target_low = target.lower()
    while pos < len(body):
        m = TOKEN.match(body, pos)
        if not m or m.end() == pos:
            return formula  # unparsable: left as typed
        kind = m.lastgroup or ""
        text = m.group(kind)
        start = m.start(kind)
        out.append(body[pos:start])
        pos = m.end()
        if kind != "ref":
            out.append(text)
            continue
        sheet, prefix, cells = _sheet_of(text)
        if (sheet or formula_sheet).lower() != target_low:
            out.append(text)
            continue
        out.append(prefix + _shift_cells(cells, rows, at, n))
    out.append(body[pos:])
    return "=" + "".join(out)


def _shift_cells(cells: str, rows: bool, at: int, n: int) -> str:
    corners = [_CORNER.match(c) for c in cells.split(":")]
    if not all(corners):
        return cells
    parsed = [
        (m.group(1), letters_to_col(m.group(2)), m.group(3), int(m.group(4)) - 1)
        for m in corners
        if m is not None
    ]
    idx = [p[3] if rows else p[1] for p in parsed]
    if len(parsed) == 1:
        moved = _move(idx[0], at, n)
        if moved is None:
            return "#REF!"
        new_idx = [moved]
    else:
        span = _move_span(min(idx), max(idx), at, n)
        if span is None:
            return "#REF!"
        new_idx = [span[0], span[1]] if idx[0] <= idx[1] else [span[1], span[0]]
    out = []
    for (dc, col, dr, row), new in zip(parsed, new_idx, strict=True):
        if rows:
            row = new
        else:
            col = new
        out.append(f"{dc}{col_to_letters(col)}{dr}{row + 1}")
    return ":".join(out)


def shift_sheets(
    sheets: list[Sheet],
    target: str,
    rows: bool,
    at: int,
    n: int,
    edit: Callable[[Sheet], Sheet] = lambda s: s,
) -> None:
    """Rewrite every formula, on every sheet, that refers to sheet ``target``.

    ``edit`` returns the sheet to change (a batchUpdate's working copy).
    """
    for sheet in list(sheets):
        changes = []
        for r, c, cell in sheet.formula_cells():
            assert cell.formula is not None
            new = shift_formula(cell.formula, sheet.title, target, rows, at, n)
            if new != cell.formula:
                changes.append((r, c, Cell(cell.value, new, cell.fmt)))
        if changes:
            writable = edit(sheet)
            for r, c, cell in changes:
                writable.set(r, c, cell)
