"""Carry out once: one tab's plan carried out by one ordered executor.

The sync of a tab reads once (:mod:`.snapshot`), plans once (:mod:`.plan`), and
carries the plan out here, in this order, each step a function of its own:

1. :func:`check_lease` -- the spreadsheet lease is still this sync's, or nothing
   is written;
2. :func:`reserve` -- new records' ids are issued (committed at once: an id
   written to a sheet is never handed out again) and bound into the plan (a new
   plan, :func:`.apply.bind_ids`);
3. :func:`record_pending_bases` -- what the written rows will say, stored before
   the write (:mod:`.pending_bases`);
4. :func:`log_conflicts` -- conflicts whose store value replaces the partner's
   cell, logged before that write removes the partner's value;
5. :func:`follow` -- the tab read again and the plan re-addressed to where its
   rows are now (:mod:`.row_moves`; a new plan);
6. :func:`write` -- the lease checked again (the re-read may have stalled past
   it), the sheet's one batch (:mod:`.sheet_write`), then the lease checked once
   more (nothing is committed over the sync that took over);
7. :func:`commit` -- the store's one transaction (:mod:`.apply`);
8. :func:`release_stop` -- a deletion stop that held the tab is over: its held
   rows are released and its note went with the write.

A plan that stopped (:attr:`.plan.Plan.aborted`) applies nothing: a deletion stop
is recorded and its note written once (:func:`record_stop`). A dry run carries
nothing out. Why this order converges after a crash at any point is told in
:mod:`.apply`. What the steps did is returned as :class:`Carried`; nothing here
changes the plan it was given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from connectors.google_sheets.tab_io import SheetsConnector
from integration import vanished
from integration.events import Event
from integration.store.db import Store
from integration.store.ids import reserve_ids

from . import tab_notes
from .apply import StoreApplied, apply_store, bind_ids, log_overwriting_conflicts
from .collector_pause import collector_paused
from .pending_bases import mark_pending_bases
from .plan import Plan, StoreState
from .sheet_write import SheetWriteResult, follow_rows, stop_note, write_sheet
from .snapshot import TabSnapshot


class LeaseLost(Exception):
    """This sync no longer holds the spreadsheet's lease."""


@dataclass(frozen=True)
class TabTarget:
    """Where and as whom a tab's plan is carried out."""

    store: Store
    connector: SheetsConnector
    spreadsheet_id: str
    title: str
    partner: str
    tab: str
    policy: str
    sync_run_id: int
    #: the partner's language for the tab's aids (None: the partner opted out)
    aids_locale: str | None = None
    aids_zone: str | None = None
    events: Sequence[Event] = ()
    #: renews the spreadsheet lease; False when another sync took it over
    keep_lease: Callable[[], bool] | None = None
    #: the deletion stop's note on the sheet before this run (None: no note)
    note_before: str | None = None
    #: whether the tab was stopped before this run (its note is on the sheet)
    stopped_before: bool = False
    #: when this sync started (the deletion stop's time)
    now: datetime | None = None


@dataclass(frozen=True)
class Carried:
    """What carrying out a plan did: the plan as last carried (ids bound, rows
    re-addressed), the sheet write, and the store transaction."""

    plan: Plan
    written: SheetWriteResult | None = None
    applied: StoreApplied | None = None


#: told what the sheet write did as soon as it is done (a later step may still fail)
Wrote = Callable[[Plan, SheetWriteResult], None]


