"""CSV export whose cells can never run as spreadsheet formulas.

A CSV file opened in Excel, LibreOffice or Google Sheets turns a cell that starts
with ``=``, ``+``, ``-`` or ``@`` (and, in some versions, tab or carriage return)
into a formula. Lead and agreement fields come from web forms and partner sheets,
so an exported ``=HYPERLINK("http://evil", "click")`` would run on the reader's
machine (CSV injection). Following OWASP, such a cell gets one leading apostrophe,
which makes the spreadsheet treat it as text.

The escaping is reversible, so nothing a partner typed is lost: a cell is escaped
when it matches ``'*[=+\\-@\\t\\r]`` (any run of apostrophes, then a trigger), and
:func:`unescape_cell` drops one apostrophe from a cell that matches
``'+[=+\\-@\\t\\r]``. The escaped forms are exactly the second pattern, so
``unescape_cell(escape_cell(v)) == v`` for every string ``v`` — including a value
that already started with an apostrophe before a trigger (``'=x`` → ``''=x`` →
``'=x``). Numbers written as numbers (``-12.5``) are not user text and are not
escaped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

#: First characters that make a spreadsheet evaluate a cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_NEEDS_ESCAPE = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def escape_cell(value: str) -> str:
    """``value`` made inert for spreadsheets (one leading apostrophe when needed)."""
    if _NEEDS_ESCAPE.match(value):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """The original value of a cell written by :func:`escape_cell`."""
    if _ESCAPED.match(value):
        return value[1:]
    return value


def cell_text(value: Any) -> str:
    """One value as CSV cell text: escaped strings, plain numbers, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return escape_cell("; ".join(str(v) for v in value))
    return escape_cell(str(value))


def iter_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text in chunks (a UTF-8 BOM first so Excel reads ā, õ, ä correctly).

    Streaming keeps memory flat however large the exported table is.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow([escape_cell(h) for h in header])
    yield "\ufeff" + flush()
    for n, row in enumerate(rows, start=1):
        writer.writerow([cell_text(v) for v in row])
        if n % 200 == 0:
            yield flush()
    tail = flush()
    if tail:
        yield tail


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole CSV document as one string."""
    return "".join(iter_csv(header, rows))


def read_csv(text: str) -> list[list[str]]:
    """Parse an exported CSV back into the original cell strings (escaping undone)."""
    text = text.removeprefix("\ufeff")
    return [[unescape_cell(c) for c in row] for row in csv.reader(io.StringIO(text))]
