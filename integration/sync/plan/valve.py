"""The mass-deletion valve: rows with a CRM ID that vanished from the sheet archive
their records, unless so many vanished at once that it looks like an accident
(a sorted range pasted over, a filter view, a wrong tab), in which case the sync
of this tab stops and applies nothing (the other tab goes on), and says why on
the sheet in the partner's language. Staff resolve it by restoring the rows or by
accepting the deletions for one run (``crm-sync sync --accept-deletions``), which
archives only records that partner may change.
"""

from __future__ import annotations

from .. import messages
from ..stop_reasons import DELETION_STOP
from .context import PlanContext
from .model import Settings
from .pending import awaiting_append


def valve_message(vanished: int, live: int, settings: Settings, locale: str = "en") -> str | None:
    """Why the sync stops, in ``locale``, or None if ``vanished`` of ``live`` rows
    may be archived: it stops when more than the share and at least the minimum
    vanished (unless staff accepted the deletions for this run)."""
    if (
        settings.accept_deletions
        or vanished < settings.mass_delete_min_rows
        or vanished <= settings.mass_delete_share * live
    ):
        return None
    return messages.text(
        "deletion_stop",
        locale,
        vanished=vanished,
        live=live,
        share=f"{settings.mass_delete_share:.0%}",
        minimum=settings.mass_delete_min_rows,
    )


def vanished_records(ctx: PlanContext) -> list[str]:
    """This partner's live records whose rows the sheet no longer has."""
    out = []
    for rid in sorted(ctx.state.shadows):
        rec = ctx.state.records.get(rid)
        if awaiting_append(ctx, ctx.state.shadows[rid]):
            continue  # its append never reached the sheet: append it again
        if (
            rec is not None
            and not rec.archived
            and rid not in ctx.sheet_ids
            and ctx.owns(rec)  # a row deleted here never archives another's record
        ):
            out.append(rid)
    return out


def live_rows(ctx: PlanContext) -> int:
    """How many of this partner's live records the sheet showed last time."""
    return sum(
        1
        for r, sh in ctx.state.shadows.items()
        if not awaiting_append(ctx, sh)
        and r in ctx.state.records
        and not ctx.state.records[r].archived
        and ctx.owns(ctx.state.records[r])
    )


def valve_closed(ctx: PlanContext, vanished: list[str]) -> bool:
    """Abort the plan, writing nothing, if too many rows vanished at once."""
    live = live_rows(ctx)
    reason = valve_message(len(vanished), live, ctx.s)
    if reason is None:
        return False
    ctx.plan.cells.clear()
    ctx.update(
        aborted=reason,
        stop_reason=DELETION_STOP,
        deletion_stop=valve_message(len(vanished), live, ctx.s, ctx.locale),
        vanished=list(vanished),
        vanished_rows={rid: ctx.state.shadows[rid].row for rid in vanished},
    )
    return True


def archive_vanished(ctx: PlanContext, vanished: list[str]) -> None:
    """Archive records whose rows vanished; forget the bases of records that are
    no longer this tab's (gone, or moved to another partner by an admin)."""
    plan = ctx.plan
    for rid in vanished:
        plan.vanished_rows[rid] = ctx.state.shadows[rid].row
        plan.archives.append(rid)
        plan.drop_shadows.append(rid)
        plan.counts["archived"] += 1
    for rid in ctx.state.shadows:
        rec = ctx.state.records.get(rid)
        if (rec is None or not ctx.owns(rec)) and rid not in plan.drop_shadows:
            plan.drop_shadows.append(rid)
