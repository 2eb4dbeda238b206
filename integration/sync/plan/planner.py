"""Running one tab's plan: layout, rows, the valve, each row by its rule, archives,
appends, and the quarantine entries this sync resolves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import sheet_rows
from .base import SheetRow
from .layout import LayoutRules
from .model import Plan, Settings, StoreState
from .new_rows import NewRows
from .party_names import row_renames


class Planner(NewRows, LayoutRules):
    def run(self) -> Plan:
        plan = self.plan
        tab = self.s.tab_rows(self.rows, self.kind)
        if not self.read_layout(tab):
            return plan
        parsed = self.parse_rows(tab)
        self.choose_stamp()
        vanished = self.vanished()
        if self.valve_closed(vanished):
            return plan
        for item in parsed:
            self.row(item)
        self.archive_vanished([rid for rid in vanished if rid not in self.sheet_ids])
        self.appends(max(len(self.rows), tab.header_row) + 1)
        self.stamp_outside_appends(parsed)
        plan.landed_appends = self.landed_appends()
        self.resolve_quarantine()
        return plan

    def row(self, r: SheetRow) -> None:
        """Plan one data row by the rule its CRM ID cell calls for."""
        self.plan.counts["rows"] += 1
        if r.junk is not None:
            self.unknown_id(r, r.junk)
        elif r.id is None:
            self.new_row(r)
        elif r.id in self.state.records:
            self.existing_row(self.with_party_names(r), self.state.records[r.id])
            self.note_row(r)
        elif self.reserved(r.id):
            self.new_row(r, fixed_id=r.id)
        else:
            self.unknown_id(r, r.id)

    def note_row(self, r: SheetRow) -> None:
        """Remember the row a record's row is on when it moved (or is not known
        yet and its base is written anyway), so that when it vanishes staff are
        told where it was; a row that stays put costs nothing."""
        assert r.id is not None
        shadow = self.state.shadows.get(r.id)
        if shadow is None or shadow.row == r.number:
            return
        if shadow.row is not None or r.id in self.plan.shadows:
            self.plan.rows_at[r.id] = r.number

    def with_party_names(self, r: SheetRow) -> SheetRow:
        """The row with its renamed parties' names written (:mod:`.party_names`),
        planned as if staff had typed them."""
        assert r.id is not None
        renamed = row_renames(self.state, r.id, r.raw)
        if not renamed:
            return r
        cells = list(r.cells)
        for key, name in renamed.items():
            col = self.layout.raw_keys[key]
            self.set_cell(r.number, col, name, sheet_rows.cell(r.cells, col))
            cells += [None] * (col + 1 - len(cells))
            cells[col] = name
        self.touch(r.number)
        return SheetRow(r.number, cells, {**r.raw, **renamed}, r.id, r.junk)

    def resolve_quarantine(self) -> None:
        """Open quarantine entries no row of this sync stands behind any more:
        applied if their row now went through, removed otherwise."""
        for fp, (entry_id, row_number) in self.state.quarantine_open.items():
            if fp in self.seen_fps:
                continue
            applied = fp in self.applied_fps or (row_number in self.valid_rows)
            self.plan.resolve.append((entry_id, "applied" if applied else "removed"))


def plan_tab(rows: Sequence[Sequence[Any]], state: StoreState, settings: Settings) -> Plan:
    """Decide one tab's sync from the cells read (row 1 first; the header is found
    in them, :func:`..sheet_rows.tab_rows`) and the store state."""
    return Planner(rows, state, settings).run()
