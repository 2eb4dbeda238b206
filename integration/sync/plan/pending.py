"""Appends and pending bases: writes to the sheet that may or may not have landed.

A sync stores, before its sheet write, what the base becomes once the write lands
(a pending append, see :data:`.model.PENDING`; a pending base of an existing row),
tagged with the "Last synced" stamp the write carries. The next sync tells from the
stamps in the sheet whether the write landed, and only then takes that base.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from .. import sheet_rows
from ..merge import MergeResult
from .base import PlannerBase, SheetRow
from .model import LOCAL_STAMP, Shadow, StoreRecord


def unique_stamp(stamp: str, seen: set[str]) -> str:
    """This sync's "Last synced" value, different from every one already in the
    sheet: a pending append is recognised by it (see :data:`.model.PENDING`)."""
    if stamp not in seen:
        return stamp
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    while True:
        when += timedelta(seconds=1)
        candidate = (
            when.isoformat(timespec="seconds").replace("+00:00", "Z")
            if when.tzinfo is not None
            else when.strftime(LOCAL_STAMP)
        )
        if candidate not in seen:
            return candidate


class PendingRules(PlannerBase):
    def choose_stamp(self) -> None:
        """Make this sync's stamp unique against the sheet's stamps and those of
        stored pending bases: a row must never carry a pending stamp unless that
        pending write is what put it there."""
        shadows = self.state.shadows.values()
        pending_stamps = {sh.pending_base_stamp for sh in shadows if sh.pending_base_stamp}
        pending_stamps |= {sh.pending_stamp for sh in shadows if sh.pending_stamp}
        self.stamp = unique_stamp(self.stamp, self.stamps_seen | pending_stamps)
        self.plan.stamp = self.stamp

    def landed(self, shadow: Shadow) -> bool:
        """Whether the append behind a pending base reached the sheet."""
        return bool(shadow.pending_stamp) and shadow.pending_stamp in self.stamps_seen

    def awaiting_append(self, shadow: Shadow) -> bool:
        """A pending append that never reached the sheet: appended again."""
        return shadow.pending and not self.landed(shadow)

    def effective_shadow(self, shadow: Shadow, cells: Sequence[Any]) -> Shadow:
        """The base to merge against. A sync that wrote store values into this row
        but died before its commit left a pending base: if the row's "Last synced"
        cell still carries that write's stamp, the write landed and the sheet holds
        those values, so the pending base is what both sides agree on; otherwise
        (the write failed, or the row was written again since) the old base is."""
        stamp = shadow.pending_base_stamp
        if (
            stamp
            and shadow.pending_base is not None
            and self.layout.synced_col is not None
            and sheet_rows.cell(cells, self.layout.synced_col) == stamp
        ):
            return Shadow(shadow.pending_base, shadow.row_hash, shadow.version)
        return Shadow(shadow.base, shadow.row_hash, shadow.version)

    def merge_base(self, rec: StoreRecord, stored: Shadow, cells: Sequence[Any]) -> Shadow:
        """The base to merge ``rec``'s row against; a pending base the row shows
        landed is kept as :attr:`.model.Plan.landed_bases`."""
        shadow = self.effective_shadow(stored, cells)
        if shadow.base is not stored.base:
            self.plan.landed_bases[rec.id] = dict(shadow.base)
        return shadow

    def pending_base(self, rec: StoreRecord, shadow: Shadow, result: MergeResult) -> None:
        """Should the commit not follow the sheet write, the store values written
        into the row are agreed on; fields going to the store are not (yet)."""
        if not result.to_sheet:
            return
        pending = dict(shadow.base)
        pending.update(result.to_sheet)
        pending = {k: v for k, v in pending.items() if v is not None}
        if pending != dict(shadow.base):
            self.plan.pending_bases[rec.id] = pending

    # -- store records missing from the sheet -----------------------------------
    def appends(self, first_row: int) -> None:
        """Append this partner's live records the sheet has never shown (or whose
        append never landed), each with the base it will have."""
        plan = self.plan
        plan.append_at = first_row
        for rid in sorted(self.state.records):
            rec = self.state.records[rid]
            shadow = self.state.shadows.get(rid)
            if (
                rec.owner != self.s.partner
                or rec.archived
                or rid in self.sheet_ids
                or (shadow is not None and not self.awaiting_append(shadow))
            ):
                continue
            row, raw = self.appended_row(rec)
            base = {f: rec.data[f] for f in self.layout.fields if rec.data.get(f) is not None}
            plan.appends.append((rid, row))
            plan.shadows[rid] = Shadow(base, sheet_rows.row_hash(raw), rec.version)
            plan.counts["appended"] += 1

    def appended_row(self, rec: StoreRecord) -> tuple[list[Any], dict[str, Any]]:
        """The cells of ``rec``'s new row, and the row as read back (for its hash)."""
        layout = self.layout
        row: list[Any] = [None] * self.plan.width
        raw: dict[str, Any] = {}
        for name, col in layout.fields.items():
            value = sheet_rows.to_cell(self.kind, name, rec.data.get(name), self.locale)
            row[col] = value
            if value is not None:
                raw[sheet_rows.raw_key(self.kind, name)] = value
        # (the layout has its service columns: :func:`..sheet_rows.with_service_columns`)
        assert layout.id_col is not None and layout.status_col is not None
        assert layout.synced_col is not None
        row[layout.id_col] = rec.id
        row[layout.status_col] = self.status_ok(rec.id, [], rec.data)
        row[layout.synced_col] = self.stamp
        return row, raw

    def stamp_outside_appends(self, parsed: Sequence[SheetRow]) -> None:
        """Put this sync's stamp on one existing record's row too when it appends.
        The stamp is how the next sync tells an append that landed from one that
        did not; carried by the appended rows alone, a partner deleting them
        before this sync's commit would make a landed append look failed, and the
        deleted rows would be appended again."""
        plan, col = self.plan, self.layout.synced_col
        if not plan.appends or col is None:
            return
        if any(c == col and row < plan.append_at for row, c in plan.cells):
            return  # an existing row carries the stamp already
        for r in parsed:
            if r.junk is None and r.id in self.state.records:
                self.touch(r.number)
                return

    def landed_appends(self) -> list[str]:
        """Pending appends the sheet's stamps show landed (see
        :attr:`.model.Plan.landed_appends`)."""
        return sorted(r for r, sh in self.state.shadows.items() if sh.pending and self.landed(sh))
