"""Read once: one snapshot of a tab as read, taken right after the read and used
by every stage after it.

The sync of a tab reads its cells once (``values.batchGet``); everything that
follows works from :class:`TabSnapshot`: which records the plan needs from the
store (:func:`.plan.detail_needed`), the ids the store state is loaded for
(:func:`.state.load_state`), the plan (:func:`.plan.plan_tab`) and the re-read
that makes the write follow its rows (:func:`.sheet_write.follow_rows`, which
compares the tab now with :attr:`TabSnapshot.read`). Sheet text enters here
(cells that are not text are made storable), the header row is found, the layout
read, and each data row's CRM ID parsed and fingerprinted here and nowhere else,
so no two stages can read the tab differently.

The snapshot is frozen, and so are its rows: a stage that needs a row changed
(a party's new name written into it, a copied row's id taken away) makes a new
:class:`SheetRow` (:meth:`SheetRow.with_raw`, :meth:`SheetRow.without_id`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from integration.normalise.headers import find_header
from integration.normalise.text import is_blank_row, storable_rows

from . import sheet_rows

Rows = Sequence[Sequence[Any]]


@dataclass(frozen=True)
class SheetRow:
    """A data row as read: its sheet row number, its cells, its values by field
    (:func:`.sheet_rows.row_raw`), the CRM ID it carries, a CRM ID cell's text
    that is no CRM ID (``junk``), and its fingerprint (:func:`.sheet_rows.row_hash`
    of ``raw``: what a base's ``row_hash`` is compared with)."""

    number: int
    cells: Sequence[Any]
    raw: Mapping[str, Any]
    id: str | None = None
    junk: str | None = None
    hash: str = ""

    def with_raw(self, cells: Sequence[Any], raw: Mapping[str, Any]) -> SheetRow:
        """The same row with other cells (and its fingerprint of them)."""
        return dataclasses.replace(self, cells=cells, raw=raw, hash=sheet_rows.row_hash(raw))

    def without_id(self) -> SheetRow:
        """The same row read as if its CRM ID cell were empty (a copy's)."""
        return dataclasses.replace(self, id=None)


@dataclass(frozen=True)
class TabSnapshot:
    """One tab as read: every row (row 1 first), the header row found in them
    and the layout it gives, and the non-blank data rows below it, parsed."""

    kind: str
    #: every row as Google sent it, row 1 first: what a re-read is compared with
    read: Rows
    #: every row, row 1 first, its cells made storable (what the rules read)
    cells: Rows
    #: the header's sheet row (1-based): data rows start below it
    header_row: int
    header: Sequence[Any]
    #: the rows below the header, blank ones included
    data: Rows
    #: which column holds which field, as the header row reads (no service
    #: column added yet: that is the plan's, :mod:`.plan.layout`)
    layout: sheet_rows.Layout
    #: the non-blank data rows, in sheet order
    rows: tuple[SheetRow, ...]
    #: how many data rows are blank
    blank: int
    #: every "Last synced" value the rows carry
    stamps: frozenset[str]

    @cached_property
    def ids(self) -> frozenset[str]:
        """The CRM IDs the rows carry, once each."""
        return frozenset(r.id for r in self.rows if r.id is not None)

    @property
    def has_data(self) -> bool:
        """Whether any cell below the header holds something."""
        return any(any(v not in (None, "") for v in r) for r in self.data)


def read_snapshot(
    read: Rows,
    kind: str,
    columns: Mapping[str, str] | None = None,
    header_row: int | None = None,
) -> TabSnapshot:
    """The snapshot of a tab read as ``read`` (row 1 first): its header found
    (``header_row``: the configured one, else the row the headers are recognised
    in; ``columns``: the partner's own header texts, :func:`find_header`)."""
    # The one place sheet text enters: cells that are not text are made storable.
    rows = storable_rows(read)
    tab = find_header(rows, kind, columns, header_row)
    layout = sheet_rows.layout_for(tab.header, kind, columns)
    parsed: list[SheetRow] = []
    stamps: set[str] = set()
    blank = 0
    for number, cells in tab.numbered():
        raw = sheet_rows.row_raw(layout, cells)
        rid, junk = sheet_rows.row_id(kind, sheet_rows.cell(cells, layout.id_col))
        if rid is None and junk is None and is_blank_row(raw.values()):
            blank += 1
            continue
        parsed.append(SheetRow(number, cells, raw, rid, junk, sheet_rows.row_hash(raw)))
        stamp = sheet_rows.cell(cells, layout.synced_col)
        if isinstance(stamp, str):
            stamps.add(stamp)
    return TabSnapshot(
        kind=kind,
        read=read,
        cells=rows,
        header_row=tab.header_row,
        header=tab.header,
        data=tab.data,
        layout=layout,
        rows=tuple(parsed),
        blank=blank,
        stamps=frozenset(stamps),
    )
