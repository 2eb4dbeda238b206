"""Whole-tab reads and batched writes: the number of calls never grows with rows.

A tab is read in one ``values.batchGet`` (unformatted values, dates as serial
numbers, so nothing depends on the sheet's locale, and text such as ``00123`` or
``+37120000000`` arrives exactly as stored). A tab is written in one
``spreadsheets.batchUpdate`` (:meth:`SheetsConnector.write_tab`, requests built by
:mod:`.batch_requests`): new columns, changed cells, appended rows inserted and filled
atomically (a row typed meanwhile is pushed down, never overwritten), values
typed so nothing typed by anyone is ever run as a formula; a column of one
value goes as one ``repeatCell``; split only when a request would pass 9 MB
(Google refuses 10 MiB; why not its recommended 2 MB: :mod:`.batch_requests`).
:meth:`SheetsConnector.tab_grid` reads a tab's grid size with its protected
ranges and chosen cell properties (notes, formats) in one ``spreadsheets.get``,
for a write that needs the grid size anyway. Every request goes through the
retry policy and the shared rate budgets, and is counted in
:attr:`SheetsConnector.calls`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar
from urllib.parse import quote

import orjson
import requests
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_URL, SPREADSHEET_VALUES_BATCH_URL
from gspread.utils import (
    DateTimeOption,
    Dimension,
    ValueRenderOption,
    absolute_range_name,
)

from .batch_requests import Cell, WriteBatch, row_key, write_batches
from .drive import DriveConnector
from .errors import SheetNotFound, TransientError
from .ratelimit import Budgets, unlimited
from .retry import RetryPolicy, call_with_retry

T = TypeVar("T")
#: Google's front end refuses a request over 10,485,760 bytes (its 2 MB is a
#: recommendation, not a limit: :mod:`.batch_requests` says why the sync goes past it);
#: stay under the limit with room for the envelope.
MAX_REQUEST_BYTES = 9_000_000
#: Equal values down a column in at least this many consecutive rows are written
#: as one ``repeatCell`` (a first sync's statuses and stamps).
REPEAT_MIN_ROWS = 8
#: The most characters the ``ranges`` of one GET may take in its URL; more and the
#: whole tab is read (Google's front end refuses URLs of some 8 kB, and a tab's
#: title, repeated in each range, may be long and percent-encoded three-fold).
MAX_RANGES_URL_CHARS = 6_000


@dataclass(frozen=True)
class TabProps:
    """What the spreadsheet metadata says about one tab."""

    title: str
    sheet_id: int
    row_count: int
    column_count: int


@dataclass(frozen=True)
class TabGrid:
    """One tab's metadata with its protected ranges and some properties of its cells,
    as Google returns them (``ProtectedRange`` and ``CellData`` objects)."""

    props: TabProps
    protected_ranges: list[dict[str, Any]]
    #: (row 1-based, column 0-based) -> the cell's requested properties; only
    #: cells that have any of them
    cells: dict[tuple[int, int], dict[str, Any]]
    #: the rows whose cells were read, as 1-based runs ``[start, end)``; None: all
    rows_read: tuple[tuple[int, int], ...] | None = None

    def was_read(self, row: int) -> bool:
        """Whether ``cells`` speaks for this 1-based row (a row not read may have
        anything; its absence from ``cells`` says nothing)."""
        if self.rows_read is None:
            return True
        return any(start <= row < end for start, end in self.rows_read)


def tab_props_of(props: Mapping[str, Any]) -> TabProps:
    grid = props.get("gridProperties", {})
    return TabProps(
        title=props.get("title", ""),
        sheet_id=int(props.get("sheetId", 0)),
        row_count=int(grid.get("rowCount", 0)),
        column_count=int(grid.get("columnCount", 0)),
    )


def grid_cells(data: Iterable[Mapping[str, Any]]) -> dict[tuple[int, int], dict[str, Any]]:
    """``GridData`` blocks -> {(row 1-based, column 0-based): CellData}, non-empty only."""
    cells: dict[tuple[int, int], dict[str, Any]] = {}
    for block in data:
        row0, col0 = int(block.get("startRow", 0)), int(block.get("startColumn", 0))
        for i, row in enumerate(block.get("rowData") or []):
            for j, value in enumerate((row or {}).get("values") or []):
                if value:
                    cells[(row0 + i + 1, col0 + j)] = value
    return cells


#: What every empty JSON object of a grid answer becomes (read-only, one object).
_NO_CELL_DATA: Mapping[str, Any] = MappingProxyType({})


def _one_empty(obj: dict[str, Any]) -> Mapping[str, Any]:
    return obj or _NO_CELL_DATA


def _grid_json(body: bytes) -> dict[str, Any]:
    """A ``spreadsheets.get`` answer with grid data, parsed so that its empty cells
    (``{}`` wherever a cell has none of the fields asked for: every cell but a few
    on a tab of 100,000 rows) are one shared object instead of two million dicts."""
    return _stdlib_json(body, object_hook=_one_empty)


def _values_json(body: bytes) -> dict[str, Any]:
    """A ``values.batchGet`` answer parsed with orjson (a whole tab of 100,000 rows
    is tens of megabytes: the standard library's parser took most of the read).
    What orjson refuses goes to the standard library, which reads it: a cell
    holding a lone surrogate arrives as a ``\\ud800`` escape (the snapshot makes
    such text storable). Numbers read the same either way: Google sends every
    number as a double."""
    try:
        data: dict[str, Any] = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _stdlib_json(body)
    return data


def _stdlib_json(body: bytes, **options: Any) -> dict[str, Any]:
    """``body`` parsed by the standard library; a cut answer raises as
    ``response.json()`` does, so it is retried like any other."""
    try:
        data: dict[str, Any] = json.loads(body, **options)
    except json.JSONDecodeError as exc:
        raise requests.exceptions.JSONDecodeError(exc.msg, exc.doc, exc.pos) from None
    return data


def row_range(title: str, start: int, end: int) -> str:
    """Whole 1-based rows ``[start, end)`` as A1: ``'Tab'!5:7``."""
    return absolute_range_name(title, f"{start}:{end - 1}")


def ranges_url_chars(title: str, rows: Iterable[tuple[int, int]]) -> int:
    """How long the ``ranges`` parameters naming ``rows`` make a URL."""
    return sum(len("&ranges=") + len(quote(row_range(title, s, e), safe="")) for s, e in rows)


def quote_title(title: str) -> str:
    """A tab title as an A1 sheet name (always quoted; quotes doubled)."""
    return absolute_range_name(title)


class SheetsConnector:
    """One spreadsheet session: counted, rate-limited, retried calls."""

    def __init__(
        self,
        gspread_client: Any,
        *,
        retry: RetryPolicy | None = None,
        budgets: Budgets | None = None,
        max_request_bytes: int = MAX_REQUEST_BYTES,
    ) -> None:
        self.http = gspread_client.http_client
        self.retry = retry or RetryPolicy()
        self.budgets = budgets or unlimited()
        self.max_request_bytes = max_request_bytes
        self.calls = 0
        #: the Drive calls on the file behind the spreadsheet, counted with these
        self.drive = DriveConnector(self.http, self._call)

    def _attempt(self) -> None:
        self.budgets.acquire()
        self.calls += 1

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        return call_with_retry(fn, self.retry, on_attempt=self._attempt, what=what)

    # -- reads ---------------------------------------------------------------
    def metadata(self, spreadsheet_id: str) -> dict[str, TabProps]:
        """Every tab's id and grid size, in one ``spreadsheets.get``."""
        return self._call("spreadsheets.get", lambda: self._tab_props(spreadsheet_id))

    def _tab_props(self, spreadsheet_id: str) -> dict[str, TabProps]:
        data = self.http.fetch_sheet_metadata(
            spreadsheet_id, params={"fields": "sheets.properties"}
        )
        tabs: dict[str, TabProps] = {}
        for sheet in data.get("sheets", []):
            props = tab_props_of(sheet.get("properties", {}))
            tabs[props.title] = props
        return tabs

    def tab(self, spreadsheet_id: str, title: str) -> TabProps:
        tabs = self.metadata(spreadsheet_id)
        if title not in tabs:
            known = ", ".join(sorted(tabs)) or "none"
            raise SheetNotFound(f"the spreadsheet has no tab {title!r} (tabs: {known})")
        return tabs[title]

    def tab_grid(
        self,
        spreadsheet_id: str,
        title: str,
        *,
        cell_fields: str,
        rows: Sequence[tuple[int, int]] | None = None,
    ) -> TabGrid:
        """One tab's metadata, protected ranges and the ``cell_fields`` of its cells
        (a ``CellData`` field mask such as ``note,userEnteredFormat.backgroundColor``),
        in one ``spreadsheets.get`` with ``includeGridData``. Ask only for small
        properties. ``rows``: read the cells of only these whole rows (1-based runs
        ``[start, end)``, each one ``ranges`` parameter, answered by Google as its
        own ``GridData``; every run must lie in the grid, Google refuses a range
        past it); None, or runs too many for one URL (:data:`MAX_RANGES_URL_CHARS`):
        the whole tab. The metadata is the whole tab's either way."""
        if rows and ranges_url_chars(title, rows) > MAX_RANGES_URL_CHARS:
            rows = None
        with_cells = rows is None or bool(rows)
        data_fields = (
            f",data(startRow,startColumn,rowData(values({cell_fields})))" if with_cells else ""
        )
        fields = (
            "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
            f"protectedRanges{data_fields})"
        )
        # No runs at all: still one range, naming the tab (no ranges would be every tab).
        ranges = (
            [row_range(title, start, end) for start, end in rows] if rows else [quote_title(title)]
        )
        params = {"ranges": ranges, "includeGridData": with_cells, "fields": fields}
        data = self._call(
            "spreadsheets.get",
            lambda: _grid_json(
                self.http.request("get", SPREADSHEET_URL % spreadsheet_id, params=params).content
            ),
        )
        sheets = data.get("sheets") or []
        sheet = next(
            (s for s in sheets if s.get("properties", {}).get("title") == title),
            None,
        )
        if sheet is None:
            raise SheetNotFound(f"the spreadsheet has no tab {title!r}")
        return TabGrid(
            props=tab_props_of(sheet.get("properties", {})),
            protected_ranges=list(sheet.get("protectedRanges") or []),
            cells=grid_cells(sheet.get("data") or []),
            rows_read=None if rows is None else tuple(rows),
        )

    def read_tab(self, spreadsheet_id: str, title: str) -> list[list[Cell]]:
        """All values of a tab (row 1 first), in one ``values.batchGet``.

        Trailing empty rows and cells are not sent by Google; rows are lists of
        unformatted values (numbers as numbers, dates as serial numbers).
        """
        return self._call("values.batchGet", lambda: self._values(spreadsheet_id, title))

    def _values(self, spreadsheet_id: str, title: str) -> list[list[Cell]]:
        params = {
            "ranges": [quote_title(title)],
            "valueRenderOption": ValueRenderOption.unformatted,
            "dateTimeRenderOption": DateTimeOption.serial_number,
            "majorDimension": Dimension.rows,
        }
        answer = self.http.request(
            "get", SPREADSHEET_VALUES_BATCH_URL % spreadsheet_id, params=params
        )
        data = _values_json(answer.content)
        ranges = data.get("valueRanges") or [{}]
        return ranges[0].get("values", []) or []

    # -- writes --------------------------------------------------------------
    def write_tab(
        self,
        spreadsheet_id: str,
        props: TabProps,
        cells: Mapping[tuple[int, int], Cell],
        *,
        append_at: int = 0,
        append_rows: Sequence[Sequence[Cell]] = (),
        extra_requests: Sequence[Mapping[str, Any]] = (),
    ) -> int:
        """Write one tab in one ``spreadsheets.batchUpdate``; return the cells written.

        ``cells`` are ``{(row 1-based, col 0-based): value}`` of existing rows;
        ``append_rows`` are inserted at row ``append_at`` (a row typed there in the
        meantime moves down); ``extra_requests`` (requests of the caller's own,
        addressing the grid after the insert) go last in the same batch. Columns
        are added when the cells need them. More than one batch only when the
        payload passes :attr:`max_request_bytes`; see :mod:`.batch_requests`.
        """
        batches = write_batches(
            props.sheet_id,
            row_count=props.row_count,
            column_count=props.column_count,
            cells=cells,
            append_at=append_at,
            append_rows=append_rows,
            extra_requests=extra_requests,
            limit=self.max_request_bytes,
            repeat_min_rows=REPEAT_MIN_ROWS,
        )
        for batch in batches:
            self._send_batch(spreadsheet_id, props, batch)
        return len(cells) + sum(1 for row in append_rows for v in row if v not in (None, ""))

    def _send_batch(self, spreadsheet_id: str, props: TabProps, batch: WriteBatch) -> None:
        """Send one batch, never applying it twice (inserted rows would be inserted
        twice). Before sending it again after a failure, check whether the failed
        attempt was applied with only its answer lost. An attempt that got no answer
        at all (timeout, dropped connection) may still be on its way: if it has not
        landed by the check, it is not sent again -- the sync fails and the next
        one reads whether it landed -- unless it only writes cell values."""
        sent = answered = False

        def attempt() -> None:
            nonlocal sent, answered
            if sent:
                if self._landed(spreadsheet_id, props, batch):
                    return
                if not answered and not batch.repeatable:
                    raise TransientError(
                        "the sheet write got no answer and has not shown up in the sheet; "
                        "it is not sent again (rows would be inserted twice)"
                    )
            sent, answered = True, False
            try:
                self.http.batch_update(spreadsheet_id, {"requests": batch.requests})
            except APIError:
                answered = True
                raise

        self._call("spreadsheets.batchUpdate", attempt)

    def _landed(self, spreadsheet_id: str, props: TabProps, batch: WriteBatch) -> bool:
        """Was ``batch`` applied? Its first inserted row is in the tab (the row
        carries a record id), or the grid has the columns it adds. A batch of cell
        values alone may simply be sent again. One extra call, counted."""
        if batch.marker is not None:
            self._attempt()
            marker = row_key(batch.marker)
            return any(row_key(row) == marker for row in self._values(spreadsheet_id, props.title))
        if batch.columns_to is not None:
            self._attempt()
            tabs = self._tab_props(spreadsheet_id).values()
            grid = next((t for t in tabs if t.sheet_id == props.sheet_id), None)
            return grid is not None and grid.column_count >= batch.columns_to
        return False
