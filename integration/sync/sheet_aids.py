"""Aids the sync puts in a partner's tab, in the partner's language: a dropdown of
the partner's labels on each list column, a highlight and a note on each invalid
cell, and a warning-only protection of the service columns.

Pure: :func:`aid_requests` turns what the tab should have (from the plan) and what
it has (:class:`connectors.google_sheets.tab_io.TabGrid`) into the
``spreadsheets.batchUpdate`` requests that close the gap; the caller sends them
in the tab's one write, so a sync that writes nothing sends none either.

How the service knows what the tab already has -- read, not remembered:

- Notes, highlights and the protected range are read back in the one
  ``spreadsheets.get`` a writing sync makes anyway for the tab's id and grid size
  (``includeGridData`` with a ``fields`` mask of ``note`` and the background colour
  only: a few bytes a cell), and only for the rows the write touches
  (:func:`touched_rows`, :func:`rows_to_read`): marks change only where a row's
  status changes, and the requests never set or clear a mark on a row not read
  (:meth:`~connectors.google_sheets.tab_io.TabGrid.was_read`). Staff add notes
  and colours, sort rows and insert columns; only what the sheet says now tells
  which note is still the service's and where it went. A note is the service's when it starts with
  :data:`NOTE_PREFIX`, a highlight when it is exactly :data:`HIGHLIGHT`, the
  protected range when its description is :data:`PROTECTION_DESCRIPTION`: nothing
  else is ever changed or cleared.
- Dropdowns are not read: Google returns a validation rule per cell, so a
  10,000-row tab with seven list columns would send tens of megabytes. They are
  a handful of range requests instead (one per list column, from the row below
  the header to the end of the grid), idempotent, sent with every write: so rows
  appended, columns moved and a changed vocabulary are covered without memory.

Nothing here runs on a sync that writes no cell, so a no-change sync stays one
``values.batchGet``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.google_sheets.tab_io import TabGrid
from integration.events import Event, dropdown_names
from integration.issues import render
from integration.messages import catalog, zone_name
from integration.normalise.enums import enum_values
from integration.vocabulary import country_name, first_countries, plain_text

from . import messages, sheet_rows
from .plan import Plan

#: The cell properties the sync reads back (the ``fields`` mask of a ``CellData``).
CELL_FIELDS = "note,userEnteredFormat.backgroundColor"
#: Every note the service writes starts so; a note that does not is someone's own.
NOTE_PREFIX = "⚠ LEF CRM: "
#: The light red of an invalid cell, as 0-255 channels (Google stores 0-1 floats).
HIGHLIGHT = (255, 229, 229)
#: The warning Google shows a partner who edits a service column (``sync.protection``
#: in the partner's language); this, the English one, is what sheets carried before
#: it was translated.
PROTECTION_DESCRIPTION = messages.text("protection", "en")


def protection_descriptions() -> frozenset[str]:
    """Every description that marks a protected range as the service's: the
    warning in each language of the catalog, so a partner whose language changed
    (or an old English one) gets it replaced, never a second protection."""
    return frozenset(
        texts["sync.protection"] for texts in catalog().values() if texts.get("sync.protection")
    ) | {PROTECTION_DESCRIPTION}


#: Fields whose column gets a dropdown, when the record kind has them as an enum.
LIST_FIELDS = ("sector", "role", "stage", "source", "status", "currency", "country")


def rgb(colour: Mapping[str, Any] | None) -> tuple[int, int, int] | None:
    """A Google ``Color`` as 0-255 channels (Google leaves zero channels out)."""
    if not colour:
        return None
    red, green, blue = (round(float(colour.get(k, 0)) * 255) for k in ("red", "green", "blue"))
    return red, green, blue


def _colour(channels: tuple[int, int, int]) -> dict[str, float]:
    return dict(zip(("red", "green", "blue"), (c / 255 for c in channels), strict=True))


@dataclass(frozen=True)
class Wanted:
    """What the tab should carry, from the plan."""

    header_row: int  # 1-based
    dropdowns: dict[int, list[str]]  # column -> labels
    invalid: dict[tuple[int, int], str]  # (row 1-based, column) -> message
    service_columns: tuple[int, ...]
    #: The service columns' protection warning, in the partner's language.
    protection: str = PROTECTION_DESCRIPTION
    #: column -> the note on its header cell (``Last synced``: its time zone)
    header_notes: Mapping[int, str] = field(default_factory=dict)


def listed_values(kind: str, field: str, locale: str) -> list[str]:
    """The allowed values in list order: the schema's, except that countries come as
    the vocabulary's first countries, then the rest by name in the partner's language."""
    values = list(enum_values(kind, field))
    if field != "country":
        return values
    first = [code for code in first_countries() if code in values]
    rest = sorted(
        (v for v in values if v not in first), key=lambda v: plain_text(country_name(v, locale))
    )
    return first + rest


def dropdown_labels(kind: str, field: str, locale: str) -> list[str]:
    """The words a partner in ``locale`` picks for ``field``: each allowed value as
    the sync itself writes it (:func:`.sheet_rows.to_cell`), so every label reads
    back as its value and the cells the sync writes are all on the list."""
    out: list[str] = []
    for value in listed_values(kind, field, locale):
        label = sheet_rows.to_cell(kind, field, value, locale)
        text = str(label)
        if text and not text.startswith(("=", "+", "-", "@")) and text not in out:
            out.append(text)
    return out


def invalid_cells(plan: Plan, layout: sheet_rows.Layout) -> dict[tuple[int, int], str]:
    """(row, column) -> the problems of that cell, for every row the plan keeps in
    quarantine, named by the field the problem is about (a problem about the whole
    row, such as a duplicate, has only the status cell), in the partner's language."""
    found: dict[tuple[int, int], list[str]] = {}
    for item in plan.quarantine:
        for error in item.errors:
            name = str(error.get("field") or "")
            col = (
                layout.id_col
                if name == "id"
                else layout.fields.get(name, layout.raw_keys.get(name))
            )
            message = render(error, plan.locale, plan.kind)
            if col is None or not message:
                continue
            texts = found.setdefault((item.row, col), [])
            if message not in texts:
                texts.append(message)
    return {pos: messages.join_issues(texts) for pos, texts in found.items()}


