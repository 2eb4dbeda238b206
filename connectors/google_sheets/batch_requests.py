"""A tab's sheet write as ``spreadsheets.batchUpdate`` requests (pure: no I/O).

Why one ``spreadsheets.batchUpdate`` and not values writes: rows appended below
the last row read must not land on a row a partner typed there while the sync
ran. ``insertDimension`` at the first free row, then ``updateCells`` into the
inserted rows, in the same atomic batch, shifts such a row down instead of
overwriting it. Cells of existing rows go in the same batch as ``updateCells``
with the field mask ``userEnteredValue``: formats, notes and validation of
those cells stay, and a value is sent typed (``stringValue``, ``numberValue``,
``boolValue``), so text is never parsed -- a name starting with ``=`` stays
text, as with the ``RAW`` input option -- and an empty value clears the cell.

Equal values down a column (a first sync's ``OK`` statuses and its one ``Last
synced`` stamp) go as one ``repeatCell`` per run of rows
(:func:`repeat_runs`, when the caller asks for it): a 100,000-row first sync
is then some 6 MB of ids instead of some 16 MB of ids, statuses and stamps.

One write is one batch unless it passes the size limit (the connector's
``MAX_REQUEST_BYTES``, 9 MB). Google documents no hard limit for a request and
*recommends* 2 MB "to speed up requests"; what its front end refuses, with a
400 for the whole request, is a payload over 10,485,760 bytes ("Request
payload size exceeds the limit: 10485760 bytes"). Splitting under 2 MB cost a
100,000-row first sync 36 batches: each a round trip (100-300 ms at Google),
a unit of the 60-writes-per-minute user quota, and a point where a failure
leaves the tab half written; in the emulator, 36 batches of the old 2 MB took
longer than the one 6 MB batch (each batch works on a copy of the tab). The
split stays for what can pass 10 MB (a first sync of a tab wider or taller
than that, with a problem in every row): a batch passing the limit is split,
but never between an ``insertDimension`` and the ``updateCells`` that fills
its rows, so each batch is atomic for the rows it inserts. Each batch says how to tell afterwards
whether it was applied (:class:`WriteBatch`): inserting rows is not idempotent,
so a batch whose answer was lost must not simply be sent again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from typing import Any

from gspread.utils import Dimension

Cell = Any  # str | int | float | bool | None
#: Requests that set a state, not add one: applying one twice changes nothing, so
#: a batch of them may simply be sent again (an added protected range would be
#: added twice, a deleted one would fail the second time).
SAME_TWICE = frozenset({"updateCells", "repeatCell", "setDataValidation"})
Requests = list[dict[str, Any]]

#: The one part of a cell the sync writes: its value (never format, note, validation).
VALUE_MASK = "userEnteredValue"


def cell_data(value: Cell) -> dict[str, Any]:
    """A value as Google's ``CellData`` for the ``userEnteredValue`` mask.

    ``None`` and ``""`` clear the cell (a ``CellData`` without the field), as a
    ``RAW`` empty string did; text is a ``stringValue`` (never a formula).
    """
    if value is None or value == "":
        return {}
    if isinstance(value, bool):  # before int: a bool is an int in Python
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    if isinstance(value, str):
        return {"userEnteredValue": {"stringValue": value}}
    raise TypeError(f"a sheet cell holds text, a number or a boolean, not {type(value).__name__}")


def repeat_runs(
    cells: Mapping[tuple[int, int], Cell], min_rows: int
) -> tuple[list[tuple[int, int, int, Cell]], dict[tuple[int, int], Cell]]:
    """Split ``cells`` into runs of one value down a column, at least ``min_rows``
    consecutive rows long, ``(first row, last row, col, value)``, and the cells
    left over. Written as ``repeatCell`` with the ``userEnteredValue`` mask, a run
    sets exactly the cells an ``updateCells`` of the same values would."""
    by_col: dict[int, list[int]] = {}
    for row, col in cells:
        by_col.setdefault(col, []).append(row)
    runs: list[tuple[int, int, int, Cell]] = []
    rest: dict[tuple[int, int], Cell] = {}
    for col, rows in by_col.items():
        rows.sort()
        start = 0
        for i in range(1, len(rows) + 1):
            if (
                i < len(rows)
                and rows[i] == rows[i - 1] + 1
                and _same(cells[(rows[i], col)], cells[(rows[start], col)])
            ):
                continue
            first, last = rows[start], rows[i - 1]
            if last - first + 1 >= min_rows:
                runs.append((first, last, col, cells[(first, col)]))
            else:
                for row in rows[start:i]:
                    rest[(row, col)] = cells[(row, col)]
            start = i
    runs.sort()
    return runs, rest


def _same(a: Cell, b: Cell) -> bool:
    """One value as the sheet sees it (``1`` and ``True`` are not, nor ``None``
    and ``0``)."""
    return type(a) is type(b) and a == b


def coalesce(cells: Mapping[tuple[int, int], Cell]) -> list[tuple[int, int, list[list[Cell]]]]:
    """Group single cells into rectangular blocks ``(row, col, values)``.

    Adjacent cells of a row become one run; runs spanning the same columns in
    consecutive rows become one block. So a new column of ids or a freshly written
    status column is one request, not one per cell. Every block is exactly the
    cells given (an ``updateCells`` from a start coordinate writes what it is sent).
    """
    runs: list[tuple[int, int, int, list[Cell]]] = []  # row, first col, last col, values
    by_row: dict[int, list[int]] = {}
    for row, col in cells:
        by_row.setdefault(row, []).append(col)
    for row in sorted(by_row):
        cols = sorted(by_row[row])
        start = prev = cols[0]
        values = [cells[(row, start)]]
        for col in cols[1:]:
            if col == prev + 1:
                values.append(cells[(row, col)])
            else:
                runs.append((row, start, prev, values))
                start, values = col, [cells[(row, col)]]
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


def update_cells(sheet_id: int, row: int, col: int, values: Sequence[Sequence[Cell]]) -> dict:
    """``updateCells`` writing ``values`` from (1-based ``row``, 0-based ``col``)."""
    return {
        "updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": row - 1, "columnIndex": col},
            "rows": [{"values": [cell_data(v) for v in line]} for line in values],
            "fields": VALUE_MASK,
        }
    }


def repeat_cell(sheet_id: int, first: int, last: int, col: int, value: Cell) -> dict:
    """``repeatCell`` writing ``value`` into 1-based rows ``first``..``last`` of
    0-based column ``col``."""
    return {
        "repeatCell": {
            "range": {
                "sheetId": sheet_id,
                "startRowIndex": first - 1,
                "endRowIndex": last,
                "startColumnIndex": col,
                "endColumnIndex": col + 1,
            },
            "cell": cell_data(value),
            "fields": VALUE_MASK,
        }
    }


def insert_rows(sheet_id: int, row: int, count: int, *, row_count: int) -> dict:
    """``insertDimension`` of ``count`` empty rows before 1-based ``row``.

    The new rows take their formatting and validation from the row below (as rows
    a partner types into the blank rows below the data do); only at the very end
    of the grid, where no row follows, from the row above (Google refuses to
    inherit from after there).
    """
    start = row - 1
    return {
        "insertDimension": {
            "range": {
                "sheetId": sheet_id,
                "dimension": Dimension.rows,
                "startIndex": start,
                "endIndex": start + count,
            },
            "inheritFromBefore": start >= row_count,
        }
    }


def append_columns(sheet_id: int, count: int) -> dict:
    return {"appendDimension": {"sheetId": sheet_id, "dimension": Dimension.cols, "length": count}}


def _size(request: Mapping[str, Any]) -> int:
    """Bytes of ``request`` as sent: the client's JSON (ASCII, ``", "``/``": "``)."""
    return len(json.dumps(request))