def carry_out(
    target: TabTarget,
    plan: Plan,
    snapshot: TabSnapshot,
    state: StoreState,
    *,
    wrote: Wrote | None = None,
) -> Carried:
    """Carry out a plan that did not stop, step by step (the module's order).

    Raises :class:`LeaseLost` when the lease was taken over (before the write:
    nothing written; after it: nothing committed), and :class:`.sheet_write.RowsLost`
    before anything is written when rows the write addresses cannot be found again."""
    check_lease(target, "the spreadsheet lease expired and was taken over; nothing written")
    plan = reserve(target, plan)
    record_pending_bases(target, plan)
    log_conflicts(target, plan)
    plan = follow(target, plan, snapshot)  # as late as it can be
    # renewed again right before the write: a sync that stalled in the re-read
    # past its lease writes nothing over the sync that took the tab over
    check_lease(
        target, "the spreadsheet lease expired while the tab was read again; nothing written"
    )
    written = write(target, plan)
    if wrote is not None:
        wrote(plan, written)
    check_lease(target, "the spreadsheet lease was lost after the sheet write")
    applied = commit(target, plan, state, written)
    release_stop(target)
    return Carried(plan, written, applied)


def check_lease(target: TabTarget, lost: str) -> None:
    """Renew the spreadsheet lease; :class:`LeaseLost` (``lost``) if it was taken over."""
    if target.keep_lease is not None and not target.keep_lease():
        raise LeaseLost(lost)


def reserve(target: TabTarget, plan: Plan) -> Plan:
    """Issue the ids of the plan's new records that have none yet, and bind them."""
    count = sum(1 for c in plan.creates if c.fixed_id is None)
    return bind_ids(plan, reserve_ids(target.store, plan.kind, count))


def record_pending_bases(target: TabTarget, plan: Plan) -> None:
    """Store what the rows written will say, before the write (:mod:`.pending_bases`)."""
    mark_pending_bases(target.store, plan)


def log_conflicts(target: TabTarget, plan: Plan) -> None:
    """Log the conflicts whose store value is about to replace the partner's cell."""
    log_overwriting_conflicts(
        target.store, plan, policy=target.policy, sync_run_id=target.sync_run_id
    )


def follow(target: TabTarget, plan: Plan, snapshot: TabSnapshot) -> Plan:
    """The plan addressed to where its rows are now (:func:`.sheet_write.follow_rows`)."""
    return follow_rows(target.connector, target.spreadsheet_id, target.title, plan, snapshot.read)


def write(target: TabTarget, plan: Plan) -> SheetWriteResult:
    """The tab's one batch: cells, appended rows, the tab's aids, and (when a stop
    is over) the stop's note removed."""
    return write_sheet(
        target.connector,
        target.spreadsheet_id,
        target.title,
        plan,
        aids_locale=target.aids_locale,
        aids_zone=target.aids_zone,
        events=target.events,
        extra_requests=stop_note(plan, None) if target.stopped_before else None,
    )


def commit(
    target: TabTarget, plan: Plan, state: StoreState, written: SheetWriteResult
) -> StoreApplied | None:
    """The store's one transaction, when the plan changes the store or the tab's
    columns changed (None: nothing to commit)."""
    if not plan.has_store_changes and plan.columns == (state.previous_columns or {}):
        return None
    with collector_paused():  # a first sync's insert parameters: see .collector_pause
        return apply_store(
            target.store,
            plan,
            policy=target.policy,
            sync_run_id=target.sync_run_id,
            sheet_id=written.sheet_id,
        )


def release_stop(target: TabTarget) -> None:
    """A deletion stop held the tab until this run: nothing of it is held now,
    and its note went with the write."""
    if not target.stopped_before:
        return
    with target.store.session() as session:
        vanished.release_held(session, target.partner, target.tab)
    tab_notes.remember(target.store, target.partner, target.tab, None)


def record_stop(target: TabTarget, plan: Plan, kind: str) -> None:
    """A deletion stop: which rows vanished is recorded (for the dashboard), and
    the note saying why is written on the sheet once (not again while it stands)."""
    assert plan.deletion_stop is not None and target.now is not None
    with target.store.session() as session:
        vanished.record_stop(
            session, target.partner, target.tab, kind, plan.vanished_rows, target.now
        )
    if target.note_before == plan.deletion_stop:
        return
    note = stop_note(plan, plan.deletion_stop)
    if note is not None:
        write_sheet(
            target.connector, target.spreadsheet_id, target.title, plan, extra_requests=note
        )
    tab_notes.remember(target.store, target.partner, target.tab, plan.deletion_stop)
