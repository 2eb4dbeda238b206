"""The tab's layout and header: which column holds which field, the header row a
blank tab gets, the service columns (CRM ID, Sync status, Last synced) added right
of every used cell, and the data rows read (:class:`.base.SheetRow`).

A tab with data but no recognisable header is never guessed at: the plan aborts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import sheet_rows
from ..header_report import header_report
from .base import PlannerBase, SheetRow


def _has_data(rows: Sequence[Sequence[Any]]) -> bool:
    return any(any(v not in (None, "") for v in r) for r in rows)


class LayoutRules(PlannerBase):
    def read_layout(self, header: list[Any], data_rows: Sequence[Sequence[Any]]) -> bool:
        """Set :attr:`layout` from the header row, planning the header cells a
        blank tab or missing service columns need. False: the plan is aborted."""
        plan = self.plan
        if not any(sheet_rows.clean_line(h) if isinstance(h, str) else h for h in header):
            if _has_data(data_rows):
                plan.aborted = "the tab has data but no header row (row 1 is empty)"
                return False
            header = sheet_rows.default_header(self.kind, self.locale)
            for col, text in enumerate(header):
                plan.cells[(1, col)] = text
        layout = sheet_rows.layout_for(header, self.kind)
        if not layout.fields and _has_data(data_rows):
            plan.aborted = "no column of the header row is recognised; is this the right tab?"
            return False
        used = max((len(r) for r in data_rows), default=0)
        layout, added = sheet_rows.with_service_columns(layout, used)
        for col, name in added.items():
            plan.cells[(1, col)] = sheet_rows.header_text(self.kind, name, self.locale)
        self.layout = layout
        self.header_names = {i: str(h) for i, h in enumerate(header) if h not in (None, "")}
        plan.width = max(layout.width, len(header))
        plan.columns = dict(layout.headers)
        plan.layout = layout
        plan.drift = sheet_rows.drift(self.state.previous_columns, layout)
        plan.header_report = header_report(layout, header_row=1).as_dict()
        return True

    def parse_rows(self, data_rows: Sequence[Sequence[Any]]) -> list[SheetRow]:
        """The non-blank rows, each CRM ID kept by its first row only (a copied row
        carrying another row's id becomes a new row); notes the stamps seen."""
        layout = self.layout
        parsed: list[SheetRow] = []
        self.sheet_ids = set()
        for offset, cells in enumerate(data_rows):
            row = offset + 2
            raw = sheet_rows.row_raw(layout, cells)
            rid, junk = sheet_rows.row_id(self.kind, sheet_rows.cell(cells, layout.id_col))
            if rid is None and junk is None and sheet_rows.is_blank(raw):
                self.plan.counts["blank"] += 1
                continue
            if rid is not None and rid in self.sheet_ids:
                # A copied row carries someone else's id: it becomes a new row.
                self.set_cell(row, layout.id_col, None, sheet_rows.cell(cells, layout.id_col))
                rid = None
            if rid is not None:
                self.sheet_ids.add(rid)
            parsed.append(SheetRow(row, cells, raw, rid, junk))
            stamp = sheet_rows.cell(cells, layout.synced_col)
            if isinstance(stamp, str):
                self.stamps_seen.add(stamp)
        return parsed
