"""Recording, before a sheet write, what the written rows will say: the bases of
records about to be appended (marked pending) and of existing rows whose cells
are about to be written, under the write's "Last synced" stamp.

The planner (:mod:`.plan.pending`) decides these bases; this is their store side,
one transaction before the sheet write of :mod:`.apply`. A process that dies
between the sheet write and the store commit then leaves enough behind for the
next sync to tell from the stamps in the sheet what landed.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from integration.store.db import Store
from integration.store.models import SyncShadow, utcnow
from integration.store.shadows import upsert_shadows

from .plan import PENDING, Plan

#: rows per statement
CHUNK = 5000


def mark_pending_bases(store: Store, plan: Plan) -> None:
    """Before the sheet write, in one transaction: the base of each record about to
    be appended, marked pending, and the base each existing record's row will agree
    on once its cells are written (:attr:`.plan.Plan.pending_bases`), under this
    sync's "Last synced" stamp. If the process dies after the sheet write but before
    the store commit, the next sync still knows what the written row says, so a
    store edit made meanwhile wins over the sheet's copy of the older value instead
    of a conflict (or a base-less one, for an appended row)."""
    if (
        not plan.appends
        and not plan.pending_bases
        and not plan.landed_bases
        and not plan.landed_appends
    ):
        return
    with store.session() as session:
        # An append the stamps show landed is no longer pending: this write may
        # replace the last stamp that shows it (see Plan.landed_appends).
        for start in range(0, len(plan.landed_appends), CHUNK):
            session.execute(
                update(SyncShadow)
                .where(
                    SyncShadow.partner == plan.partner,
                    SyncShadow.tab == plan.tab,
                    SyncShadow.record_id.in_(plan.landed_appends[start : start + CHUNK]),
                    SyncShadow.row_hash.startswith(PENDING),
                )
                .values(row_hash=None)
            )
        _mark_pending_appends(session, plan)
        # A pending base the row shows landed becomes the base first: this write
        # replaces the row's stamp, and a later pending base replaces the stored
        # one, so without this a failed commit now would lose what the row says.
        settled = [
            {
                "partner": plan.partner,
                "tab": plan.tab,
                "record_id": rid,
                "base": base,
                "pending_base": None,
                "pending_base_stamp": None,
            }
            for rid, base in sorted(plan.landed_bases.items())
        ]
        for start in range(0, len(settled), CHUNK):
            session.execute(update(SyncShadow), settled[start : start + CHUNK])
        rows = [
            {
                "partner": plan.partner,
                "tab": plan.tab,
                "record_id": rid,
                "pending_base": base,
                "pending_base_stamp": plan.stamp,
            }
            for rid, base in sorted(plan.pending_bases.items())
        ]
        for start in range(0, len(rows), CHUNK):
            session.execute(update(SyncShadow), rows[start : start + CHUNK])


def _mark_pending_appends(session: Session, plan: Plan) -> None:
    if not plan.appends:
        return
    now = utcnow()
    upsert_shadows(
        session,
        (
            {
                "partner": plan.partner,
                "tab": plan.tab,
                "record_id": rid,
                "base": dict(plan.shadows[rid].base),
                "row_hash": PENDING + plan.stamp,
                "record_version": plan.shadows[rid].version,
                "pending_base": None,
                "pending_base_stamp": None,
                "updated_at": now,
            }
            for rid, _ in plan.appends
        ),
    )