def wanted(
    plan: Plan,
    layout: sheet_rows.Layout,
    locale: str,
    events: Sequence[Event] = (),
    zone: str | None = None,
) -> Wanted:
    """What the tab should carry after this plan is written. The Event column
    offers the project's shared ``events`` by their names in ``locale``; like every
    dropdown it is not strict, so a value not on the list is kept (and reported by
    the reports), never refused."""
    header_row = plan.header_row
    dropdowns: dict[int, list[str]] = {}
    for name in LIST_FIELDS:
        col = layout.fields.get(name)
        if col is not None and enum_values(plan.kind, name):
            labels = dropdown_labels(plan.kind, name, locale)
            if labels:
                dropdowns[col] = labels
    event_col = layout.fields.get("event")
    if event_col is not None and events:  # (only a kind with an Event field maps one)
        dropdowns[event_col] = dropdown_names(events, locale)
    service = tuple(
        sorted(c for c in (layout.id_col, layout.status_col, layout.synced_col) if c is not None)
    )
    protection = messages.text("protection", locale)
    notes: dict[int, str] = {}
    if zone is not None and layout.synced_col is not None:
        # "Last synced" is written in the partner's zone: the header says which, once
        notes[layout.synced_col] = messages.text(
            "synced_zone", locale, zone=zone_name(zone, locale)
        )
    return Wanted(header_row, dropdowns, invalid_cells(plan, layout), service, protection, notes)


