"""Whole-tab reads and batched writes: the number of calls never grows with rows.

A tab is read in one ``values.batchGet`` (unformatted values, dates as serial
numbers, so nothing depends on the sheet's locale, and text such as ``00123`` or
``+37120000000`` arrives exactly as stored). All changed cells go out in one
``values.batchUpdate`` with ``valueInputOption=RAW`` (nothing typed by anyone is
ever run as a formula), split only when a request would pass ~2 MB. Grid growth
(new service columns, rows for appended records) is one ``spreadsheets.batchUpdate``
with ``appendDimension`` requests, which can carry other requests for the tab
(:meth:`SheetsConnector.batch_update`). :meth:`SheetsConnector.tab_grid` reads a
tab's grid size, its protected ranges and chosen cell properties (notes, formats)
in one ``spreadsheets.get``, for a write that needs the grid size anyway. Every
request goes through the retry policy and the shared rate budgets, and is counted
in :attr:`SheetsConnector.calls`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from gspread.utils import (
    DateTimeOption,
    Dimension,
    ValueInputOption,
    ValueRenderOption,
    absolute_range_name,
    rowcol_to_a1,
)

from .errors import SheetNotFound
from .ratelimit import Budgets, unlimited
from .retry import RetryPolicy, call_with_retry

T = TypeVar("T")
DRIVE_FILES_URL = "https://www.googleapis.com/drive/v3/files"
DRIVE_CHANNELS_STOP_URL = "https://www.googleapis.com/drive/v3/channels/stop"
#: Google's recommended maximum payload is 2 MB; stay a little under it.
MAX_REQUEST_BYTES = 1_900_000

Cell = Any  # str | int | float | bool | None


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


def _tab_props(props: Mapping[str, Any]) -> TabProps:
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


def quote_title(title: str) -> str:
    """A tab title as an A1 sheet name (always quoted; quotes doubled)."""
    return absolute_range_name(title)


def a1_range(title: str, row: int, col: int, last_row: int, last_col: int) -> str:
    """1-based rows, 0-based columns -> ``'Tab'!B2:D5``."""
    start = rowcol_to_a1(row, col + 1)
    end = rowcol_to_a1(last_row, last_col + 1)
    return absolute_range_name(title, start if start == end else f"{start}:{end}")


def _raw(value: Cell) -> Cell:
    """``None`` clears a cell (RAW empty string); everything else goes as is."""
    return "" if value is None else value


def coalesce(cells: Mapping[tuple[int, int], Cell]) -> list[tuple[int, int, list[list[Cell]]]]:
    """Group single cells into rectangular blocks ``(row, col, values)``.

    Adjacent cells of a row become one run; runs spanning the same columns in
    consecutive rows become one block. So a new column of ids or a freshly written
    status column is one range, not one range per cell.
    """
    runs: list[tuple[int, int, int, list[Cell]]] = []  # row, first col, last col, values
    by_row: dict[int, list[int]] = {}
    for row, col in cells:
        by_row.setdefault(row, []).append(col)
    for row in sorted(by_row):
        cols = sorted(by_row[row])
        start = prev = cols[0]
        values = [_raw(cells[(row, start)])]
        for col in cols[1:]:
            if col == prev + 1:
                values.append(_raw(cells[(row, col)]))
            else:
                runs.append((row, start, prev, values))
                start, values = col, [_raw(cells[(row, col)])]
            prev = col
        runs.append((row, start, prev, values))
    runs.sort(key=lambda r: (r[1], r[2], r[0]))
    blocks: list[tuple[int, int, list[list[Cell]]]] = []
    current: tuple[int, int, int, int, list[list[Cell]]] | None = None  # row0, last, c0, c1
    for row, c0, c1, values in runs:
        if current is not None and current[2:4] == (c0, c1) and current[1] + 1 == row:
            current[4].append(values)
            current = (current[0], row, c0, c1, current[4])
        else:
            if current is not None:
                blocks.append((current[0], current[2], current[4]))
            current = (row, row, c0, c1, [values])
    if current is not None:
        blocks.append((current[0], current[2], current[4]))
    blocks.sort()
    return blocks


def _split_tall(
    blocks: Iterable[tuple[int, int, list[list[Cell]]]], limit: int
) -> Iterable[tuple[int, int, list[list[Cell]]]]:
    """Cut blocks whose JSON alone would pass ``limit`` into runs of rows."""
    for row, col, values in blocks:
        size = len(json.dumps(values, ensure_ascii=False).encode("utf-8"))
        if size <= limit // 2 or len(values) == 1:
            yield row, col, values
            continue
        per_row = max(1, size // len(values))
        step = max(1, (limit // 2) // per_row)
        for start in range(0, len(values), step):
            yield row + start, col, values[start : start + step]


def grow_requests(sheet_id: int, *, rows: int = 0, columns: int = 0) -> list[dict[str, Any]]:
    """``appendDimension`` requests adding ``rows`` and/or ``columns`` to a grid."""
    return [
        {"appendDimension": {"sheetId": sheet_id, "dimension": dim, "length": n}}
        for dim, n in ((Dimension.cols, columns), (Dimension.rows, rows))
        if n > 0
    ]


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

    def _attempt(self) -> None:
        self.budgets.acquire()
        self.calls += 1

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        return call_with_retry(fn, self.retry, on_attempt=self._attempt, what=what)

    # -- reads ---------------------------------------------------------------
    def metadata(self, spreadsheet_id: str) -> dict[str, TabProps]:
        """Every tab's id and grid size, in one ``spreadsheets.get``."""
        data = self._call(
            "spreadsheets.get",
            lambda: self.http.fetch_sheet_metadata(
                spreadsheet_id, params={"fields": "sheets.properties"}
            ),
        )
        tabs: dict[str, TabProps] = {}
        for sheet in data.get("sheets", []):
            props = _tab_props(sheet.get("properties", {}))
            tabs[props.title] = props
        return tabs

    def tab(self, spreadsheet_id: str, title: str) -> TabProps:
        tabs = self.metadata(spreadsheet_id)
        if title not in tabs:
            known = ", ".join(sorted(tabs)) or "none"
            raise SheetNotFound(f"the spreadsheet has no tab {title!r} (tabs: {known})")
        return tabs[title]

    def tab_grid(self, spreadsheet_id: str, title: str, *, cell_fields: str) -> TabGrid:
        """One tab's metadata, protected ranges and the ``cell_fields`` of its cells
        (a ``CellData`` field mask such as ``note,userEnteredFormat.backgroundColor``),
        in one ``spreadsheets.get`` with ``includeGridData``. Ask only for small
        properties: a tab's cells are all returned."""
        fields = (
            "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
            f"protectedRanges,data(startRow,startColumn,rowData(values({cell_fields}))))"
        )
        data = self._call(
            "spreadsheets.get",
            lambda: self.http.fetch_sheet_metadata(
                spreadsheet_id,
                params={"ranges": quote_title(title), "includeGridData": True, "fields": fields},
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
            props=_tab_props(sheet.get("properties", {})),
            protected_ranges=list(sheet.get("protectedRanges") or []),
            cells=grid_cells(sheet.get("data") or []),
        )

    def read_tab(self, spreadsheet_id: str, title: str) -> list[list[Cell]]:
        """All values of a tab (row 1 first), in one ``values.batchGet``.

        Trailing empty rows and cells are not sent by Google; rows are lists of
        unformatted values (numbers as numbers, dates as serial numbers).
        """
        data = self._call(
            "values.batchGet",
            lambda: self.http.values_batch_get(
                spreadsheet_id,
                [quote_title(title)],
                params={
                    "valueRenderOption": ValueRenderOption.unformatted,
                    "dateTimeRenderOption": DateTimeOption.serial_number,
                    "majorDimension": Dimension.rows,
                },
            ),
        )
        ranges = data.get("valueRanges") or [{}]
        return ranges[0].get("values", []) or []

    # -- Drive: the file behind the spreadsheet ---------------------------------
    def modified_time(self, spreadsheet_id: str) -> datetime | None:
        """When Drive last saw the spreadsheet change (one ``files.get``), or None
        when Drive does not say."""
        meta = self._call(
            "drive.files.get",
            lambda: self.http.request(
                "get",
                f"{DRIVE_FILES_URL}/{spreadsheet_id}",
                params={"fields": "modifiedTime", "supportsAllDrives": True},
            ).json(),
        )
        stamp = (meta or {}).get("modifiedTime")
        if not stamp:
            return None
        try:
            return datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        except ValueError:
            return None

    def watch_file(
        self, spreadsheet_id: str, *, channel_id: str, address: str, token: str, expiration_ms: int
    ) -> dict[str, Any]:
        """Open a Drive push channel on the spreadsheet (``files.watch``); returns
        Drive's ``api#channel`` (``resourceId``, ``expiration`` in ms as a string)."""
        body = {
            "id": channel_id,
            "type": "web_hook",
            "address": address,
            "token": token,
            "expiration": str(expiration_ms),
        }
        return self._call(
            "drive.files.watch",
            lambda: self.http.request(
                "post",
                f"{DRIVE_FILES_URL}/{spreadsheet_id}/watch",
                params={"supportsAllDrives": True},
                json=body,
            ).json(),
        )

    def stop_channel(self, channel_id: str, resource_id: str) -> None:
        """Stop a push channel (``channels.stop``); a channel Drive no longer knows
        raises :class:`SheetNotFound`."""
        self._call(
            "drive.channels.stop",
            lambda: self.http.request(
                "post", DRIVE_CHANNELS_STOP_URL, json={"id": channel_id, "resourceId": resource_id}
            ),
        )

    # -- writes --------------------------------------------------------------
    def grow(self, spreadsheet_id: str, sheet_id: int, *, rows: int = 0, columns: int = 0) -> None:
        """Add ``rows`` and/or ``columns`` at the end of the grid, in one call."""
        self.batch_update(spreadsheet_id, grow_requests(sheet_id, rows=rows, columns=columns))

    def batch_update(self, spreadsheet_id: str, requests: list[dict[str, Any]]) -> None:
        """Send ``requests`` as one atomic ``spreadsheets.batchUpdate`` (none: no call)."""
        if requests:
            self._call(
                "spreadsheets.batchUpdate",
                lambda: self.http.batch_update(spreadsheet_id, {"requests": requests}),
            )

    def write_cells(
        self, spreadsheet_id: str, title: str, cells: Mapping[tuple[int, int], Cell]
    ) -> int:
        """Write ``{(row 1-based, col 0-based): value}`` RAW; return cells written.

        One ``values.batchUpdate`` unless the payload passes the size limit.
        """
        if not cells:
            return 0
        for body in self._write_bodies(title, coalesce(cells)):
            self._call(
                "values.batchUpdate",
                lambda body=body: self.http.values_batch_update(spreadsheet_id, body),
            )
        return len(cells)

    def _write_bodies(
        self, title: str, blocks: Iterable[tuple[int, int, list[list[Cell]]]]
    ) -> list[dict[str, Any]]:
        bodies: list[dict[str, Any]] = []
        data: list[dict[str, Any]] = []
        size = 0
        for row, col, values in _split_tall(blocks, self.max_request_bytes):
            width = max(len(v) for v in values)
            rng = a1_range(title, row, col, row + len(values) - 1, col + width - 1)
            item = {"range": rng, "majorDimension": Dimension.rows, "values": values}
            item_size = len(json.dumps(item, ensure_ascii=False).encode("utf-8"))
            if data and size + item_size > self.max_request_bytes:
                bodies.append({"valueInputOption": ValueInputOption.raw, "data": data})
                data, size = [], 0
            data.append(item)
            size += item_size + 1
        if data:
            bodies.append({"valueInputOption": ValueInputOption.raw, "data": data})
        return bodies
