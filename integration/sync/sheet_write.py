"""Writing a plan to its tab: one ``spreadsheets.batchUpdate`` of new columns,
changed cells, appended rows (inserted and filled in the same atomic request, so
a row typed below the last row read during the sync is pushed down, never
overwritten) and the tab's aids (:mod:`.sheet_aids`).

Just before the write, :func:`follow_rows` reads the tab again and re-addresses
the plan to where its rows are now (:mod:`.row_moves`: why, and what it costs).

The store side of carrying out a plan is :mod:`.apply`; :mod:`.carry_out` calls
this between reserving ids and the store transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.google_sheets.tab_io import SheetsConnector, TabProps
from integration.events import Event

from . import sheet_aids
from .plan import Plan
from .row_moves import Rows, find_moves, readdress, written_rows


class RowsLost(Exception):
    """Rows the write addresses were edited, deleted or duplicated since the tab
    was read: nothing is written (the tab is read and planned again)."""

    def __init__(self, rows: Sequence[int]) -> None:
        shown = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
        super().__init__(
            f"rows {shown} changed while the sync ran; nothing was written, "
            "the next sync reads them again"
        )
        self.rows = tuple(rows)


def follow_rows(
    connector: SheetsConnector, spreadsheet_id: str, title: str, plan: Plan, read: Rows
) -> Plan:
    """The plan addressed to where its rows are now: the tab read again (one
    ``values.batchGet``) and each row the write addresses found by its content in
    ``read``, the rows the plan was made from. A plan that writes nothing is
    returned as it is, without a call. Raises :class:`RowsLost` when a row cannot
    be found again."""
    if not plan.has_sheet_writes:
        return plan
    now = connector.read_tab(spreadsheet_id, title)
    moves = find_moves(read, now, written_rows(plan), header_row=plan.header_row)
    if moves.lost:
        raise RowsLost(moves.lost)
    return readdress(plan, moves)


@dataclass
class SheetWriteResult:
    """What one tab's write did (counted into its sync run)."""

    cells_written: int = 0
    rows_appended: int = 0
    sheet_id: int | None = None  # the tab's gid, when the write read the metadata


#: Requests of the caller's own for the tab's write batch, built once the tab's id
#: and grid size are known (say, the sheet aids: validation rules, notes).
ExtraRequests = Callable[[TabProps], Sequence[Mapping[str, Any]]]


def write_sheet(
    connector: SheetsConnector,
    spreadsheet_id: str,
    title: str,
    plan: Plan,
    *,
    extra_requests: ExtraRequests | None = None,
    aids_locale: str | None = None,
    aids_zone: str | None = None,
    events: Sequence[Event] = (),
) -> SheetWriteResult:
    """Write the plan's cells and appended rows in the tab's one batch.

    The appended rows are inserted at ``plan.append_at`` and filled in the same
    atomic request, so a row a partner typed below the last row read while this
    sync ran is pushed down, never overwritten (the next sync reads it as a new
    row). ``extra_requests`` travel last in the same batch; they address the grid
    after the insert. The batch needs the tab's id and grid size: one metadata
    call, made only when there is something to write (pass ``None``, not a
    builder returning nothing, when there is nothing extra).

    ``aids_locale``: the tab's aids (:mod:`.sheet_aids`), in that language, go in
    the same batch when the plan writes anything; what the tab has is read in that
    one metadata call (None: the partner opted out); ``aids_zone``: the partner's
    time zone, named in the note on the ``Last synced`` header; ``events``: the
    project's shared list, offered in the Event column.
    """
    result = SheetWriteResult(rows_appended=len(plan.appends))
    rows = [row for _rid, row in plan.appends]
    if not plan.cells and not rows and extra_requests is None:
        return result
    if aids_locale is not None and plan.layout is not None and (plan.cells or rows):
        want = sheet_aids.wanted(plan, plan.layout, aids_locale, events, aids_zone)
        props, aids = _tab_with_aids(connector, spreadsheet_id, title, plan, want)
    else:
        props, aids = connector.tab(spreadsheet_id, title), []
    result.sheet_id = props.sheet_id
    extra = [*aids, *(extra_requests(props) if extra_requests is not None else ())]
    if not plan.cells and not rows and not extra:
        return result
    result.cells_written = connector.write_tab(
        spreadsheet_id,
        props,
        plan.cells,
        append_at=plan.append_at,
        append_rows=rows,
        extra_requests=extra,
    )
    return result


def _tab_with_aids(
    connector: SheetsConnector,
    spreadsheet_id: str,
    title: str,
    plan: Plan,
    want: sheet_aids.Wanted,
) -> tuple[TabProps, list[dict[str, Any]]]:
    """The tab's id and grid size, and the requests that give it the aids ``want``
    says, from one metadata call: it reads the marks of only the rows the write
    touches, so only what differs from what the tab has is sent."""
    grid = connector.tab_grid(
        spreadsheet_id,
        title,
        cell_fields=sheet_aids.CELL_FIELDS,
        rows=_aid_rows(plan, bool(want.header_notes)),
    )
    appended = len(plan.appends)
    aids = sheet_aids.aid_requests(
        want,
        grid,
        row_count=grid.props.row_count + appended,
        inserted=(plan.append_at, appended) if appended else None,
    )
    return grid.props, aids


def _aid_rows(plan: Plan, header_notes: bool) -> list[tuple[int, int]] | None:
    """The rows whose marks the write may change (:func:`.sheet_aids.rows_to_read`;
    None: the whole tab), and the header row first when its notes are wanted."""
    read_rows = sheet_aids.rows_to_read(
        sheet_aids.touched_rows(plan),
        header_row=plan.header_row,
        data_rows=plan.append_at - plan.header_row - 1,
    )
    if read_rows is not None and header_notes:
        read_rows = [(plan.header_row, plan.header_row + 1), *read_rows]
    return read_rows


def stop_note(plan: Plan, text: str | None) -> ExtraRequests | None:
    """The note on the header's status cell saying why the tab's sync stopped
    (``text``), or clearing it (``None``); None when the tab has no status column."""
    layout = plan.layout
    if layout is None or layout.status_col is None:
        return None
    col = layout.status_col
    return lambda props: [sheet_aids.header_note(props.sheet_id, plan.header_row, col, text)]
