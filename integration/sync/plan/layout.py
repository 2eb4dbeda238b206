"""The tab's layout and header: which column holds which field, the header row a
blank tab gets, the service columns (CRM ID, Sync status, Last synced) added right
of every used cell in the header row, and the data rows below the header
(:class:`.base.SheetRow`). Rows above the header (a title) are never written.

A tab with data but no recognisable header is never guessed at: the plan aborts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import sheet_rows
from ..header_report import HeaderReport, expected_fields, header_report
from ..stop_reasons import HEADER_NOT_FOUND
from .base import PlannerBase, SheetRow
from .row_identity import Claim, Owners, owner_of, same_firm


def _has_data(rows: Sequence[Sequence[Any]]) -> bool:
    return any(any(v not in (None, "") for v in r) for r in rows)


#: A header the service wrote before with at least this many fields is known
#: well enough to tell when the row it finds now is a different row.
_KNOWN_HEADER_FIELDS = 4


def reads_as_header(
    layout: sheet_rows.Layout,
    header: Sequence[Any],
    previous: Mapping[str, str] | None,
) -> bool:
    """Whether the row the layout was read from is a header row, not a data row
    (staff deleted the header row, or the tab never had one): it recognises two
    or more columns (service columns count) or most of its filled cells, and,
    where the service knew this tab's header, at least half of its fields.

    A data row is never taken for a header: every record would then seem to
    have vanished from the tab (a deletion stop, which staff could accept and
    archive every record), and the row's cells (a person's name, e-mail and
    phone) would be reported as unrecognised headers."""
    filled = sum(1 for h in header if h not in (None, "") and str(h).strip())
    service = sum(c is not None for c in (layout.id_col, layout.status_col, layout.synced_col))
    recognised = len(layout.fields) + service
    if recognised < 2 and recognised * 2 < filled:
        return False
    known = list(previous or {})  # the record fields of the header last synced
    if len(known) >= _KNOWN_HEADER_FIELDS:
        kept = sum(1 for f in known if f in layout.fields)
        return kept * 2 >= len(known)
    return True


class LayoutRules(PlannerBase):
    def read_layout(self, tab: sheet_rows.TabRows) -> bool:
        """Set :attr:`layout` from the header row, planning the header cells a
        blank tab or missing service columns need. False: the plan is aborted."""
        plan = self.plan
        header, data_rows, at = tab.header, tab.data, tab.header_row
        self.header_row = plan.header_row = at
        if not any(sheet_rows.clean_line(h) if isinstance(h, str) else h for h in header):
            if _has_data(data_rows):
                plan.aborted = f"the tab has data but no header row (row {at} is empty)"
                plan.stop_reason = HEADER_NOT_FOUND
                return False
            header = sheet_rows.default_header(self.kind, self.locale)
            for col, text in enumerate(header):
                plan.cells[(at, col)] = text
        layout = sheet_rows.layout_for(header, self.kind, self.s.columns)
        previous = self.state.previous_columns
        if layout.fields and _has_data(data_rows) and not reads_as_header(layout, header, previous):
            # nothing of the row is reported: it may be a person's data
            plan.header_report = HeaderReport(
                row=at, missing=list(expected_fields(self.kind))
            ).as_dict()
            plan.aborted = (
                f"row {at} does not read as the header row (it looks like data); was the "
                "header row deleted or is this the wrong tab? Nothing was changed."
            )
            plan.stop_reason = HEADER_NOT_FOUND
            return False
        if not layout.fields and _has_data(data_rows):
            # The report still says which headers were read and what they may mean.
            plan.header_report = header_report(layout, header_row=at).as_dict()
            plan.aborted = (
                f"no column of the header row (row {at}) is recognised; is this the right tab?"
            )
            plan.stop_reason = HEADER_NOT_FOUND
            return False
        used = max((len(r) for r in data_rows), default=0)
        layout, added = sheet_rows.with_service_columns(layout, used)
        for col, name in added.items():
            plan.cells[(at, col)] = sheet_rows.header_text(self.kind, name, self.locale)
        self.layout = layout
        self.header_names = {i: str(h) for i, h in enumerate(header) if h not in (None, "")}
        plan.width = max(layout.width, len(header))
        plan.columns = dict(layout.headers)
        plan.layout = layout
        plan.drift = sheet_rows.drift(self.state.previous_columns, layout)
        plan.header_report = header_report(layout, header_row=at).as_dict()
        return True

    def parse_rows(self, tab: sheet_rows.TabRows) -> list[SheetRow]:
        """The non-blank rows below the header, each CRM ID kept by one row only:
        the record's own (:mod:`.row_identity`), whatever its position; a copied
        row carrying the id, once it differs, becomes a new row. Notes the stamps
        seen."""
        layout = self.layout
        rows: list[SheetRow] = []
        claims: dict[str, list[Claim]] = {}
        for row, cells in tab.numbered():
            raw = sheet_rows.row_raw(layout, cells)
            rid, junk = sheet_rows.row_id(self.kind, sheet_rows.cell(cells, layout.id_col))
            if rid is None and junk is None and sheet_rows.is_blank(raw):
                self.plan.counts["blank"] += 1
                continue
            if rid is not None:
                claims.setdefault(rid, []).append(Claim(row, raw))
            rows.append(SheetRow(row, cells, raw, rid, junk))
            stamp = sheet_rows.cell(cells, layout.synced_col)
            if isinstance(stamp, str):
                self.stamps_seen.add(stamp)
        left: set[int] = set()
        renew: set[int] = set()
        for rid, found in claims.items():
            if len(found) > 1:
                owners = self.owners(rid, found)
                left.update(owners.alike)
                renew.update(owners.others)
        self.sheet_ids = set(claims)
        parsed: list[SheetRow] = []
        for r in rows:
            if r.number in left:
                self.plan.counts["duplicates"] += 1  # a copy still the same: left alone
                continue
            if r.number in renew:
                # A copied row carries another row's id: it becomes a new row.
                self.set_cell(
                    r.number, layout.id_col, None, sheet_rows.cell(r.cells, layout.id_col)
                )
                r = SheetRow(r.number, r.cells, r.raw, None, r.junk)
            parsed.append(r)
        return parsed

    def owners(self, rid: str, claims: list[Claim]) -> Owners:
        """Which of the rows carrying ``rid`` is its record's row."""
        rec = self.state.records.get(rid)
        shadow = self.state.shadows.get(rid)
        is_firm = None
        if rec is not None and self.kind == "lead":
            stored = rec.data

            def is_firm(raw: Mapping[str, Any]) -> bool:
                return same_firm(self.normalise(raw)[0], stored)

        return owner_of(claims, base_hash=shadow.row_hash if shadow else None, is_firm=is_firm)
