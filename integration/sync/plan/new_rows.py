"""Rows without a CRM ID: GDPR tombstones, validation, duplicates (within the tab,
and against every partner's leads), adoption of a stored record the sheet never
showed, and the new record each remaining row becomes.

A lead is found by every key its firm has (:func:`integration.identity.firm_keys`:
registration code, e-mail, company name, within the country, strongest first):
a row that is the firm of a lead already in the store, or of an earlier new row
in the same tab, is a duplicate, kept in quarantine until a person merges or
dismisses it. So is a row whose reserved CRM ID never became a record (a sync
that lost the race for its firm to a webhook, see :mod:`integration.sync.apply`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integration.identity import Key, firm_keys, natural_key, tombstone_hashes

from .. import messages, sheet_rows
from .base import SheetRow
from .existing import ExistingRows
from .model import Deferred, NewId, NewRecord, fingerprint
from .row_identity import cleared_agreement


def tombstoned(record: Mapping[str, Any], tombstones: frozenset[str]) -> bool:
    """Whether an erased person's lead is typed in again (by its key or e-mail)."""
    return bool(tombstones) and any(h in tombstones for h in tombstone_hashes(record))


class NewRows(ExistingRows):
    def new_row(self, r: SheetRow, fixed_id: str | None = None) -> None:
        """Plan a row without a known record. ``fixed_id``: an id an interrupted sync
        wrote into the row before storing its record, reused."""
        record, issues = self.normalise(r.raw)
        key = natural_key(record) if self.kind == "lead" else None
        keys = firm_keys(record) if self.kind == "lead" else []
        fp = self.new_row_fingerprint(r.raw, key, fixed_id)
        if self.kind == "lead" and tombstoned(record, self.state.tombstones):
            self.erase_row(r)
            return
        if not issues:
            issues = self.cross_issues(record)
        if issues:
            self.quarantine_issues(r, fp, issues)
            return
        if keys and self.duplicate(r, keys, fp):
            return
        if self.kind == "agreement" and self.reattach_agreement(r, record):
            return
        self.create(r, record, keys, fp, fixed_id)

    def new_row_fingerprint(
        self, raw: Mapping[str, Any], key: tuple[str, ...] | None, fixed_id: str | None
    ) -> str:
        """The row's quarantine name: by its reused id, its lead key, or its cells."""
        if fixed_id:
            return self.fp_id(fixed_id)
        if key:
            return fingerprint(self.s.partner, self.s.tab, "key", *key)
        return fingerprint(self.s.partner, self.s.tab, "raw", sheet_rows.row_hash(raw))

    def duplicate(self, r: SheetRow, keys: list[Key], fp: str) -> bool:
        """Whether the row is a duplicate (of a row a person already resolved, of a
        new row above it, or of a stored lead, by any of its firm ``keys``) or a
        stored lead's own row; True: it is planned."""
        closed = self.state.quarantine_closed.get(fp)
        if closed is not None:
            if self.set_status(r, self.closed_text(closed)):
                self.touch(r.number)
            self.plan.counts["duplicates"] += 1
            return True
        match = self.find_firm(keys)
        if match is None:
            return False
        found = match[1]
        if isinstance(found, int):
            self.duplicate_in_tab(r, fp, found)
            return True
        other_id, owner = found
        rec = self.state.records.get(other_id)
        if (
            owner == self.s.partner
            and rec is not None
            and other_id not in self.sheet_ids
            and other_id not in self.state.shadows
            and not rec.archived
        ):
            # The store has this firm for this partner but it was never in
            # the sheet (a web form, an interrupted sync): this row is it.
            self.sheet_ids.add(other_id)
            self.existing_row(r, rec, adopted=True)
            return True
        if self.cleared_id(other_id, owner):
            # This firm's row is gone from the sheet and this row is the firm:
            # its CRM ID was cleared (or the row typed again); it gets it back.
            self.sheet_ids.add(other_id)
            self.existing_row(r, self.state.records[other_id], reattached=True)
            return True
        status = messages.text("duplicate", self.locale, id=other_id, partner=owner.upper())
        self.quarantine(r, fp, [self.dup_error(other_id, owner)], status, duplicate_of=other_id)
        self.plan.counts["duplicates"] += 1
        return True

    def reattach_agreement(self, r: SheetRow, record: Mapping[str, Any]) -> bool:
        """A row without a CRM ID that is one of this partner's agreements whose
        row lost its id (:func:`.row_identity.cleared_agreement`): it gets the id
        back, merged against its base. True: it is planned."""
        lost = {
            rid: (self.state.shadows[rid].row_hash, rec.data)
            for rid, rec in self.state.records.items()
            if rid in self.state.shadows and self.cleared_id(rid, rec.owner)
        }
        found = cleared_agreement(record, sheet_rows.row_hash(r.raw), lost) if lost else None
        if found is None:
            return False
        self.sheet_ids.add(found)
        self.existing_row(r, self.state.records[found], reattached=True)
        return True

    def cleared_id(self, record_id: str, owner: str) -> bool:
        """Whether stored lead ``record_id`` is this partner's, live, shown in the
        sheet before and now on no row: a row of its firm without an id is its row."""
        rec = self.state.records.get(record_id)
        shadow = self.state.shadows.get(record_id)
        return (
            owner == self.s.partner
            and rec is not None
            and shadow is not None
            and not rec.archived
            and not self.awaiting_append(shadow)
            and record_id not in self.sheet_ids
        )

    def duplicate_in_tab(self, r: SheetRow, fp: str, ref: int) -> None:
        """A second new row with the key of new record ``ref``: quarantined, its
        status naming that record's id once the plan is applied."""
        template = messages.text(
            "duplicate", self.locale, id="{id}", partner=self.s.partner.upper()
        )
        self.seen_fps.add(fp)
        self.add_quarantine(r, fp, [self.dup_error("{id}")], f"ref:{ref}")
        assert self.layout.status_col is not None  # (the service columns are added first)
        self.plan.cells[(r.number, self.layout.status_col)] = Deferred(template, ref)
        self.touch(r.number)
        self.plan.counts["duplicates"] += 1

    def create(
        self,
        r: SheetRow,
        record: Mapping[str, Any],
        keys: list[Key],
        fp: str,
        fixed_id: str | None,
    ) -> None:
        """A new record from the row; its CRM ID cell is filled once it has one."""
        plan, layout = self.plan, self.layout
        ref = self.next_ref
        self.next_ref += 1
        data = dict(record)
        base = {f: data[f] for f in layout.fields if data.get(f) is not None}
        plan.creates.append(
            NewRecord(ref, r.number, data, base, sheet_rows.row_hash(r.raw), fixed_id)
        )
        for key in keys:
            self.new_keys.setdefault(key, ref)
            if key[0] == "reg":
                self.new_regs[ref] = key
        if fixed_id is None:
            assert layout.id_col is not None  # (the service columns are added first)
            plan.cells[(r.number, layout.id_col)] = NewId(ref)
        self.set_status(r, self.status_ok(None, [], data))
        self.touch(r.number)
        self.applied_fps.add(fp)
        self.valid_rows.add(r.number)
        plan.counts["created"] += 1
