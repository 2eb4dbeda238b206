"""Plan once: one tab's plan as a function of its snapshot, the store state and
the settings (:func:`plan_tab`). The rules run in order over one
:class:`.context.PlanContext`: the layout, the rows with their ids, the stamp,
the valve, each row by its rule, archives, appends, and the quarantine entries
this sync resolves. The plan returned is not changed afterwards: carrying it out
(:mod:`..carry_out`) makes new plans where it must (ids bound, rows re-addressed).
"""

from __future__ import annotations

from .. import sheet_rows
from ..snapshot import SheetRow, TabSnapshot
from .context import ChangedAt, PlanContext
from .existing import existing_row, reserved, unknown_id
from .layout import parse_rows, read_layout
from .model import Plan, Settings, StoreState
from .new_rows import new_row
from .party_names import row_renames
from .pending import appends, choose_stamp, landed_appends, stamp_outside_appends
from .valve import archive_vanished, valve_closed, vanished_records


def plan_tab(
    snapshot: TabSnapshot,
    state: StoreState,
    settings: Settings,
    *,
    changed_at: ChangedAt | None = None,
) -> Plan:
    """Decide one tab's sync from its snapshot (:func:`..snapshot.read_snapshot`)
    and the store state.

    ``changed_at``: when the sheet was last edited, for the newest_wins policy;
    asked once, and only if a field conflicts (it costs a Drive call), so the
    plan is made once whatever the policy."""
    ctx = PlanContext.start(snapshot, state, settings, changed_at)
    if not read_layout(ctx):
        return ctx.plan
    parsed = parse_rows(ctx)
    choose_stamp(ctx)
    vanished = vanished_records(ctx)
    if valve_closed(ctx, vanished):
        return ctx.plan
    for item in parsed:
        plan_row(ctx, item)
    archive_vanished(ctx, [rid for rid in vanished if rid not in ctx.sheet_ids])
    appends(ctx, max(len(snapshot.cells), snapshot.header_row) + 1)
    stamp_outside_appends(ctx, parsed)
    ctx.update(landed_appends=landed_appends(ctx))
    resolve_quarantine(ctx)
    return ctx.plan


def plan_row(ctx: PlanContext, r: SheetRow) -> None:
    """Plan one data row by the rule its CRM ID cell calls for."""
    ctx.plan.counts["rows"] += 1
    if r.junk is not None:
        unknown_id(ctx, r, r.junk)
    elif r.id is None:
        new_row(ctx, r)
    elif r.id in ctx.state.records:
        existing_row(ctx, with_party_names(ctx, r), ctx.state.records[r.id])
        note_row(ctx, r)
    elif reserved(ctx, r.id):
        new_row(ctx, r, fixed_id=r.id)
    else:
        unknown_id(ctx, r, r.id)


def note_row(ctx: PlanContext, r: SheetRow) -> None:
    """Remember the row a record's row is on when it moved (or is not known
    yet and its base is written anyway), so that when it vanishes staff are
    told where it was; a row that stays put costs nothing."""
    assert r.id is not None
    shadow = ctx.state.shadows.get(r.id)
    if shadow is None or shadow.row == r.number:
        return
    if shadow.row is not None or r.id in ctx.plan.shadows:
        ctx.plan.rows_at[r.id] = r.number


def with_party_names(ctx: PlanContext, r: SheetRow) -> SheetRow:
    """The row with its renamed parties' names written (:mod:`.party_names`),
    planned as if staff had typed them."""
    assert r.id is not None
    renamed = row_renames(ctx.state, r.id, r.raw)
    if not renamed:
        return r
    cells = list(r.cells)
    for key, name in renamed.items():
        col = ctx.layout.raw_keys[key]
        ctx.set_cell(r.number, col, name, sheet_rows.cell(r.cells, col))
        cells += [None] * (col + 1 - len(cells))
        cells[col] = name
    ctx.touch(r.number)
    return r.with_raw(cells, {**r.raw, **renamed})


def resolve_quarantine(ctx: PlanContext) -> None:
    """Open quarantine entries no row of this sync stands behind any more:
    applied if their row now went through, removed otherwise."""
    for fp, (entry_id, row_number) in ctx.state.quarantine_open.items():
        if fp in ctx.seen_fps:
            continue
        applied = fp in ctx.applied_fps or (row_number in ctx.valid_rows)
        ctx.plan.resolve.append((entry_id, "applied" if applied else "removed"))
