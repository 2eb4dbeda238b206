"""Read a partner tab exported as CSV or XLSX as a header and numbered rows, streamed.

Row numbers are the ones the sheet shows, so a report can say "row 7" and the
partner finds it. Blank rows are skipped but still counted. The header is found
by the same rule and the same code the sync uses
(:func:`integration.normalise.headers.find_header`): a title and blank rows above it
are not data.

Nothing here holds a whole file in memory: a :class:`Table` keeps only its first
rows (where the header is looked for) and reads the rest again, row by row, when
asked, so a million-row export is checked in the memory of a few rows
(``bench/validate_bench.py`` measures it).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from integration.normalise.headers import (
    HEADER_SEARCH_ROWS,
    HeaderMatch,
    TabRows,
    find_header,
    first_filled_row,
    split_rows,
)
from integration.normalise.text import is_blank_row

#: Encodings tried in order: UTF-8 (a BOM is dropped), then the Windows Baltic code
#: page that Excel in LV/EE uses for "CSV (comma delimited)" exports.
ENCODINGS = ("utf-8-sig", "cp1257")
DELIMITERS = ",;\t"
_XLSX_MAGIC = b"PK\x03\x04"
_SEP_HINT = re.compile(r"^\ufeff?sep=([,;\t|])\r?\n", re.IGNORECASE)
_CHUNK = 1 << 20
#: A merged range in a worksheet's XML (``<mergeCell ref="B3:B6"/>``).
_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')

LineSource = Callable[[], Iterator[list[Any]]]


class ImportFileError(Exception):
    """The file cannot be read as a table; the message is one line for a person."""


@dataclass(frozen=True)
class MergedRange:
    """A merged range of cells, 1-based and inclusive; only its first cell holds a value."""

    ref: str
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def hides(self, row: int, col: int) -> bool:
        """Whether cell (``row``, ``col``) is inside the range but not its first cell,
        so it reads as empty although the sheet shows the first cell's value there."""
        inside = self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col
        return inside and (row, col) != (self.min_row, self.min_col)


@dataclass(frozen=True)
class Table:
    """One tab: its first rows (row 1 first, blank rows too), those rows split at
    its header (``split``, as the sync splits a tab), and a way to read every row
    again from the file.

    Until :meth:`at_header` placed it for a kind of record, the header is the first
    filled row, and matches nothing.
    """

    name: str
    head: list[list[Any]]
    split: TabRows
    source: LineSource | None = None
    merged: tuple[MergedRange, ...] = ()

    def _lines(self) -> Iterator[list[Any]]:
        if self.source is None:
            return iter([list(cells) for cells in self.head])
        return self.source()

    @property
    def header(self) -> list[Any]:
        return self.split.header

    @property
    def header_row(self) -> int:
        """The header's sheet row number (1-based)."""
        return self.split.header_row

    def iter_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """The non-blank rows below the header, as ``(sheet row number, cells)``,
        read from the file one at a time."""
        below = islice(self._lines(), self.header_row, None)
        for number, cells in enumerate(below, start=self.header_row + 1):
            if not is_blank_row(cells):
                yield number, list(cells)

    @property
    def rows(self) -> list[tuple[int, list[Any]]]:
        """Every row of :meth:`iter_rows` as a list (for small tabs)."""
        return list(self.iter_rows())

    def at_header(
        self,
        kind: str,
        columns: Mapping[str, str] | None = None,
        header_row: int | None = None,
    ) -> tuple[Table, HeaderMatch]:
        """This table with its header placed for ``kind`` (the partner's own
        ``columns`` and ``header_row`` from the partners file, if any), and the
        header's match."""
        head = self.head
        if header_row is not None and header_row > len(head) and self.source is not None:
            head = list(islice(self._lines(), header_row))
        split = find_header(head, kind, columns, header_row)
        return dataclasses.replace(self, head=head, split=split), split.match


def _build(name: str, source: LineSource, merged: tuple[MergedRange, ...] = ()) -> Table:
    """A table over ``source``; the header is placed later, per kind (:meth:`Table.at_header`)."""
    head = [list(cells) for cells in islice(source(), HEADER_SEARCH_ROWS)]
    split = split_rows(head, first_filled_row(head))
    return Table(name=name, head=head, split=split, source=source, merged=merged)


