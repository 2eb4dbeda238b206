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

from .. import messages
from ..snapshot import SheetRow
from .context import PlanContext
from .existing import erase_row, existing_row
from .model import Deferred, NewId, NewRecord, fingerprint
from .pending import awaiting_append
from .row_identity import cleared_agreement


def tombstoned(record: Mapping[str, Any], tombstones: frozenset[str]) -> bool:
    """Whether an erased person's lead is typed in again (by its key or e-mail)."""
    return bool(tombstones) and any(h in tombstones for h in tombstone_hashes(record))


def new_row(ctx: PlanContext, r: SheetRow, fixed_id: str | None = None) -> None:
    """Plan a row without a known record. ``fixed_id``: an id an interrupted sync
    wrote into the row before storing its record, reused."""
    record, issues = ctx.normalise(r.raw)
    spec = ctx.spec
    key = natural_key(record) if spec.is_firm else None
    keys = firm_keys(record) if spec.is_firm else []
    fp = new_row_fingerprint(ctx, r, key, fixed_id)
    if spec.holds_persons and tombstoned(record, ctx.state.tombstones):
        erase_row(ctx, r)
        return
    if not issues:
        issues = ctx.cross_issues(record)
    if issues:
        ctx.quarantine_issues(r, fp, issues)
        return
    if keys and duplicate(ctx, r, keys, fp):
        return
    # a firm's row that lost its id is found by its keys; any other kind by its cells
    if not spec.is_firm and reattach_agreement(ctx, r, record):
        return
    create(ctx, r, record, keys, fp, fixed_id)


def new_row_fingerprint(
    ctx: PlanContext, r: SheetRow, key: tuple[str, ...] | None, fixed_id: str | None
) -> str:
    """The row's quarantine name: by its reused id, its lead key, or its cells."""
    if fixed_id:
        return ctx.fp_id(fixed_id)
    if key:
        return fingerprint(ctx.s.partner, ctx.s.tab, "key", *key)
    return fingerprint(ctx.s.partner, ctx.s.tab, "raw", r.hash)


def duplicate(ctx: PlanContext, r: SheetRow, keys: list[Key], fp: str) -> bool:
    """Whether the row is a duplicate (of a row a person already resolved, of a
    new row above it, or of a stored lead, by any of its firm ``keys``) or a
    stored lead's own row; True: it is planned."""
    closed = ctx.state.quarantine_closed.get(fp)
    if closed is not None:
        if ctx.set_status(r, ctx.closed_text(closed)):
            ctx.touch(r.number)
        ctx.plan.counts["duplicates"] += 1
        return True
    match = ctx.find_firm(keys)
    if match is None:
        return False
    found = match[1]
    if isinstance(found, int):
        duplicate_in_tab(ctx, r, fp, found)
        return True
    other_id, owner = found
    rec = ctx.state.records.get(other_id)
    if (
        owner == ctx.s.partner
        and rec is not None
        and other_id not in ctx.sheet_ids
        and other_id not in ctx.state.shadows
        and not rec.archived
    ):
        # The store has this firm for this partner but it was never in
        # the sheet (a web form, an interrupted sync): this row is it.
        ctx.sheet_ids.add(other_id)
        existing_row(ctx, r, rec, adopted=True)
        return True
    if cleared_id(ctx, other_id, owner):
        # This firm's row is gone from the sheet and this row is the firm:
        # its CRM ID was cleared (or the row typed again); it gets it back.
        ctx.sheet_ids.add(other_id)
        existing_row(ctx, r, ctx.state.records[other_id], reattached=True)
        return True
    status = messages.text("duplicate", ctx.locale, id=other_id, partner=owner.upper())
    ctx.quarantine(r, fp, [ctx.dup_error(other_id, owner)], status, duplicate_of=other_id)
    ctx.plan.counts["duplicates"] += 1
    return True


def reattach_agreement(ctx: PlanContext, r: SheetRow, record: Mapping[str, Any]) -> bool:
    """A row without a CRM ID that is one of this partner's agreements whose
    row lost its id (:func:`.row_identity.cleared_agreement`): it gets the id
    back, merged against its base. True: it is planned."""
    lost = {
        rid: (ctx.state.shadows[rid].row_hash, rec.data)
        for rid, rec in ctx.state.records.items()
        if rid in ctx.state.shadows and cleared_id(ctx, rid, rec.owner)
    }
    found = cleared_agreement(record, r.hash, lost) if lost else None
    if found is None:
        return False
    ctx.sheet_ids.add(found)
    existing_row(ctx, r, ctx.state.records[found], reattached=True)
    return True


def cleared_id(ctx: PlanContext, record_id: str, owner: str) -> bool:
    """Whether stored lead ``record_id`` is this partner's, live, shown in the
    sheet before and now on no row: a row of its firm without an id is its row."""
    rec = ctx.state.records.get(record_id)
    shadow = ctx.state.shadows.get(record_id)
    return (
        owner == ctx.s.partner
        and rec is not None
        and shadow is not None
        and not rec.archived
        and not awaiting_append(ctx, shadow)
        and record_id not in ctx.sheet_ids
    )


def duplicate_in_tab(ctx: PlanContext, r: SheetRow, fp: str, ref: int) -> None:
    """A second new row with the key of new record ``ref``: quarantined, its
    status naming that record's id once the plan is applied."""
    template = messages.text("duplicate", ctx.locale, id="{id}", partner=ctx.s.partner.upper())
    ctx.seen_fps.add(fp)
    ctx.add_quarantine(r, fp, [ctx.dup_error("{id}")], f"ref:{ref}")
    assert ctx.layout.status_col is not None  # (the service columns are added first)
    ctx.plan.cells[(r.number, ctx.layout.status_col)] = Deferred(template, ref)
    ctx.touch(r.number)
    ctx.plan.counts["duplicates"] += 1


def create(
    ctx: PlanContext,
    r: SheetRow,
    record: Mapping[str, Any],
    keys: list[Key],
    fp: str,
    fixed_id: str | None,
) -> None:
    """A new record from the row; its CRM ID cell is filled once it has one."""
    plan, layout = ctx.plan, ctx.layout
    ref = ctx.next_ref
    ctx.next_ref += 1
    data = dict(record)
    base = {f: data[f] for f in layout.fields if data.get(f) is not None}
    plan.creates.append(NewRecord(ref, r.number, data, base, r.hash, fixed_id))
    for key in keys:
        ctx.new_keys.setdefault(key, ref)
        if key[0] == "reg":
            ctx.new_regs[ref] = key
    if fixed_id is None:
        assert layout.id_col is not None  # (the service columns are added first)
        plan.cells[(r.number, layout.id_col)] = NewId(ref)
    ctx.set_status(r, ctx.status_ok(None, [], data))
    ctx.touch(r.number)
    ctx.applied_fps.add(fp)
    ctx.valid_rows.add(r.number)
    plan.counts["created"] += 1
