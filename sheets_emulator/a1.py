"""A1 notation: parsing ranges the way Google does, and writing them back.

A parsed range is a :class:`Ref`: a sheet title (or ``None`` for "the first
sheet") plus optional bounds.  Missing bounds mean "open" (``A:C``, ``2:5``,
``A2:C``, a sheet name alone); they are closed against the sheet's grid by
:func:`clamp`, which is also what Google echoes back (``'Sheet1'!A1:1`` is
echoed ``Sheet1!A1:Z1``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import bad_request

_CORNER = re.compile(r"^\$?([A-Za-z]{0,3})\$?([0-9]{0,7})$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_CELL = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*|[0-9].*)$")


@dataclass(frozen=True)
class Ref:
    """A range inside one sheet; ``None`` bounds are open.  Rows/cols are 0-based,
    ``end_*`` exclusive."""

    sheet: str | None
    start_row: int | None = None
    end_row: int | None = None
    start_col: int | None = None
    end_col: int | None = None
    has_cells: bool = False  # False: a bare sheet name (or named range)


@dataclass(frozen=True)
class Box:
    """A closed rectangle: 0-based, end exclusive."""

    start_row: int
    end_row: int
    start_col: int
    end_col: int

    @property
    def rows(self) -> int:
        return self.end_row - self.start_row

    @property
    def cols(self) -> int:
        return self.end_col - self.start_col


def col_to_letters(col: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def letters_to_col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def quote_title(title: str) -> str:
    """Quote a sheet title the way Google echoes it (only when needed)."""
    if _PLAIN_TITLE.match(title) and not _LOOKS_LIKE_CELL.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split ``'My ''sheet'''!A1:B2`` into (title, cells).  Either may be None."""
    text = text.strip()
    if text.startswith("'"):
        i = 1
        buf = []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    buf.append("'")
                    i += 2
                    continue
                rest = text[i + 1 :]
                title = "".join(buf)
                if rest == "":
                    return title, None
                if rest.startswith("!"):
                    return title, rest[1:]
                raise bad_request(f"Unable to parse range: {text}")
            buf.append(ch)
            i += 1
        raise bad_request(f"Unable to parse range: {text}")
    if "!" in text:
        title, cells = text.rsplit("!", 1)
        return title, cells
    return None, text


def _corner(text: str, whole: str) -> tuple[int | None, int | None]:
    m = _CORNER.match(text.strip())
    if not m or (not m.group(1) and not m.group(2)):
        raise bad_request(f"Unable to parse range: {whole}")
    col = letters_to_col(m.group(1)) if m.group(1) else None
    row = int(m.group(2)) - 1 if m.group(2) else None
    if row is not None and row < 0:
        raise bad_request(f"Unable to parse range: {whole}")
    return row, col


def parse_cells(sheet: str | None, cells: str, whole: str) -> Ref:
    """Parse the part after ``!`` (``A1``, ``A1:B2``, ``A:C``, ``2:5``, ``A2:C``)."""
    if ":" in cells:
        a, b = cells.split(":", 1)
        r1, c1 = _corner(a, whole)
        r2, c2 = _corner(b, whole)
        if (r1 is None) != (c1 is None) and r1 is None and c2 is None:
            # "A:5" style mixes; Google rejects these.
            raise bad_request(f"Unable to parse range: {whole}")
        if r1 is not None and r2 is not None and r2 < r1:
            r1, r2 = r2, r1
        if c1 is not None and c2 is not None and c2 < c1:
            c1, c2 = c2, c1
        return Ref(
            sheet,
            start_row=r1 if r1 is not None else (0 if r2 is not None else None),
            end_row=r2 + 1 if r2 is not None else None,
            start_col=c1 if c1 is not None else (0 if c2 is not None else None),
            end_col=c2 + 1 if c2 is not None else None,
            has_cells=True,
        )
    r, c = _corner(cells, whole)
    if r is None or c is None:
        raise bad_request(f"Unable to parse range: {whole}")
    return Ref(sheet, r, r + 1, c, c + 1, has_cells=True)


def looks_like_cells(text: str) -> bool:
    """True if ``text`` (without a sheet part) parses as cells."""
    try:
        parse_cells(None, text, text)
    except Exception:
        return False
    return True


def clamp(ref: Ref, rows: int, cols: int) -> Box:
    """Close open bounds against a grid of ``rows`` x ``cols`` and clip to it."""
    sr = ref.start_row or 0
    sc = ref.start_col or 0
    er = rows if ref.end_row is None else min(ref.end_row, rows)
    ec = cols if ref.end_col is None else min(ref.end_col, cols)
    return Box(sr, max(er, sr), sc, max(ec, sc))


def box_a1(box: Box) -> str:
    """``A1`` for a single cell, else ``A1:B2``."""
    a = f"{col_to_letters(box.start_col)}{box.start_row + 1}"
    if box.rows <= 1 and box.cols <= 1:
        return a
    return f"{a}:{col_to_letters(box.end_col - 1)}{box.end_row}"


def open_a1(
    title: str, start_row: int, end_row: int | None, start_col: int, end_col: int | None
) -> str:
    """A range with possibly open ends, as Google names it in errors: ``T!A1001:B``,
    ``T!AA1:2``, ``T!A1001:B1001``; a single cell is ``T!D4``."""
    start = f"{col_to_letters(start_col)}{start_row + 1}"
    if end_row == start_row + 1 and end_col == start_col + 1:
        return f"{quote_title(title)}!{start}"
    end = (col_to_letters(end_col - 1) if end_col is not None else "") + (
        str(end_row) if end_row is not None else ""
    )
    return f"{quote_title(title)}!{start}:{end}"


def format_range(title: str, box: Box) -> str:
    return f"{quote_title(title)}!{box_a1(box)}"