#: Bytes around a value in ``cell_data``'s JSON, by type, and of an empty cell.
_AROUND = {
    str: len(json.dumps({"userEnteredValue": {"stringValue": ""}})) - 2,
    bool: len(json.dumps({"userEnteredValue": {"boolValue": True}})) - 4,
    int: len(json.dumps({"userEnteredValue": {"numberValue": 0}})) - 1,
    float: len(json.dumps({"userEnteredValue": {"numberValue": 0}})) - 1,
}


def _cell_bytes(value: Cell) -> int:
    """``len(json.dumps(cell_data(value)))``, without building it."""
    if value is None or value == "":
        return 2
    kind = type(value)
    if kind is str:
        return _AROUND[str] + len(encode_basestring_ascii(value))
    if kind is bool:
        return _AROUND[bool] + (4 if value else 5)
    if kind is int or kind is float:
        return _AROUND[kind] + len(json.dumps(value))
    return len(json.dumps(cell_data(value)))


def _row_bytes(row: Sequence[Cell]) -> int:
    """``len(json.dumps({"values": [cell_data(v) for v in row]}))``."""
    return 14 + sum(_cell_bytes(v) for v in row) + 2 * max(len(row) - 1, 0)


def _update_size(sheet_id: int, row: int, col: int, row_sizes: Sequence[int]) -> int:
    """``_size(update_cells(...))`` from the sizes of its rows (:func:`_row_bytes`)."""
    empty = _size(update_cells(sheet_id, row, col, []))
    return empty + sum(row_sizes) + 2 * max(len(row_sizes) - 1, 0)