def _runs(columns: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted columns as runs ``[start, end)``: 4, 5, 6, 9 -> (4, 7), (9, 10)."""
    runs: list[tuple[int, int]] = []
    for col in sorted(set(columns)):
        if runs and runs[-1][1] == col:
            runs[-1] = (runs[-1][0], col + 1)
        else:
            runs.append((col, col + 1))
    return runs


#: More runs of rows than this and the whole tab is read: each run is one
#: ``ranges`` parameter of the one GET, whose URL must stay a few kB.
MAX_ROW_RUNS = 100


def rows_to_read(
    rows: Iterable[int], *, header_row: int, data_rows: int, max_runs: int = MAX_ROW_RUNS
) -> list[tuple[int, int]] | None:
    """The 1-based rows whose notes and highlights a write reads, as runs
    ``[start, end)`` (adjacent rows merged: 7, 8, 9, 12 -> (7, 10), (12, 13));
    None: read the whole tab, because there would be more than ``max_runs`` runs
    or the rows are most of the tab's ``data_rows`` anyway. Rows at or above the
    header never carry the service's marks and are left out."""
    below = {r for r in rows if r > header_row}
    runs = _runs(below)
    if len(runs) > max_runs or 2 * len(below) > data_rows > 0:
        return None
    return runs


def touched_rows(plan: Plan) -> set[int]:
    """The existing rows this plan writes, whose marks the aids may change.

    Enough because a row's marks change only with its problems, and a row whose
    problems change gets a new status text (the problems joined), so a status-cell
    write; a row becoming valid gets its new status too. Rows not written keep
    the marks they have, which still match their unchanged status. With appended
    rows, the row above them is read too: at the end of the grid, the new rows
    copy its formats (:func:`after_insert`)."""
    rows = {row for row, _col in plan.cells}
    if plan.appends:
        rows.add(plan.append_at - 1)
    return rows


def _cell_range(sheet_id: int, row: int, col: int) -> dict[str, int]:
    return {
        "sheetId": sheet_id,
        "startRowIndex": row - 1,
        "endRowIndex": row,
        "startColumnIndex": col,
        "endColumnIndex": col + 1,
    }


def header_note(sheet_id: int, row: int, col: int, text: str | None) -> dict[str, Any]:
    """The service's note on a header cell (the status column's: why the tab's
    sync stopped), or its removal (``None``)."""
    cell = {"note": NOTE_PREFIX + text} if text else {}
    return {
        "updateCells": {
            "range": _cell_range(sheet_id, row, col),
            "rows": [{"values": [cell]}],
            "fields": "note",
        }
    }


def _validation_requests(want: Wanted, sheet_id: int, row_count: int) -> list[dict[str, Any]]:
    if want.header_row >= row_count:
        return []
    return [
        {
            "setDataValidation": {
                "range": {
                    "sheetId": sheet_id,
                    "startRowIndex": want.header_row,
                    "endRowIndex": row_count,
                    "startColumnIndex": col,
                    "endColumnIndex": col + 1,
                },
                "rule": {
                    "condition": {
                        "type": "ONE_OF_LIST",
                        "values": [{"userEnteredValue": label} for label in labels],
                    },
                    "showCustomUi": True,
                    "strict": False,
                },
            }
        }
        for col, labels in sorted(want.dropdowns.items())
    ]


def _cell_requests(want: Wanted, grid: TabGrid, sheet_id: int) -> list[dict[str, Any]]:
    """Notes and highlights set where a cell is invalid, cleared where the service's
    own are left on a cell that is valid now; anyone else's never touched."""
    requests: list[dict[str, Any]] = []
    positions = {
        pos
        for pos in set(want.invalid) | set(grid.cells)
        if pos[0] > want.header_row and grid.was_read(pos[0])
    }
    for pos in sorted(positions):
        data = grid.cells.get(pos, {})
        note = str(data.get("note") or "")
        colour = rgb((data.get("userEnteredFormat") or {}).get("backgroundColor"))
        ours_note = note.startswith(NOTE_PREFIX)
        ours_colour = colour == HIGHLIGHT
        free_colour = colour is None or colour == (255, 255, 255)
        cell: dict[str, Any] = {}
        fields: list[str] = []
        message = want.invalid.get(pos)
        if message is not None:
            text = NOTE_PREFIX + message
            if (ours_note or not note) and note != text:
                cell["note"], fields = text, [*fields, "note"]
            if free_colour and not ours_colour:
                cell["userEnteredFormat"] = {"backgroundColor": _colour(HIGHLIGHT)}
                fields.append("userEnteredFormat.backgroundColor")
        else:
            if ours_note:
                fields.append("note")
            if ours_colour:
                fields.append("userEnteredFormat.backgroundColor")
        if fields:
            row, col = pos
            requests.append(
                {
                    "updateCells": {
                        "range": _cell_range(sheet_id, row, col),
                        "rows": [{"values": [cell]}],
                        "fields": ",".join(fields),
                    }
                }
            )
    return requests


def _protection_requests(want: Wanted, grid: TabGrid, sheet_id: int) -> list[dict[str, Any]]:
    """The service columns' warning-only protection: kept while it covers them
    (Google moves it with its columns), replaced when it no longer does."""
    want_runs = _runs(want.service_columns)
    kept: set[tuple[int, int]] = set()
    requests: list[dict[str, Any]] = []
    for p in grid.protected_ranges:
        if p.get("description") not in protection_descriptions():
            continue
        rng = p.get("range") or {}
        run = (int(rng.get("startColumnIndex", 0)), int(rng.get("endColumnIndex", -1)))
        whole_columns = "startRowIndex" not in rng and "endRowIndex" not in rng
        own = p.get("description") == want.protection  # in the partner's language
        if own and run in want_runs and run not in kept and p.get("warningOnly") and whole_columns:
            kept.add(run)
        else:
            requests.append({"deleteProtectedRange": {"protectedRangeId": p["protectedRangeId"]}})
    for start, end in want_runs:
        if (start, end) not in kept:
            requests.append(
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": {
                                "sheetId": sheet_id,
                                "startColumnIndex": start,
                                "endColumnIndex": end,
                            },
                            "description": want.protection,
                            "warningOnly": True,
                        }
                    }
                }
            )
    return requests


