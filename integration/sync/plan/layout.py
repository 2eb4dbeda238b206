"""The tab's layout and header: which column holds which field, the header row a
blank tab gets, the service columns (CRM ID, Sync status, Last synced) added right
of every used cell in the header row, and the data rows below the header
(:class:`..snapshot.SheetRow`). Rows above the header (a title) are never written.

A tab with data but no recognisable header is never guessed at: the plan aborts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from integration.kinds import record_kind

from .. import sheet_rows
from ..header_report import HeaderReport, expected_fields, header_report
from ..snapshot import SheetRow
from ..stop_reasons import HEADER_NOT_FOUND
from .context import PlanContext
from .row_identity import Claim, Owners, owner_of, same_firm

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


def read_layout(ctx: PlanContext) -> bool:
    """Set :attr:`.context.PlanContext.layout` from the snapshot's header row,
    planning the header cells a blank tab or missing service columns need.
    False: the plan is aborted."""
    snap = ctx.snapshot
    header, at = snap.header, snap.header_row
    ctx.update(header_row=at)
    plan = ctx.plan
    layout = snap.layout
    if not any(sheet_rows.clean_line(h) if isinstance(h, str) else h for h in header):
        if snap.has_data:
            ctx.update(
                aborted=f"the tab has data but no header row (row {at} is empty)",
                stop_reason=HEADER_NOT_FOUND,
            )
            return False
        header = sheet_rows.default_header(ctx.kind, ctx.locale)
        for col, text in enumerate(header):
            plan.cells[(at, col)] = text
        layout = sheet_rows.layout_for(header, ctx.kind, ctx.s.columns)
    previous = ctx.state.previous_columns
    if layout.fields and snap.has_data and not reads_as_header(layout, header, previous):
        # nothing of the row is reported: it may be a person's data
        ctx.update(
            header_report=HeaderReport(row=at, missing=list(expected_fields(ctx.kind))).as_dict(),
            aborted=(
                f"row {at} does not read as the header row (it looks like data); was the "
                "header row deleted or is this the wrong tab? Nothing was changed."
            ),
            stop_reason=HEADER_NOT_FOUND,
        )
        return False
    if not layout.fields and snap.has_data:
        # The report still says which headers were read and what they may mean.
        ctx.update(
            header_report=header_report(layout, header_row=at).as_dict(),
            aborted=(
                f"no column of the header row (row {at}) is recognised; is this the right tab?"
            ),
            stop_reason=HEADER_NOT_FOUND,
        )
        return False
    used = max((len(r) for r in snap.data), default=0)
    layout, added = sheet_rows.with_service_columns(layout, used)
    for col, name in added.items():
        plan.cells[(at, col)] = sheet_rows.header_text(ctx.kind, name, ctx.locale)
    ctx.layout = layout
    ctx.header_names = {i: str(h) for i, h in enumerate(header) if h not in (None, "")}
    ctx.update(
        width=max(layout.width, len(header)),
        columns=dict(layout.headers),
        layout=layout,
        drift=sheet_rows.drift(ctx.state.previous_columns, layout),
        header_report=header_report(layout, header_row=at).as_dict(),
    )
    return True


def parse_rows(ctx: PlanContext) -> list[SheetRow]:
    """The snapshot's rows, each CRM ID kept by one row only: the record's own
    (:mod:`.row_identity`), whatever its position; a copied row carrying the id,
    once it differs, becomes a new row."""
    layout = ctx.layout
    snap = ctx.snapshot
    ctx.plan.counts["blank"] += snap.blank
    claims: dict[str, list[Claim]] = {}
    for r in snap.rows:
        if r.id is not None:
            claims.setdefault(r.id, []).append(Claim(r.number, r.raw, r.hash))
    left: set[int] = set()
    renew: set[int] = set()
    for rid, found in claims.items():
        if len(found) > 1:
            owners = owners_of(ctx, rid, found)
            left.update(owners.alike)
            renew.update(owners.others)
    ctx.sheet_ids = set(claims)
    parsed: list[SheetRow] = []
    for r in snap.rows:
        if r.number in left:
            ctx.plan.counts["duplicates"] += 1  # a copy still the same: left alone
            continue
        if r.number in renew:
            # A copied row carries another row's id: it becomes a new row.
            ctx.set_cell(r.number, layout.id_col, None, sheet_rows.cell(r.cells, layout.id_col))
            r = r.without_id()
        parsed.append(r)
    return parsed


def owners_of(ctx: PlanContext, rid: str, claims: list[Claim]) -> Owners:
    """Which of the rows carrying ``rid`` is its record's row."""
    rec = ctx.state.records.get(rid)
    shadow = ctx.state.shadows.get(rid)
    is_firm = None
    if rec is not None and record_kind(ctx.kind).is_firm:
        stored = rec.data

        def is_firm(raw: Mapping[str, Any]) -> bool:
            return same_firm(ctx.normalise(raw)[0], stored)

    return owner_of(claims, base_hash=shadow.row_hash if shadow else None, is_firm=is_firm)