@dataclass
class WriteBatch:
    """One ``spreadsheets.batchUpdate``: its requests, and how to tell it landed.

    ``marker`` is the first row it inserts, if it inserts rows: the rows carry a
    record id, so finding that row in the tab means the batch was applied.
    ``columns_to`` is the column count the grid has once a batch that adds
    columns (and inserts no rows) was applied.
    """

    requests: Requests = field(default_factory=list)
    size: int = 0
    marker: list[Cell] | None = None
    columns_to: int | None = None
    #: only cell values: applying it twice changes nothing
    repeatable: bool = True


@dataclass(frozen=True)
class _Unit:
    """Requests that must go in the same batch (an insert and the cells of its rows)."""

    requests: Requests
    size: int
    marker: list[Cell] | None = None
    repeatable: bool = True


def _rows_in_runs(
    rows: Sequence[Sequence[Cell]], limit: int
) -> Iterable[tuple[int, Sequence[Sequence[Cell]], list[int]]]:
    """Cut rows into runs whose cells stay under ``limit`` bytes: (offset, rows,
    each row's size)."""
    start, size = 0, 0
    sizes: list[int] = []
    for i, row in enumerate(rows):
        row_size = _row_bytes(row)
        if i > start and size + row_size > limit:
            yield start, rows[start:i], sizes
            start, size, sizes = i, 0, []
        size += row_size + 2
        sizes.append(row_size)
    if start < len(rows):
        yield start, rows[start:], sizes


