"""What the clock's jobs do: nightly triggers, catch-up, and draining requests.

Each function does one thing against the store or the sync engine; the
decisions themselves (debounce, catch-up) are pure and live beside them so
they can be tested without a clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select, update

from integration.config import AppConfig, PartnerConfig
from integration.domain import UNFINISHED_OUTCOMES, SyncOutcome, Trigger
from integration.scheduler.debounce import PendingRequest
from integration.store.db import Store, rows_affected
from integration.store.models import SyncRequest, SyncRun, utcnow
from integration.sync import engine

log = logging.getLogger(__name__)

#: Triggers whose successful runs count as "the nightly sync happened".
SCHEDULED_TRIGGERS = (Trigger.NIGHTLY, Trigger.CATCH_UP)
#: How far back to look for the latest scheduled time (a daily job fired within it).
_LOOKBACK = timedelta(days=8)


class NightlyTrigger(CronTrigger):
    """A daily cron trigger that fires once on the night the clocks go back.

    APScheduler 3 fires an ambiguous wall time (03:30 on the last Sunday of
    October in Riga happens twice) at both occurrences, ``fold=0`` and ``fold=1``;
    a nightly sync should run once, at the first.
    """

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        fire = super().get_next_fire_time(previous_fire_time, now)
        while fire is not None and _second_occurrence(fire):
            fire = super().get_next_fire_time(fire, fire)
        return fire


def _second_occurrence(moment: datetime) -> bool:
    return moment.fold == 1 and moment.replace(fold=0).utcoffset() != moment.utcoffset()


def nightly_trigger(partner: PartnerConfig) -> CronTrigger:
    """A cron trigger at the partner's ``sync_at`` in the partner's own time zone, so
    02:00 in Riga stays 02:00 local across daylight-saving changes."""
    at = partner.sync_time
    return NightlyTrigger(hour=at.hour, minute=at.minute, timezone=partner.zone)


def previous_fire_time(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The latest time at or before ``now`` that ``trigger`` fires (APScheduler 3
    only computes the next one, so walk forward from a week ago)."""
    last = None
    fire = trigger.get_next_fire_time(None, now - _LOOKBACK)
    while fire is not None and fire <= now:
        last = fire
        fire = trigger.get_next_fire_time(fire, fire)
    return last


def needs_catch_up(last_success: datetime | None, latest_scheduled: datetime | None) -> bool:
    """A scheduled time has passed with no successful scheduled sync at or after it."""
    if latest_scheduled is None:
        return False
    return last_success is None or last_success < latest_scheduled


def last_scheduled_success(store: Store, partner: str) -> datetime | None:
    """Start of the partner's latest completed nightly or catch-up sync run."""
    with store.session() as session:
        rows = session.execute(
            select(SyncRun.started_at, SyncRun.outcome)
            .where(
                SyncRun.partner == partner,
                SyncRun.trigger.in_(SCHEDULED_TRIGGERS),
                SyncRun.dry_run.is_(False),
            )
            .order_by(SyncRun.started_at.desc())
            .limit(50)
        ).all()
    for started_at, outcome in rows:
        if outcome not in UNFINISHED_OUTCOMES:
            return _aware(started_at)
    return None


def pending_requests(store: Store) -> list[PendingRequest]:
    """Unconsumed sync requests, oldest first."""
    with store.session() as session:
        rows = session.execute(
            select(
                SyncRequest.id,
                SyncRequest.partner,
                SyncRequest.requested_at,
                SyncRequest.trigger,
                SyncRequest.tab,
            )
            .where(SyncRequest.consumed_at.is_(None))
            .order_by(SyncRequest.requested_at, SyncRequest.id)
        ).all()
    return [
        PendingRequest(id=r[0], partner=r[1], requested_at=_aware(r[2]), trigger=r[3], tab=r[4])
        for r in rows
    ]


def consume_requests(store: Store, ids: tuple[int, ...] | list[int], run_id: int | None) -> int:
    """Mark requests answered by sync run ``run_id`` (None: dropped, e.g. unknown partner)."""
    if not ids:
        return 0
    with store.session() as session:
        result = session.execute(
            update(SyncRequest)
            .where(SyncRequest.id.in_(list(ids)), SyncRequest.consumed_at.is_(None))
            .values(consumed_at=utcnow(), sync_run_id=run_id)
        )
        return rows_affected(result)


@dataclass
class SyncResult:
    """What the scheduler needs from one sync: did it run, and which runs recorded it."""

    outcome: str
    run_ids: list[int] = field(default_factory=list)
    error: str | None = None
    report: Any = None

    @property
    def busy(self) -> bool:
        return self.outcome == SyncOutcome.BUSY

    @property
    def completed(self) -> bool:
        return self.outcome not in UNFINISHED_OUTCOMES


def run_partner_sync(
    config: AppConfig, store: Store, partner: str, *, trigger: str, tab: str | None = None
) -> SyncResult:
    """Run one sync through the engine (which takes the spreadsheet lease and
    records a run per tab) and reduce its report to what the scheduler acts on."""
    try:
        report = engine.run_sync(config, store, partner, tab=tab, trigger=trigger)
    except Exception as exc:  # the engine reports Google's problems; this is e.g. the store's
        log.warning("sync of %s (%s) failed: %s: %s", partner, trigger, type(exc).__name__, exc)
        return SyncResult(outcome=SyncOutcome.FAILED, error=f"{type(exc).__name__}: {exc}")
    run_ids = [t.sync_run_id for t in report.tabs if t.sync_run_id is not None]
    errors = [f"{t.tab}: {t.error}" for t in report.tabs if t.error]
    return SyncResult(
        outcome=report.outcome, run_ids=run_ids, error="; ".join(errors) or None, report=report
    )


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; the store writes UTC, so say so."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
