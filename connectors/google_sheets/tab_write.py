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

A batch passing the size limit is split, but never between an
``insertDimension`` and the ``updateCells`` that fills its rows, so each batch
is atomic for the rows it inserts. Each batch says how to tell afterwards
whether it was applied (:class:`WriteBatch`): inserting rows is not idempotent,
so a batch whose answer was lost must not simply be sent again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
    return len(json.dumps(request, ensure_ascii=False).encode("utf-8"))


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
) -> Iterable[tuple[int, Sequence[Sequence[Cell]]]]:
    """Cut rows into runs whose cells stay under ``limit`` bytes: (offset, rows)."""
    start, size = 0, 0
    for i, row in enumerate(rows):
        row_size = _size({"values": [cell_data(v) for v in row]})
        if i > start and size + row_size > limit:
            yield start, rows[start:i]
            start, size = i, 0
        size += row_size + 1
    if start < len(rows):
        yield start, rows[start:]


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
) -> list[WriteBatch]:
    """The batches of one tab's write, in order, each under ``limit`` bytes
    (unless a single unit is larger).

    ``cells`` are ``{(row 1-based, col 0-based): value}`` of rows above
    ``append_at``; ``append_rows`` are inserted at ``append_at``, pushing down
    whatever is there by then; ``extra_requests`` go last, so they address the
    grid after the rows were inserted.
    """
    if append_rows and any(row >= append_at for row, _ in cells):
        raise ValueError("cells of existing rows must lie above the rows appended")
    if append_rows and not 1 <= append_at <= row_count + 1:
        raise ValueError(f"rows cannot be appended at row {append_at} of a {row_count}-row grid")
    units: list[_Unit] = []
    widest = max((*(col + 1 for _, col in cells), *(len(r) for r in append_rows)), default=0)
    columns_to: int | None = None
    if widest > column_count:
        request = append_columns(sheet_id, widest - column_count)
        units.append(_Unit([request], _size(request), repeatable=False))
        columns_to = widest
    half = max(1, limit // 2)
    for row, col, values in coalesce(cells):
        for offset, part in _rows_in_runs(values, half):
            request = update_cells(sheet_id, row + offset, col, part)
            units.append(_Unit([request], _size(request)))
    for offset, part in _rows_in_runs(append_rows, half):
        at = append_at + offset
        insert = insert_rows(sheet_id, at, len(part), row_count=row_count + offset)
        fill = update_cells(sheet_id, at, 0, part)
        units.append(
            _Unit(
                [insert, fill],
                _size(insert) + _size(fill),
                marker=list(part[0]),
                repeatable=False,
            )
        )
    for extra in extra_requests:
        repeatable = set(extra) <= SAME_TWICE
        units.append(_Unit([dict(extra)], _size(extra), repeatable=repeatable))
    batches: list[WriteBatch] = []
    current = WriteBatch()
    for unit in units:
        if current.requests and current.size + unit.size > limit:
            batches.append(current)
            current = WriteBatch()
        current.requests.extend(unit.requests)
        current.size += unit.size + 1
        current.repeatable = current.repeatable and unit.repeatable
        if unit.marker is not None and current.marker is None:
            current.marker = unit.marker
    if current.requests:
        batches.append(current)
    if columns_to is not None and batches[0].marker is None:
        batches[0].columns_to = columns_to
    return batches


def row_key(row: Sequence[Cell]) -> tuple[Cell, ...]:
    """A row as written or as read back, comparable: empty cells are ``None``,
    trailing empty cells dropped (Google does not send them)."""
    values = [None if v == "" else v for v in row]
    while values and values[-1] is None:
        values.pop()
    return tuple(values)