def write_batches(
    sheet_id: int,
    *,
    row_count: int,
    column_count: int,
    cells: Mapping[tuple[int, int], Cell],
    append_at: int = 0,
    append_rows: Sequence[Sequence[Cell]] = (),
    extra_requests: Sequence[Mapping[str, Any]] = (),
    limit: int,
    repeat_min_rows: int | None = None,
) -> list[WriteBatch]:
    """The batches of one tab's write, in order, each under ``limit`` bytes
    (unless a single unit is larger).

    ``cells`` are ``{(row 1-based, col 0-based): value}`` of rows above
    ``append_at``; ``append_rows`` are inserted at ``append_at``, pushing down
    whatever is there by then; ``extra_requests`` go last, so they address the
    grid after the rows were inserted. ``repeat_min_rows``: runs of one value
    down a column at least that long go as one ``repeatCell`` (:func:`repeat_runs`);
    None: every cell in ``updateCells``.
    """
    _check_appends(cells, append_at, append_rows, row_count)
    widest = max((*(col + 1 for _, col in cells), *(len(r) for r in append_rows)), default=0)
    columns_to = widest if widest > column_count else None
    half = max(1, limit // 2)
    units = [
        *_column_units(sheet_id, widest - column_count),
        *_cell_units(sheet_id, cells, half, repeat_min_rows),
        *_append_units(sheet_id, append_at, append_rows, half, row_count),
        *_extra_units(extra_requests),
    ]
    batches = _packed(units, limit)
    if columns_to is not None and batches[0].marker is None:
        batches[0].columns_to = columns_to
    return batches


def _check_appends(
    cells: Mapping[tuple[int, int], Cell],
    append_at: int,
    append_rows: Sequence[Sequence[Cell]],
    row_count: int,
) -> None:
    """Refuse a write whose appended rows would land on the cells it changes, or
    outside the grid: the insert would shift those cells, or Google would refuse it."""
    if append_rows and any(row >= append_at for row, _ in cells):
        raise ValueError("cells of existing rows must lie above the rows appended")
    if append_rows and not 1 <= append_at <= row_count + 1:
        raise ValueError(f"rows cannot be appended at row {append_at} of a {row_count}-row grid")


def _column_units(sheet_id: int, missing: int) -> list[_Unit]:
    """The columns the write needs beyond the grid, added first so every later
    request addresses existing cells; not repeatable (a second append adds more)."""
    if missing <= 0:
        return []
    request = append_columns(sheet_id, missing)
    return [_Unit([request], _size(request), repeatable=False)]


def _cell_units(
    sheet_id: int,
    cells: Mapping[tuple[int, int], Cell],
    half: int,
    repeat_min_rows: int | None,
) -> list[_Unit]:
    """Cells of existing rows: runs of one value as ``repeatCell`` (when asked),
    the rest as ``updateCells`` blocks cut to ``half`` the limit, so two fit a batch.
    Each sets values only, so each may be sent twice."""
    units: list[_Unit] = []
    if repeat_min_rows is not None:
        runs, cells = repeat_runs(cells, repeat_min_rows)
        for first, last, col, value in runs:
            request = repeat_cell(sheet_id, first, last, col, value)
            units.append(_Unit([request], _size(request)))
    for row, col, values in coalesce(cells):
        for offset, part, sizes in _rows_in_runs(values, half):
            request = update_cells(sheet_id, row + offset, col, part)
            units.append(_Unit([request], _update_size(sheet_id, row + offset, col, sizes)))
    return units


def _append_units(
    sheet_id: int,
    append_at: int,
    append_rows: Sequence[Sequence[Cell]],
    half: int,
    row_count: int,
) -> list[_Unit]:
    """Appended rows, each run an insert and the fill of its rows in one unit (never
    split apart, so each batch is atomic for the rows it inserts), marked by its
    first row: inserting is not repeatable, the marker tells whether it landed."""
    units: list[_Unit] = []
    for offset, part, sizes in _rows_in_runs(append_rows, half):
        at = append_at + offset
        insert = insert_rows(sheet_id, at, len(part), row_count=row_count + offset)
        fill = update_cells(sheet_id, at, 0, part)
        units.append(
            _Unit(
                [insert, fill],
                _size(insert) + _update_size(sheet_id, at, 0, sizes),
                marker=list(part[0]),
                repeatable=False,
            )
        )
    return units


def _extra_units(extra_requests: Sequence[Mapping[str, Any]]) -> list[_Unit]:
    """The caller's requests, one unit each, repeatable only when they set a state
    (:data:`SAME_TWICE`)."""
    return [
        _Unit([dict(extra)], _size(extra), repeatable=set(extra) <= SAME_TWICE)
        for extra in extra_requests
    ]


def _packed(units: Sequence[_Unit], limit: int) -> list[WriteBatch]:
    """Units packed in order into batches under ``limit`` bytes (a unit larger than
    that goes alone): a batch is repeatable only if all its units are, and is
    marked by the first row it inserts."""
    batches: list[WriteBatch] = []
    current = WriteBatch()
    for unit in units:
        if current.requests and current.size + unit.size > limit:
            batches.append(current)
            current = WriteBatch()
        current.requests.extend(unit.requests)
        current.size += unit.size + 2  # ", " between requests
        current.repeatable = current.repeatable and unit.repeatable
        if unit.marker is not None and current.marker is None:
            current.marker = unit.marker
    if current.requests:
        batches.append(current)
    return batches


def row_key(row: Sequence[Cell]) -> tuple[Cell, ...]:
    """A row as written or as read back, comparable: empty cells are ``None``,
    trailing empty cells dropped (Google does not send them)."""
    values = [None if v == "" else v for v in row]
    while values and values[-1] is None:
        values.pop()
    return tuple(values)
