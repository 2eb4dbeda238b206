"""The one APScheduler scheduler of a process, and how it stops.

Jobs:

- ``nightly:<partner>``: a cron trigger at the partner's ``sync_at`` in the
  partner's time zone; ``coalesce`` and a misfire grace of hours, so a clock
  that was paused over the night runs once, late, rather than never or twice.
- ``catch-up:<partner>``: a one-off job at start when the partner's latest
  scheduled time passed without a successful nightly (or catch-up) sync, so a
  clock that was down for three nights syncs once, not three times.
- ``housekeeping``: once a day, prunes expired webhook deliveries,
  idempotency keys and old consumed sync requests (:mod:`.housekeeping`).
- ``drain``: every few seconds, reads unconsumed sync requests and starts a
  sync per partner whose burst of requests has settled (see :mod:`.debounce`).
- ``drive-channels`` (with ``CRM_PUBLIC_URL``): at start and then a few times per
  renewal window, opens and renews each partner's Drive push channel;
- ``drive-poll``: every ``[sync] poll_seconds``, asks Drive for each
  spreadsheet's ``modifiedTime`` and requests a sync when it moved
  (:mod:`.drive_jobs`).

Syncs take the spreadsheet's lease inside the engine, so two clocks on two
machines never sync one spreadsheet at once; a sync that finds the lease held
reports "busy" and its requests wait for a later tick.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor as APThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from integration.alerts.notify import AlertRun, check_alerts
from integration.config import AppConfig
from integration.domain import Trigger
from integration.scheduler import housekeeping, jobs
from integration.scheduler.debounce import Batch, plan_drain, retry_delay
from integration.scheduler.drive_jobs import DriveJobs, channel_check_interval
from integration.store.db import Store
from integration.store.models import utcnow

log = logging.getLogger(__name__)

#: A night's sync still runs when the clock was paused (or busy) for up to this long.
MISFIRE_GRACE_SECONDS = 6 * 3600


def drain_interval(debounce_seconds: float) -> float:
    """How often to look for settled requests: a few times per debounce window,
    between half a second and five seconds."""
    return max(0.5, min(5.0, debounce_seconds / 3))


@dataclass(frozen=True)
class JobInfo:
    id: str
    next_run_time: datetime | None
    timezone: str | None


class SchedulerService:
    """Owns the scheduler, the pool that runs requested syncs, and the stop flag."""

    def __init__(
        self,
        config: AppConfig,
        store: Store,
        *,
        catch_up: bool = True,
        drain_every: float | None = None,
        on_sync: Callable[[str, str, jobs.SyncResult], None] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.catch_up = catch_up
        self.drain_every = drain_every or drain_interval(config.sync.debounce_seconds)
        self.on_sync = on_sync
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._in_flight: set[str] = set()
        self._idle = threading.Condition(self._lock)
        self._failures: dict[str, int] = {}
        self._hold_until: dict[str, datetime] = {}
        self.drive = DriveJobs(config, store)
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, len(config.partners)), thread_name_prefix="crm-sync"
        )
        self.scheduler = BackgroundScheduler(
            executors={"default": APThreadPoolExecutor(max(2, len(config.partners) + 1))},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=config.project.timezone,
        )
        self._add_jobs()

    # -- set-up -----------------------------------------------------------
    def _add_jobs(self) -> None:
        for code, partner in sorted(self.config.partners.items()):
            self.scheduler.add_job(
                self._scheduled_sync,
                trigger=jobs.nightly_trigger(partner),
                args=(code, Trigger.NIGHTLY),
                id=f"nightly:{code}",
                name=f"nightly sync of {code} at {partner.sync_at} {partner.timezone}",
                misfire_grace_time=MISFIRE_GRACE_SECONDS,
                coalesce=True,
                replace_existing=True,
            )
        self.scheduler.add_job(
            self._housekeeping,
            trigger=CronTrigger(hour=4, minute=10, timezone=self.config.project.timezone),
            id="housekeeping",
            name="prune expired webhook deliveries, idempotency keys and old sync requests",
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
            coalesce=True,
            replace_existing=True,
        )
        self._add_drive_jobs()
        self._add_alert_jobs()
        self.scheduler.add_job(
            self.drain_once,
            trigger=IntervalTrigger(seconds=self.drain_every),
            id="drain",
            name="drain sync requests",
            misfire_grace_time=max(1, int(self.drain_every * 2)),
            coalesce=True,
            replace_existing=True,
        )

    def _add_drive_jobs(self) -> None:
        sync = self.config.sync
        if self.config.public_url:
            every = channel_check_interval(sync.channel_renew_seconds)
            self.scheduler.add_job(
                self.drive.maintain_channels,
                trigger=IntervalTrigger(seconds=every),
                next_run_time=utcnow(),
                id="drive-channels",
                name="open and renew Drive push channels",
                misfire_grace_time=max(1, int(every * 2)),
                coalesce=True,
                replace_existing=True,
            )
        self.scheduler.add_job(
            self.drive.poll_once,
            trigger=IntervalTrigger(seconds=sync.poll_seconds),
            id="drive-poll",
            name="poll each spreadsheet's Drive modifiedTime",
            misfire_grace_time=max(1, int(sync.poll_seconds)),
            coalesce=True,
            replace_existing=True,
        )

    def _add_alert_jobs(self) -> None:
        every = self.config.alerts.check_seconds
        self.scheduler.add_job(
            self.check_alerts,
            trigger=IntervalTrigger(seconds=every),
            id="alerts",
            name="mail alerts (stopped syncs, failing partners, credentials, channels) and digests",
            misfire_grace_time=max(1, int(every * 2)),
            coalesce=True,
            replace_existing=True,
        )

    def check_alerts(self, now: datetime | None = None) -> AlertRun | None:
        """One alert check (:func:`integration.alerts.notify.check_alerts`); a store
        that is down skips it, the next check catches up."""
        try:
            return check_alerts(self.store, self.config, now=now)
        except SQLAlchemyError as exc:
            log.warning("alert check skipped: store unavailable (%s)", type(exc).__name__)
            return None

    def _housekeeping(self) -> None:
        try:
            housekeeping.prune_store(self.store)
        except SQLAlchemyError as exc:
            log.warning("housekeeping skipped: store unavailable (%s)", type(exc).__name__)

    def schedule_catch_up(self, now: datetime | None = None) -> list[str]:
        """Add one catch-up job for each partner whose last scheduled time was missed."""
        now = now or utcnow()
        due: list[str] = []
        for code, partner in sorted(self.config.partners.items()):
            latest = jobs.previous_fire_time(jobs.nightly_trigger(partner), now)
            if latest is not None and jobs.needs_catch_up(
                jobs.last_scheduled_success(self.store, code), latest
            ):
                due.append(code)
                self.scheduler.add_job(
                    self._scheduled_sync,
                    trigger=DateTrigger(run_date=now),
                    args=(code, Trigger.CATCH_UP),
                    id=f"catch-up:{code}",
                    name=f"catch-up sync of {code} (missed {latest.isoformat()})",
                    misfire_grace_time=MISFIRE_GRACE_SECONDS,
                    replace_existing=True,
                )
        return due

    def jobs_info(self) -> list[JobInfo]:
        out = []
        for job in self.scheduler.get_jobs():
            zone = getattr(job.trigger, "timezone", None)
            out.append(JobInfo(job.id, getattr(job, "next_run_time", None), str(zone)))
        return out

    # -- running ----------------------------------------------------------
    def start(self) -> list[str]:
        """Start the clock; returns the partners given a catch-up sync."""
        due = self.schedule_catch_up() if self.catch_up else []
        self.scheduler.start()
        for info in self.jobs_info():
            log.info("job %s next at %s", info.id, info.next_run_time)
        return due

    def stop(self, grace: float = 25.0) -> bool:
        """Stop taking work and wait up to ``grace`` seconds for running syncs.

        True when nothing is left running. A sync still running after the grace
        period keeps its lease only until the lease expires, so no other clock is
        blocked for long by a process that had to go.
        """
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self._pool.shutdown(wait=False, cancel_futures=True)
        deadline = threading.Event()
        timer = threading.Timer(grace, deadline.set)
        timer.daemon = True
        timer.start()
        with self._idle:
            while self._in_flight and not deadline.is_set():
                self._idle.wait(0.2)
            left = sorted(self._in_flight)
        timer.cancel()
        if left:
            log.warning("stopping with syncs still running for %s", ", ".join(left))
            return False
        return True

    def in_flight(self) -> set[str]:
        with self._lock:
            return set(self._in_flight)

    # -- jobs -------------------------------------------------------------
    def _claim(self, partner: str) -> bool:
        with self._lock:
            if self.stopping.is_set() or partner in self._in_flight:
                return False
            self._in_flight.add(partner)
            return True

    def _claim_waiting(self, partner: str) -> bool:
        """Claim ``partner``, waiting while a requested sync of it runs here."""
        with self._idle:
            while partner in self._in_flight and not self.stopping.is_set():
                self._idle.wait(0.5)
            if self.stopping.is_set():
                return False
            self._in_flight.add(partner)
            return True

    def _release(self, partner: str) -> None:
        with self._idle:
            self._in_flight.discard(partner)
            self._idle.notify_all()

    def _scheduled_sync(self, partner: str, trigger: str) -> jobs.SyncResult | None:
        """A nightly or catch-up sync of both tabs. When another process holds the
        spreadsheet, it is syncing right now, which is what the night wanted."""
        if not self._claim_waiting(partner):
            log.info("%s sync of %s skipped: stopping", trigger, partner)
            return None
        try:
            result = jobs.run_partner_sync(self.config, self.store, partner, trigger=trigger)
            self._report(partner, trigger, result)
            return result
        finally:
            self._release(partner)

    def drain_once(self, now: datetime | None = None) -> list[str]:
        """Start a sync for every partner whose requests have settled; returns them."""
        if self.stopping.is_set():
            return []
        try:
            return self._drain(now or utcnow())
        except SQLAlchemyError as exc:  # the store is down: say so, try again next tick
            log.warning("cannot read sync requests: %s", type(exc).__name__)
            return []

    def _drain(self, now: datetime) -> list[str]:
        pending = jobs.pending_requests(self.store)
        unknown = [r.id for r in pending if r.partner not in self.config.partners]
        if unknown:
            log.warning("dropping %d sync request(s) for unknown partners", len(unknown))
            jobs.consume_requests(self.store, unknown, None)
        with self._lock:
            busy = set(self._in_flight)
            holds = dict(self._hold_until)
        batches = plan_drain(
            [r for r in pending if r.partner in self.config.partners],
            now,
            debounce=self.config.sync.debounce_seconds,
            max_wait=self.config.sync.debounce_max_seconds,
            skip=busy,
            not_before=holds,
        )
        started = []
        for batch in batches:
            if not self._claim(batch.partner):
                continue
            try:
                self._pool.submit(self._requested_sync, batch)
            except RuntimeError:  # pool shut down: we are stopping
                self._release(batch.partner)
                break
            started.append(batch.partner)
        return started

    def _requested_sync(self, batch: Batch) -> jobs.SyncResult:
        try:
            result = jobs.run_partner_sync(
                self.config, self.store, batch.partner, trigger=batch.trigger, tab=batch.tab
            )
            if result.busy:
                # Another process syncs this spreadsheet; ask again on a later tick,
                # since it may have read the sheet before these edits.
                self._hold(batch.partner, 1)
            elif result.completed:
                run_id = result.run_ids[-1] if result.run_ids else None
                jobs.consume_requests(self.store, batch.request_ids, run_id)
                with self._lock:
                    self._failures.pop(batch.partner, None)
                    self._hold_until.pop(batch.partner, None)
            else:
                with self._lock:
                    failures = self._failures.get(batch.partner, 0) + 1
                    self._failures[batch.partner] = failures
                self._hold(batch.partner, retry_delay(failures))
            self._report(batch.partner, batch.trigger, result)
            return result
        finally:
            self._release(batch.partner)

    def _hold(self, partner: str, seconds: float) -> None:
        with self._lock:
            self._hold_until[partner] = utcnow() + timedelta(seconds=seconds)

    def _report(self, partner: str, trigger: str, result: jobs.SyncResult) -> None:
        level = logging.INFO if result.completed or result.busy else logging.WARNING
        log.log(
            level,
            "%s sync of %s: %s%s",
            trigger,
            partner,
            result.outcome,
            f" ({result.error})" if result.error else "",
        )
        if self.on_sync is not None:
            try:
                self.on_sync(partner, trigger, result)
            except Exception:  # a display callback must never stop the clock
                log.debug("on_sync callback failed", exc_info=True)