def file_encoding(path: Path) -> str:
    """The encoding of a CSV export, read in chunks (never the whole file at once):
    UTF-16 when it starts with that BOM, else UTF-8 when every byte decodes as
    UTF-8, else Windows-1257. A NUL byte outside UTF-16 is binary data."""
    with path.open("rb") as handle:
        first = handle.read(_CHUNK)
        if first.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16"
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8 = True
        chunk = first
        while chunk:
            if b"\x00" in chunk:
                raise ImportFileError("contains binary data, not CSV text")
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            chunk = handle.read(_CHUNK)
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    return "utf-8-sig" if utf8 else "cp1257"


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV sample: of , ; and tab, the one that splits some line
    of the first ten into the most cells, so a title line above the header (which
    has none, or a stray comma) does not decide it."""
    lines = [line for line in text.splitlines() if line.strip()][:HEADER_SEARCH_ROWS]
    best, best_cells = ",", 1
    for delimiter in DELIMITERS:
        for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter):
            if len(row) > best_cells:
                best, best_cells = delimiter, len(row)
    return best


def _csv_source(path: Path, encoding: str) -> tuple[LineSource, str]:
    """A function that reads the CSV file's rows from row 1, and the delimiter."""
    with path.open("r", encoding=encoding, newline="") as handle:
        sample = "".join(islice(handle, HEADER_SEARCH_ROWS + 1))
    hint = _SEP_HINT.match(sample)
    # Excel's "sep=;" first line names the delimiter; it is not a sheet row.
    delimiter = hint[1] if hint else sniff_delimiter(sample)

    def lines() -> Iterator[list[Any]]:
        with path.open("r", encoding=encoding, newline="") as handle:
            if hint:
                handle.readline()
            try:
                yield from csv.reader(handle, delimiter=delimiter)
            except csv.Error as exc:
                raise ImportFileError(f"not valid CSV: {exc}") from None
            except UnicodeDecodeError:
                raise ImportFileError(f"not {encoding} text throughout") from None

    return lines, delimiter


def _cell_position(ref: str) -> tuple[int, int]:
    # deferred: openpyxl (~0.25 s) loads only for an XLSX file, never for CSV
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    letters, row = coordinate_from_string(ref)
    return row, column_index_from_string(letters)


def merged_ranges(xml: Any) -> tuple[MergedRange, ...]:
    """The merged ranges of a worksheet, from its XML stream in chunks (they follow
    the cell data, which is skipped, not parsed)."""
    found: list[MergedRange] = []
    tail = b""
    while chunk := xml.read(_CHUNK):
        data = tail + chunk
        end = 0
        for match in _MERGE_CELL.finditer(data):
            ref = match[1].decode("ascii")
            first, _, last = ref.partition(":")
            (r1, c1), (r2, c2) = _cell_position(first), _cell_position(last or first)
            found.append(MergedRange(ref, r1, c1, r2, c2))
            end = match.end()
        tail = data[max(end, len(data) - 200) :]
    return tuple(found)


def _sheet_merges(sheet: Any) -> tuple[MergedRange, ...]:
    try:
        with sheet._get_source() as xml:  # openpyxl's read-only sheet: its XML part
            return merged_ranges(xml)
    except (AttributeError, KeyError, OSError, zipfile.BadZipFile, ValueError):
        return ()


def _xlsx_tables(workbook: Any) -> list[Table]:
    tables = []
    for sheet in workbook.worksheets:

        def lines(sheet: Any = sheet) -> Iterator[list[Any]]:
            try:
                for row in sheet.iter_rows(values_only=True):
                    yield list(row)
            except Exception as exc:
                # openpyxl reports a damaged worksheet by whatever its XML parser,
                # zip reader or cell converters raise: a reason, never a traceback
                raise ImportFileError(
                    f"worksheet {sheet.title!r} cannot be read ({type(exc).__name__})"
                ) from None

        tables.append(_build(sheet.title, lines, _sheet_merges(sheet)))
    return tables


def _checked_path(path: Path) -> bytes:
    """The file's first bytes, or a one-line reason it cannot be read."""
    try:
        if path.is_dir():
            raise ImportFileError("is a directory, not a file")
        with path.open("rb") as handle:
            return handle.read(4)
    except FileNotFoundError:
        raise ImportFileError("file not found") from None
    except OSError as exc:
        raise ImportFileError(f"cannot read file: {exc.strerror or exc}") from None


@contextlib.contextmanager
def open_tables(path: str | Path) -> Iterator[list[Table]]:
    """The tables in a CSV (one) or XLSX (one per worksheet) file, open for
    streaming until the block ends.

    Raises :class:`ImportFileError` with a one-line reason for a missing,
    unreadable, binary or empty file (also while rows are read).
    """
    path = Path(path)
    head = _checked_path(path)
    suffix = path.suffix.lower()
    if head == _XLSX_MAGIC or suffix in (".xlsx", ".xlsm"):
        # deferred: openpyxl (~0.25 s) loads only for an XLSX file, never for CSV
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ImportFileError(f"not a readable XLSX workbook ({type(exc).__name__})") from None
        try:
            tables = _xlsx_tables(workbook)
            _check_not_empty(tables)
            yield tables
        finally:
            workbook.close()
        return
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("old Excel .xls files are not supported: save as XLSX or CSV")
    try:
        encoding = file_encoding(path)
        source, _delimiter = _csv_source(path, encoding)
        tables = [_build(path.name, source)]
    except UnicodeDecodeError:
        raise ImportFileError("starts like UTF-16 text but is not") from None
    except OSError as exc:
        raise ImportFileError(f"cannot read file: {exc.strerror or exc}") from None
    _check_not_empty(tables)
    yield tables


def _check_not_empty(tables: list[Table]) -> None:
    if not any(not is_blank_row(table.header) for table in tables):
        raise ImportFileError("the file is empty (no header row)")
