"""Appends and pending bases: writes to the sheet that may or may not have landed.

A sync stores, before its sheet write, what the base becomes once the write lands
(a pending append, see :data:`.model.PENDING`; a pending base of an existing row),
tagged with the "Last synced" stamp the write carries. The next sync tells from the
stamps in the sheet whether the write landed, and only then takes that base.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from typing import Any

from .. import sheet_rows
from ..merge import MergeResult
from ..snapshot import SheetRow
from .context import PlanContext
from .model import LOCAL_STAMP, Shadow, StoreRecord


def unique_stamp(stamp: str, seen: AbstractSet[str]) -> str:
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


def choose_stamp(ctx: PlanContext) -> None:
    """Make this sync's stamp unique against the sheet's stamps and those of
    stored pending bases: a row must never carry a pending stamp unless that
    pending write is what put it there."""
    shadows = ctx.state.shadows.values()
    pending_stamps = {sh.pending_base_stamp for sh in shadows if sh.pending_base_stamp}
    pending_stamps |= {sh.pending_stamp for sh in shadows if sh.pending_stamp}
    ctx.stamp = unique_stamp(ctx.stamp, ctx.snapshot.stamps | pending_stamps)
    ctx.update(stamp=ctx.stamp)


def landed(ctx: PlanContext, shadow: Shadow) -> bool:
    """Whether the append behind a pending base reached the sheet."""
    return bool(shadow.pending_stamp) and shadow.pending_stamp in ctx.snapshot.stamps


def awaiting_append(ctx: PlanContext, shadow: Shadow) -> bool:
    """A pending append that never reached the sheet: appended again."""
    return shadow.pending and not landed(ctx, shadow)


def effective_shadow(ctx: PlanContext, shadow: Shadow, cells: Sequence[Any]) -> Shadow:
    """The base to merge against. A sync that wrote store values into this row
    but died before its commit left a pending base: if the row's "Last synced"
    cell still carries that write's stamp, the write landed and the sheet holds
    those values, so the pending base is what both sides agree on; otherwise
    (the write failed, or the row was written again since) the old base is."""
    stamp = shadow.pending_base_stamp
    if (
        stamp
        and shadow.pending_base is not None
        and ctx.layout.synced_col is not None
        and sheet_rows.cell(cells, ctx.layout.synced_col) == stamp
    ):
        return Shadow(shadow.pending_base, shadow.row_hash, shadow.version)
    return Shadow(shadow.base, shadow.row_hash, shadow.version)


def merge_base(ctx: PlanContext, rec: StoreRecord, stored: Shadow, cells: Sequence[Any]) -> Shadow:
    """The base to merge ``rec``'s row against; a pending base the row shows
    landed is kept as :attr:`.model.Plan.landed_bases`."""
    shadow = effective_shadow(ctx, stored, cells)
    if shadow.base is not stored.base:
        ctx.plan.landed_bases[rec.id] = dict(shadow.base)
    return shadow


def pending_base(ctx: PlanContext, rec: StoreRecord, shadow: Shadow, result: MergeResult) -> None:
    """Should the commit not follow the sheet write, the store values written
    into the row are agreed on; fields going to the store are not (yet)."""
    if not result.to_sheet:
        return
    pending = dict(shadow.base)
    pending.update(result.to_sheet)
    pending = {k: v for k, v in pending.items() if v is not None}
    if pending != dict(shadow.base):
        ctx.plan.pending_bases[rec.id] = pending


# -- store records missing from the sheet -----------------------------------
def appends(ctx: PlanContext, first_row: int) -> None:
    """Append this partner's live records the sheet has never shown (or whose
    append never landed), each with the base it will have."""
    ctx.update(append_at=first_row)
    plan = ctx.plan
    for rid in sorted(ctx.state.records):
        rec = ctx.state.records[rid]
        shadow = ctx.state.shadows.get(rid)
        if (
            rec.owner != ctx.s.partner
            or rec.archived
            or rid in ctx.sheet_ids
            or (shadow is not None and not awaiting_append(ctx, shadow))
        ):
            continue
        row, raw = appended_row(ctx, rec)
        base = {f: rec.data[f] for f in ctx.layout.fields if rec.data.get(f) is not None}
        plan.appends.append((rid, row))
        plan.shadows[rid] = Shadow(base, sheet_rows.row_hash(raw), rec.version)
        plan.counts["appended"] += 1


def appended_row(ctx: PlanContext, rec: StoreRecord) -> tuple[list[Any], dict[str, Any]]:
    """The cells of ``rec``'s new row, and the row as read back (for its hash)."""
    layout = ctx.layout
    row: list[Any] = [None] * ctx.plan.width
    raw: dict[str, Any] = {}
    for name, col in layout.fields.items():
        value = sheet_rows.to_cell(ctx.kind, name, rec.data.get(name), ctx.locale)
        row[col] = value
        if value is not None:
            raw[sheet_rows.raw_key(ctx.kind, name)] = value
    # (the layout has its service columns: :func:`..sheet_rows.with_service_columns`)
    assert layout.id_col is not None and layout.status_col is not None
    assert layout.synced_col is not None
    row[layout.id_col] = rec.id
    row[layout.status_col] = ctx.status_ok(rec.id, [], rec.data)
    row[layout.synced_col] = ctx.stamp
    return row, raw


def stamp_outside_appends(ctx: PlanContext, parsed: Sequence[SheetRow]) -> None:
    """Put this sync's stamp on one existing record's row too when it appends.
    The stamp is how the next sync tells an append that landed from one that
    did not; carried by the appended rows alone, a partner deleting them
    before this sync's commit would make a landed append look failed, and the
    deleted rows would be appended again."""
    plan, col = ctx.plan, ctx.layout.synced_col
    if not plan.appends or col is None:
        return
    if any(c == col and row < plan.append_at for row, c in plan.cells):
        return  # an existing row carries the stamp already
    for r in parsed:
        if r.junk is None and r.id in ctx.state.records:
            ctx.touch(r.number)
            return


def landed_appends(ctx: PlanContext) -> list[str]:
    """Pending appends the sheet's stamps show landed (see
    :attr:`.model.Plan.landed_appends`)."""
    return sorted(r for r, sh in ctx.state.shadows.items() if sh.pending and landed(ctx, sh))
