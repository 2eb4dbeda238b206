"""Read a partner tab exported as CSV or XLSX into a header and numbered rows.

Row numbers are the ones the sheet shows, so a report can say "row 7" and the
partner finds it. Blank rows are skipped but still counted. The header is found
by the same rule the sync uses (:func:`integration.normalise.headers.find_header`):
a title and blank rows above it are not data.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from integration.normalise.headers import HeaderMatch, find_header, first_filled_row
from integration.normalise.text import is_blank

#: Encodings tried in order: UTF-8 (a BOM is dropped), then the Windows Baltic code
#: page that Excel in LV/EE uses for "CSV (comma delimited)" exports.
ENCODINGS = ("utf-8-sig", "cp1257")
DELIMITERS = ",;\t"
_XLSX_MAGIC = b"PK\x03\x04"
_SEP_HINT = re.compile(r"^\ufeff?sep=([,;\t|])\r?\n", re.IGNORECASE)
_MAX_BYTES = 200 * 1024 * 1024


class ImportFileError(Exception):
    """The file cannot be read as a table; the message is one line for a person."""


@dataclass(frozen=True)
class Table:
    """One tab: every line read (row 1 first, blank rows too) and where its header is.

    Until :meth:`at_header` placed it for a kind of record, the header is the first
    filled row.
    """

    name: str
    lines: list[list[Any]] = field(default_factory=list)
    header_index: int = 0

    @property
    def header(self) -> list[Any]:
        return list(self.lines[self.header_index]) if self.header_index < len(self.lines) else []

    @property
    def header_row(self) -> int:
        """The header's sheet row number (1-based)."""
        return self.header_index + 1

    @property
    def rows(self) -> list[tuple[int, list[Any]]]:
        """The non-blank rows below the header, as ``(sheet row number, cells)``."""
        below = self.lines[self.header_index + 1 :]
        return [
            (number, list(cells))
            for number, cells in enumerate(below, start=self.header_row + 1)
            if not _is_blank_row(cells)
        ]

    def at_header(
        self,
        kind: str,
        columns: Mapping[str, str] | None = None,
        header_row: int | None = None,
    ) -> tuple[Table, HeaderMatch]:
        """This table with its header placed for ``kind`` (the partner's own
        ``columns`` and ``header_row`` from the partners file, if any), and the
        header's match."""
        found = find_header(self.lines, kind, columns, header_row)
        return dataclasses.replace(self, header_index=found.index), found.match


def _is_blank_row(cells: Sequence[Any]) -> bool:
    return all(is_blank(cell) for cell in cells)


def _build(name: str, numbered: list[tuple[int, list[Any]]]) -> Table:
    """A table of every line; the header is placed later, per kind (:meth:`Table.at_header`)."""
    lines = [list(cells) for _number, cells in numbered]
    return Table(name=name, lines=lines, header_index=first_filled_row(lines))


def decode(data: bytes) -> str:
    """Text of a CSV export: UTF-16 when it starts with that BOM (Excel's "Unicode
    text"), else UTF-8 with or without BOM, else Windows-1257."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFileError("starts like UTF-16 text but is not") from None
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        "not UTF-8 or Windows-1257 text"
    )  # pragma: no cover - cp1257 decodes most bytes


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: the most frequent of , ; and tab outside quotes."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        return csv.Sniffer().sniff(first, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.__getitem__)
        return best if counts[best] else ","


def read_csv_text(text: str, name: str = "csv") -> Table:
    """Parse CSV text (delimiter sniffed) into a :class:`Table`."""
    if "\x00" in text:
        raise ImportFileError("contains binary data, not CSV text")
    hint = _SEP_HINT.match(text)
    if hint:
        # Excel's "sep=;" first line names the delimiter; it is not a sheet row.
        delimiter, text = hint[1], text[hint.end() :]
    else:
        delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        numbered = [(number, row) for number, row in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise ImportFileError(f"not valid CSV: {exc}") from None
    return _build(name, numbered)


def read_xlsx(path: Path) -> list[Table]:
    """Every worksheet of an XLSX workbook (values, not formulas), as tables."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(f"not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        tables = []
        for sheet in workbook.worksheets:
            numbered = [
                (number, list(row))
                for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
            tables.append(_build(sheet.title, numbered))
        return tables
    finally:
        workbook.close()


def read_tables(path: str | Path) -> list[Table]:
    """The tables in a CSV (one) or XLSX (one per worksheet) file.

    Raises :class:`ImportFileError` with a one-line reason for a missing,
    unreadable, binary or empty file.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise ImportFileError("is a directory, not a file")
        if path.stat().st_size > _MAX_BYTES:
            raise ImportFileError("is larger than 200 MB")
        with path.open("rb") as handle:
            head = handle.read(4)
    except FileNotFoundError:
        raise ImportFileError("file not found") from None
    except OSError as exc:
        raise ImportFileError(f"cannot read file: {exc.strerror or exc}") from None
    if head == _XLSX_MAGIC or path.suffix.lower() in (".xlsx", ".xlsm"):
        tables = read_xlsx(path)
    elif path.suffix.lower() == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("old Excel .xls files are not supported: save as XLSX or CSV")
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:  # pragma: no cover - stat succeeded just before
            raise ImportFileError(f"cannot read file: {exc.strerror or exc}") from None
        tables = [read_csv_text(decode(data), name=path.name)]
    if not any(not _is_blank_row(table.header) for table in tables):
        raise ImportFileError("the file is empty (no header row)")
    return tables