def after_insert(grid: TabGrid, at: int, count: int) -> TabGrid:
    """The cells ``grid`` shows once ``count`` rows are inserted before 1-based row
    ``at`` in the same batch (the aids' requests go after the insert): rows below
    move down, and the new rows take the formats of the row Google copies them
    from -- the row below, or the row above at the end of the grid -- so a
    highlight of the service's copied there is cleared like any other."""
    if count <= 0:
        return grid
    source = at - 1 if at - 1 >= grid.props.row_count else at
    cells = {((r + count) if r >= at else r, c): d for (r, c), d in grid.cells.items()}
    for (r, c), data in grid.cells.items():
        fmt = data.get("userEnteredFormat") or {}
        if r == source and rgb(fmt.get("backgroundColor")) == HIGHLIGHT:
            for row in range(at, at + count):
                cells[(row, c)] = {"userEnteredFormat": {"backgroundColor": fmt["backgroundColor"]}}
    rows_read = grid.rows_read
    if rows_read is not None:
        # Runs below the insert move down with their rows (a run the insert
        # splits becomes two); the new rows are known only when their source was read.
        moved: list[tuple[int, int]] = []
        for start, end in rows_read:
            if start < at < end:
                moved += [(start, at), (at + count, end + count)]
            else:
                moved.append((start + count, end + count) if start >= at else (start, end))
        if grid.was_read(source):
            moved.append((at, at + count))
        rows_read = tuple(sorted(moved))
    return TabGrid(grid.props, grid.protected_ranges, cells, rows_read)


def aid_requests(
    want: Wanted, grid: TabGrid, *, row_count: int, inserted: tuple[int, int] | None = None
) -> list[dict[str, Any]]:
    """The requests that give the tab what ``want`` says, from what ``grid`` shows;
    ``row_count``: the grid's rows once this write's rows are added; ``inserted``:
    (1-based row, count) of rows this write inserts before the aids' requests."""
    if inserted is not None:
        grid = after_insert(grid, *inserted)
    sheet_id = grid.props.sheet_id
    return [
        *_protection_requests(want, grid, sheet_id),
        *_validation_requests(want, sheet_id, row_count),
        *_cell_requests(want, grid, sheet_id),
        *_header_note_requests(want, grid, sheet_id),
    ]


def _header_note_requests(want: Wanted, grid: TabGrid, sheet_id: int) -> list[dict[str, Any]]:
    """The service's notes on header cells, where the header row was read and the
    cell carries no note of anyone else's; nothing when the note is there already."""
    if not grid.was_read(want.header_row):
        return []
    requests = []
    for col, text in sorted(want.header_notes.items()):
        note = str(grid.cells.get((want.header_row, col), {}).get("note") or "")
        if note == NOTE_PREFIX + text or (note and not note.startswith(NOTE_PREFIX)):
            continue
        requests.append(header_note(sheet_id, want.header_row, col, text))
    return requests
