"""Writes follow the row, not its position (pure: no I/O).

A plan addresses sheet rows by the number they had when the tab was read. Staff
may insert, delete, sort or copy rows before the write lands (on Google the
read -> write time is seconds on a large tab), and a write by position would then
put one firm's id, status or values on another firm's row. So, just before the
write, the tab is read again (one more ``values.batchGet``) and every row the
write addresses is looked for in it by its content as first read: a row still
where it was is kept there; one that moved is found by being the only row with
that content, in both reads; the plan is then re-addressed (:func:`readdress`,
a new plan, the old one is not changed). A row that cannot be found again (it
was edited, deleted, or copied so that two rows hold it) is not guessed at:
:func:`find_moves` names it and the write does not happen (the engine reads and
plans the tab afresh, and otherwise leaves it to the next sync). Two rows with
the same content are the same to every rule of the plan, so taking one for the
other writes what either would have received.

Why this and not Google's developer metadata (which moves with a row, and which
``values:batchUpdateByDataFilter`` can write through): it would tag every row
with one ``createDeveloperMetadata`` request (a first sync of 100,000 rows sends
100,000 of them, and every row a partner adds needs one before it can be
written), the values write by data filter cannot travel in the same atomic
``spreadsheets.batchUpdate`` as the inserted rows and the sheet aids, and the
metadata is lost when a partner copies rows into a new tab. The re-read costs one
call on a writing sync only (a sync with nothing to write makes none: still 1
call; a writing sync: read, re-read, the tab's metadata, the write: 4) and
narrows the window in which an edit can meet a stale plan from the planning
time to the few milliseconds between the re-read and the write.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.google_sheets.batch_requests import row_key

from .plan import Plan

Rows = Sequence[Sequence[Any]]


@dataclass(frozen=True)
class RowMoves:
    """Where the rows a write addresses are now: ``rows`` old number -> new number
    (1-based), ``lost`` the rows that could not be found again, and the first row
    below the data now (where appended rows go)."""

    rows: Mapping[int, int]
    lost: tuple[int, ...]
    append_at: int

    @property
    def moved(self) -> bool:
        return any(old != new for old, new in self.rows.items())


def _key(rows: Rows, number: int) -> tuple[Any, ...]:
    return row_key(rows[number - 1]) if 0 < number <= len(rows) else ()


def find_moves(before: Rows, after: Rows, wanted: Iterable[int], *, header_row: int) -> RowMoves:
    """Find each of the ``wanted`` rows of ``before`` (the tab as the plan read
    it, row 1 first) in ``after`` (the tab now): where it was if its content is
    still there, else the one row of ``after`` with its content, if it was the
    one row of ``before`` with it. Only rows below the header move with the data
    (a row added above the header moves the header, found the same way)."""
    rows: dict[int, int] = {}
    lost: list[int] = []
    index: dict[tuple[Any, ...], list[int]] | None = None
    counts: Counter[tuple[Any, ...]] | None = None
    for number in sorted(set(wanted)):
        key = _key(before, number)
        if _key(after, number) == key:
            rows[number] = number
            continue
        if index is None or counts is None:
            index, counts = {}, Counter(row_key(r) for r in before)
            for n, line in enumerate(after, start=1):
                index.setdefault(row_key(line), []).append(n)
        found = index.get(key, [])
        if key and counts[key] == 1 and len(found) == 1:
            rows[number] = found[0]
        else:
            lost.append(number)
    header = rows.get(header_row, header_row)
    return RowMoves(rows, tuple(lost), max(len(after), header) + 1)


def written_rows(plan: Plan) -> set[int]:
    """Every row the plan's write addresses: the header, the rows it writes cells
    to, and the rows whose marks (notes, highlights) the sheet aids may set."""
    rows = {row for row, _col in plan.cells}
    rows.update(item.row for item in plan.quarantine)
    rows.add(plan.header_row)
    return rows


def readdress(plan: Plan, moves: RowMoves) -> Plan:
    """The plan with every row number moved to where that row is now (a new plan;
    call only when nothing is :attr:`RowMoves.lost`)."""
    if moves.lost:
        raise ValueError(f"rows {list(moves.lost)} cannot be found again")
    if not moves.moved:
        # the usual case: every row where it was (a first sync of 100,000 rows
        # would otherwise copy its 300,000 cells and 100,000 new records)
        if moves.append_at == plan.append_at:
            return plan
        return dataclasses.replace(plan, append_at=moves.append_at)
    to = moves.rows

    def new(row: int) -> int:
        return to.get(row, row)

    return dataclasses.replace(
        plan,
        cells={(new(row), col): value for (row, col), value in plan.cells.items()},
        creates=[dataclasses.replace(c, row=new(c.row)) for c in plan.creates],
        quarantine=[dataclasses.replace(q, row=new(q.row)) for q in plan.quarantine],
        header_row=new(plan.header_row),
        append_at=moves.append_at,
    )
