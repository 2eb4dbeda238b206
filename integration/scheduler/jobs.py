"""What the clock's jobs do: nightly triggers, catch-up, and draining requests.

Each function does one thing against the store or the sync engine; the
decisions themselves (debounce, catch-up) are pure and live beside them so
they can be tested without a clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select, update

from integration.config import AppConfig, PartnerConfig
from integration.scheduler.debounce import PendingRequest
from integration.store.db import Store
from integration.store.models import SyncRequest, SyncRun, utcnow

log = logging.getLogger(__name__)

#: Triggers whose successful runs count as "the nightly sync happened".
SCHEDULED_TRIGGERS = ("nightly", "catch-up")
#: Outcomes of a sync run that did not complete (anything else completed,
#: possibly with invalid rows, which is still a successful sync).
UNFINISHED_OUTCOMES = frozenset(
    {"running", "busy", "failed", "error", "aborted", "interrupted", "stopped", "blocked"}
)
#: How far back to look for the latest scheduled time (a daily job fired within it).
_LOOKBACK = timedelta(days=8)


class NightlyTrigger(CronTrigger):
    """A daily cron trigger that fires once on the night the clocks go back.

    APScheduler 3 fires an ambiguous wall time (03:30 on the last Sunday of
    October in Riga happens twice) at both occurrences, ``fold=0`` and ``fold=1``;
    a nightly sync should run once, at the first.
    """

    def get_next_fire_time(self, previous_fire_time, now):  # type: ignore[no-untyped-def]
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
        return result.rowcount or 0


@dataclass
class SyncResult:
    """What the scheduler needs from one sync: did it run, and which runs recorded it."""

    outcome: str
    run_ids: list[int] = field(default_factory=list)
    error: str | None = None
    report: Any = None

    @property
    def busy(self) -> bool:
        return self.outcome == "busy"

    @property
    def completed(self) -> bool:
        return self.outcome not in UNFINISHED_OUTCOMES


def run_partner_sync(
    config: AppConfig, store: Store, partner: str, *, trigger: str, tab: str | None = None
) -> SyncResult:
    """Run one sync through the engine (which takes the spreadsheet lease and
    records the runs) and reduce its report to what the scheduler acts on."""
    from integration.sync import engine

    started = utcnow()
    try:
        report = engine.run_sync(config, store, partner, tab=tab, trigger=trigger)
    except Exception as exc:
        if _is_busy_error(exc):
            return SyncResult(outcome="busy", error=str(exc))
        log.warning("sync of %s (%s) failed: %s: %s", partner, trigger, type(exc).__name__, exc)
        return SyncResult(
            outcome="failed",
            run_ids=_runs_since(store, partner, trigger, started),
            error=f"{type(exc).__name__}: {exc}",
        )
    outcome = _report_outcome(report)
    run_ids = _report_run_ids(report) or _runs_since(store, partner, trigger, started)
    return SyncResult(outcome=outcome, run_ids=run_ids, report=report)


def _is_busy_error(exc: Exception) -> bool:
    name = type(exc).__name__.lower()
    return "busy" in name or ("lease" in name and "lost" not in name)


def _report_outcome(report: Any) -> str:
    outcome = getattr(report, "outcome", None)
    if isinstance(outcome, str):
        return outcome
    tabs = _report_tabs(report)
    outcomes = [getattr(t, "outcome", None) for t in tabs]
    outcomes = [o for o in outcomes if isinstance(o, str)]
    if not outcomes:
        return "ok"
    for bad in ("busy", "failed", "error"):
        if bad in outcomes:
            return bad
    unfinished = [o for o in outcomes if o in UNFINISHED_OUTCOMES]
    return unfinished[0] if unfinished else outcomes[0]


def _report_tabs(report: Any) -> list[Any]:
    tabs = getattr(report, "tabs", None)
    if isinstance(tabs, dict):
        return list(tabs.values())
    if isinstance(tabs, list | tuple):
        return list(tabs)
    return []


def _report_run_ids(report: Any) -> list[int]:
    ids = getattr(report, "run_ids", None)
    if ids:
        return [int(i) for i in ids]
    found = [getattr(t, "sync_run_id", None) for t in _report_tabs(report)]
    return [int(i) for i in found if isinstance(i, int)]


def _runs_since(store: Store, partner: str, trigger: str, since: datetime) -> list[int]:
    with store.session() as session:
        return list(
            session.scalars(
                select(SyncRun.id)
                .where(
                    SyncRun.partner == partner,
                    SyncRun.trigger == trigger,
                    SyncRun.started_at >= since - timedelta(seconds=1),
                )
                .order_by(SyncRun.id)
            )
        )


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; the store writes UTC, so say so."""
    from datetime import UTC

    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
