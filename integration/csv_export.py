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

Separators follow the reader's locale, as Excel does when it opens a CSV file:
where the decimal sign is a comma (Latvian, Estonian, Finnish), numbers are
written with a decimal comma and cells are separated by ``;``; elsewhere by
``,`` with a decimal point (:func:`conventions`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from babel.numbers import get_decimal_symbol

#: First characters that make a spreadsheet evaluate a cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_NEEDS_ESCAPE = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


@dataclass(frozen=True)
class CsvConventions:
    """How a locale's spreadsheets expect a CSV file: cell separator, decimal sign."""

    delimiter: str = ","
    decimal: str = "."


@cache
def conventions(locale: str = "en") -> CsvConventions:
    """The CSV conventions of ``locale``: a decimal comma goes with ``;`` between
    cells (the comma is taken), a decimal point with ``,``."""
    try:
        decimal = get_decimal_symbol(locale)
    except (ValueError, LookupError):
        decimal = "."
    return CsvConventions(";", ",") if decimal == "," else CsvConventions(",", ".")


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


def cell_text(value: Any, decimal: str = ".") -> str:
    """One value as CSV cell text: escaped strings, plain numbers (with the
    ``decimal`` sign), ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value).replace(".", decimal) if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return escape_cell("; ".join(str(v) for v in value))
    return escape_cell(str(value))


def iter_csv(
    header: Sequence[str], rows: Iterable[Sequence[Any]], locale: str = "en"
) -> Iterator[str]:
    """CSV text in chunks (a UTF-8 BOM first so Excel reads ā, õ, ä correctly), in
    ``locale``'s conventions.

    Streaming keeps memory flat however large the exported table is.
    """
    style = conventions(locale)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=style.delimiter, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow([escape_cell(h) for h in header])
    yield "\ufeff" + flush()
    for n, row in enumerate(rows, start=1):
        writer.writerow([cell_text(v, style.decimal) for v in row])
        if n % 200 == 0:
            yield flush()
    tail = flush()
    if tail:
        yield tail


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], locale: str = "en") -> str:
    """The whole CSV document as one string."""
    return "".join(iter_csv(header, rows, locale))


def sniff_delimiter(text: str) -> str:
    """``;`` or ``,``: whichever separates the cells of the first line (quoted
    cells skipped), so a file in either convention reads back."""
    first = next(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"), [])
    return ";" if len(first) > 1 else ","


def read_csv(text: str, delimiter: str | None = None) -> list[list[str]]:
    """Parse an exported CSV back into the original cell strings (escaping undone);
    the separator is found from the first line unless given."""
    text = text.removeprefix("\ufeff")
    sep = delimiter or sniff_delimiter(text)
    rows = csv.reader(io.StringIO(text), delimiter=sep)
    return [[unescape_cell(c) for c in row] for row in rows]
