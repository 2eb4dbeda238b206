"""Running a sync of one partner: lease, then each tab read once, planned once,
carried out once, and recorded.

``run_sync`` is what the CLI, the scheduler and the demo call. It takes the
spreadsheet's lease (one sync per spreadsheet across processes and machines),
syncs the Leads tab before the Agreements tab (agreements name leads), records one
sync run per tab with its counts (:class:`.counts.Counts`), API calls and outcome,
and marks the partner's pending sync requests consumed when every tab completed.

``sync_tab`` runs one tab's three stages: the snapshot (:mod:`.snapshot`), the
store state and the plan (:mod:`.state`, :mod:`.plan`), and the executor
(:mod:`.carry_out`); :class:`TabResult` is what the tab's sync run records.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from connectors.google_sheets.errors import PermissionDenied, SheetNotFound, SheetsError
from connectors.google_sheets.ratelimit import Budgets
from connectors.google_sheets.retry import RetryPolicy
from connectors.google_sheets.tab_io import SheetsConnector
from integration.config import AppConfig
from integration.domain import SyncOutcome, Trigger
from integration.google_connector import gspread_client as _client
from integration.google_connector import quota_budgets as _budgets
from integration.google_connector import retry_policy as _retry
from integration.kinds import of_tab
from integration.store import leases
from integration.store.db import Store
from integration.store.models import SyncRequest, SyncRun, utcnow

from . import tab_notes
from .accepted_deletions import accepted_tabs
from .carry_out import Carried, LeaseLost, TabTarget, carry_out, record_stop
from .collector_pause import collector_paused
from .counts import Counts
from .plan import Plan, Settings, detail_needed, plan_tab
from .sheet_write import RowsLost, SheetWriteResult
from .state import fill_details, load_state
from .stop_reasons import stop_reason_of

log = logging.getLogger(__name__)
TABS = ("leads", "agreements")
Progress = Callable[[str, str], None]


@dataclass
class TabResult:
    """One tab's run: its outcome and :class:`.counts.Counts`, as its sync run records."""

    tab: str
    outcome: str = SyncOutcome.RUNNING
    #: what the plan counted; in a real run what the write did (the plan's
    #: intended writes are counted only by a dry run)
    counts: Counts = field(default_factory=lambda: Counts(planned=False))
    api_calls: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    error: str | None = None
    #: why the tab stopped until a person acts (:mod:`.stop_reasons`), or None
    stop_reason: str | None = None
    drift: list[str] = field(default_factory=list)
    #: what the header row told the plan (``HeaderReport.as_dict()``); None when no
    #: layout was read (the tab could not be read, or had no header at all)
    header_report: dict[str, Any] | None = None
    sync_run_id: int | None = None
    plan: Plan | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == SyncOutcome.COMPLETED

    @property
    def cells_written(self) -> int:
        """Cells the sheet write changed (0 in a dry run, which writes nothing)."""
        return 0 if self.dry_run else self.counts.cells_written

    @property
    def rows_appended(self) -> int:
        return 0 if self.dry_run else self.counts.rows_appended

    def planned(self, plan: Plan) -> None:
        """The plan is made: what it says about the tab and what it counts."""
        self.plan = plan
        self.drift = plan.drift
        self.header_report = plan.header_report
        summary = plan.summary()
        self.counts = summary if self.dry_run else summary.with_(cells_written=0, rows_appended=0)

    def stopped(self, plan: Plan) -> None:
        """The plan stopped: nothing was applied, and why."""
        self.outcome = SyncOutcome.ABORTED
        self.error = plan.aborted
        self.stop_reason = plan.stop_reason
        if plan.deletion_stop is not None:
            self.counts = self.counts.with_(deletion_stop=len(plan.vanished))

    def wrote(self, plan: Plan, written: SheetWriteResult) -> None:
        """The sheet write is done (the plan as written: ids bound, rows followed)."""
        self.plan = plan
        self.counts = self.counts.with_(
            cells_written=written.cells_written, rows_appended=written.rows_appended
        )

    def carried(self, carried: Carried) -> None:
        """The plan was carried out: what the store transaction met."""
        self.plan = carried.plan
        applied = carried.applied
        if applied is not None:
            self.counts = self.counts.with_(
                skipped_concurrent=applied.skipped, duplicates_concurrent=applied.lost_races
            )
        self.outcome = SyncOutcome.COMPLETED


@dataclass
class SyncReport:
    partner: str
    dry_run: bool = False
    tabs: list[TabResult] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        outcomes = [t.outcome for t in self.tabs]
        for bad in (SyncOutcome.BUSY, SyncOutcome.FAILED, SyncOutcome.ABORTED):
            if bad in outcomes:
                return bad
        return SyncOutcome.COMPLETED if outcomes else "nothing"

    @property
    def ok(self) -> bool:
        return self.outcome == SyncOutcome.COMPLETED

    @property
    def api_calls(self) -> int:
        return sum(t.api_calls for t in self.tabs)

    @property
    def counts(self) -> Counts:
        """The tabs' counts added up."""
        return sum((t.counts for t in self.tabs), Counts(planned=False))

    @property
    def cells_written(self) -> int:
        return sum(t.cells_written for t in self.tabs)


def run_sync(
    config: AppConfig,
    store: Store,
    partner: str,
    *,
    tab: str | None = None,
    trigger: str = Trigger.CLI,
    dry_run: bool = False,
    client: Any = None,
    retry: RetryPolicy | None = None,
    budgets: Budgets | None = None,
    wait_for_lease: float = 0.0,
    progress: Progress | None = None,
    now: datetime | None = None,
    accept_deletions: bool = False,
) -> SyncReport:
    """Sync ``partner``'s tabs (both, or just ``tab``) with the store.

    ``accept_deletions``: staff accept that the rows which vanished from a tab
    were deleted on purpose: no deletion stop this run, their records (only those
    the partner may change) are archived. A stopped tab does not stop the next.

    Never raises for Google or data problems: each tab's outcome and error are in
    the report and in its sync run. ``outcome == "busy"`` when another sync holds
    the spreadsheet's lease (after waiting up to ``wait_for_lease`` seconds).
    """
    pc = config.partner(partner)
    tabs = _tabs_to_sync(tab)
    lease = _Lease(
        store,
        leases.spreadsheet_lease_name(pc.spreadsheet_id),
        leases.make_holder_id(),
        config.sync.lease_seconds,
    )
    run = _Run(config, store, partner, trigger, dry_run, lease, progress, now)
    report = SyncReport(partner=partner, dry_run=dry_run)
    if not lease.take(wait_for_lease):
        report.tabs = _busy_tabs(run, tabs)
        return report
    started_at = utcnow()  # requests recorded after this wait for the next sync
    accepting = _accepting(tabs, accepted_tabs(store, partner, started_at), accept_deletions)
    try:
        connector = SheetsConnector(
            client if client is not None else _client(config),
            retry=retry or _retry(config),
            budgets=budgets or _budgets(config),
        )
        _sync_tabs(run, connector, tabs, accepting, report)
        if report.ok and not dry_run:
            _consume_requests(store, partner, tabs, report.tabs[-1].sync_run_id, started_at)
    except Exception as exc:  # building the client, e.g. missing credentials
        if not report.tabs or report.tabs[-1].ok:
            report.tabs.append(_failed_run(run, _failing_tab(tabs, len(report.tabs)), exc))
    finally:
        lease.release()
    return report


@dataclass(frozen=True)
class _Lease:
    """The spreadsheet's lease as this sync holds it: one sync per spreadsheet
    across processes and machines (:mod:`integration.store.leases`)."""

    store: Store
    name: str
    holder: str
    ttl: float

    def take(self, wait: float) -> bool:
        """Take the lease, trying again every 0.2 s for up to ``wait`` seconds;
        False when another sync still holds it then."""
        deadline = time.monotonic() + wait
        while not leases.acquire(self.store, self.name, self.holder, self.ttl):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)
        return True

    def renew(self) -> bool:
        """Extend the lease; False when it was lost (this sync outlived it)."""
        return leases.renew(self.store, self.name, self.holder, self.ttl)

    def release(self) -> None:
        leases.release(self.store, self.name, self.holder)


@dataclass(frozen=True)
class _Run:
    """What every tab of one :func:`run_sync` call is synced and recorded with,
    passed whole to its parts rather than field by field."""

    config: AppConfig
    store: Store
    partner: str
    trigger: str
    dry_run: bool
    lease: _Lease
    progress: Progress | None
    now: datetime | None


def _tabs_to_sync(tab: str | None) -> list[str]:
    """Both tabs, leads first (agreements name leads), or just ``tab``; an unknown
    name is refused before the lease is taken."""
    tabs = [tab] if tab else list(TABS)
    for name in tabs:
        if name not in TABS:
            raise ValueError(f"unknown tab {name!r} (use leads or agreements)")
    return tabs


def _accepting(tabs: list[str], accepted: set[str | None], accept_all: bool) -> set[str]:
    """The tabs whose vanished rows count as deleted on purpose this run: all of
    them when staff said so for this run, else those a pending request accepted
    (by name, or None for every tab)."""
    return {name for name in tabs if accept_all or accepted & {None, name}}


def _sync_tabs(
    run: _Run, connector: SheetsConnector, tabs: list[str], accepting: set[str], report: SyncReport
) -> None:
    """Each tab in order into ``report``, the lease renewed after each; a tab that
    failed ends the run, a stopped one (its plan refused) does not."""
    for name in tabs:
        if run.progress:
            run.progress(name, "start")
        result = sync_tab(
            run.config,
            run.store,
            run.partner,
            name,
            connector=connector,
            trigger=run.trigger,
            dry_run=run.dry_run,
            holder=run.lease.holder,
            progress=run.progress,
            now=run.now,
            keep_lease=run.lease.renew,
            accept_deletions=name in accepting,
        )
        report.tabs.append(result)
        if run.progress:
            run.progress(name, result.outcome)
        run.lease.renew()
        if not result.ok and result.outcome != SyncOutcome.ABORTED:
            break  # a stopped tab (its plan refused) does not keep the next from syncing


def _busy_tabs(run: _Run, tabs: list[str]) -> list[TabResult]:
    """Each tab's run when another sync holds the lease: recorded as busy, naming
    the holder, so the tab's history says why it was not synced."""
    other = leases.current_holder(run.store, run.lease.name) or "another process"
    busy = []
    for name in tabs:
        result = TabResult(tab=name, outcome=SyncOutcome.BUSY)
        result.error = f"another sync of this spreadsheet is running ({other})"
        result.sync_run_id = _record_busy(
            run.store, run.partner, name, run.trigger, run.dry_run, run.lease.holder, result.error
        )
        busy.append(result)
    return busy


def _failing_tab(tabs: list[str], done: int) -> str:
    """The tab a failure outside :func:`sync_tab` is recorded on: the next one
    (``done`` tabs have their runs), or the last when every tab has one."""
    return tabs[done] if done < len(tabs) else tabs[-1]


def _failed_run(run: _Run, tab: str, exc: BaseException) -> TabResult:
    """A failure outside :func:`sync_tab` (building the client, e.g. missing
    credentials) as the tab's run, recorded so it shows like any other."""
    result = TabResult(
        tab=tab, outcome=SyncOutcome.FAILED, error=_one_line(exc), stop_reason=stop_reason_of(exc)
    )
    result.sync_run_id = _record_busy(
        run.store,
        run.partner,
        tab,
        run.trigger,
        run.dry_run,
        run.lease.holder,
        result.error,
        outcome=SyncOutcome.FAILED,
        stop_reason=result.stop_reason,
    )
    return result


def _not_shared(exc: BaseException) -> bool:
    """Google's answer for a spreadsheet the service account may not open (403,
    or 404: Google hides what it does not share), not for a missing tab."""
    return isinstance(exc, PermissionDenied) or (
        isinstance(exc, SheetNotFound) and exc.status == 404
    )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if isinstance(exc, SheetsError | LeaseLost) else f"{type(exc).__name__}: {text}"


def _record_busy(
    store: Store,
    partner: str,
    tab: str,
    trigger: str,
    dry_run: bool,
    holder: str,
    error: str | None,
    outcome: str = SyncOutcome.BUSY,
    stop_reason: str | None = None,
) -> int:
    at = utcnow()  # one instant: the column default would stamp the start after the finish
    with store.session() as session:
        run = SyncRun(
            partner=partner,
            tab=tab,
            trigger=trigger,
            dry_run=dry_run,
            holder=holder,
            outcome=outcome,
            error=error,
            stop_reason=stop_reason,
            started_at=at,
            finished_at=at,
        )
        session.add(run)
        session.flush()
        return run.id


def _consume_requests(
    store: Store, partner: str, tabs: list[str], run_id: int | None, started_at: datetime
) -> None:
    with store.session() as session:
        query = update(SyncRequest).where(
            SyncRequest.partner == partner,
            SyncRequest.consumed_at.is_(None),
            SyncRequest.requested_at <= started_at,
        )
        if len(tabs) == 1:
            query = query.where((SyncRequest.tab == tabs[0]) | SyncRequest.tab.is_(None))
        session.execute(query.values(consumed_at=utcnow(), sync_run_id=run_id))


def sync_tab(
    config: AppConfig,
    store: Store,
    partner: str,
    tab: str,
    *,
    connector: SheetsConnector,
    trigger: str = Trigger.CLI,
    dry_run: bool = False,
    holder: str | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    keep_lease: Callable[[], bool] | None = None,
    accept_deletions: bool = False,
) -> TabResult:
    """One tab: read once, plan once, carry out once; recorded as a sync run.

    ``keep_lease`` renews the spreadsheet lease before each write; if it was lost
    (this sync outlived its lease and another one took over) nothing is written.
    Rows edited between the read and the write (:class:`.sheet_write.RowsLost`)
    make it read and plan once more, before anything was written.
    """
    result = TabResult(tab=tab, dry_run=dry_run)
    started = time.monotonic()
    calls_before = connector.calls
    result.sync_run_id = _record_start(store, partner, tab, trigger, dry_run, holder)
    try:
        for attempt in (1, 2):
            try:
                _sync_once(
                    config,
                    store,
                    partner,
                    tab,
                    result,
                    connector=connector,
                    progress=progress,
                    now=now,
                    keep_lease=keep_lease,
                    accept_deletions=accept_deletions,
                )
                break
            except RowsLost:
                # staff edited the rows between the read and the write: read again
                if attempt == 2:
                    raise
    except (SheetsError, LeaseLost, RowsLost) as exc:
        _failed(result, exc, config)
    except Exception as exc:
        log.exception("sync of %s/%s failed", partner, tab)
        _failed(result, exc, config)
    _finished(store, result, api_calls=connector.calls - calls_before, started=started)
    return result


def _sync_once(
    config: AppConfig,
    store: Store,
    partner: str,
    tab: str,
    result: TabResult,
    *,
    connector: SheetsConnector,
    progress: Progress | None,
    now: datetime | None,
    keep_lease: Callable[[], bool] | None,
    accept_deletions: bool = False,
) -> None:
    """One attempt at a tab: the three stages; what it did goes into ``result``.
    Raises :class:`RowsLost` before anything is written when rows changed under
    the plan."""
    pc = config.partner(partner)
    kind = of_tab(tab).kind
    title = pc.tab_name(tab)
    stamp = now or datetime.now(UTC)
    settings = _settings(config, partner, tab, stamp, accept_deletions)
    # 1. read once: the one snapshot every later stage works from
    read = connector.read_tab(pc.spreadsheet_id, title)
    # the stages that build in bulk run with the collector paused (see
    # .collector_pause); Google's answers and their retries are awaited with it on
    with collector_paused():
        snapshot = settings.read(read)
        if progress:
            progress(tab, f"read {max(len(snapshot.read) - 1, 0)} rows")
        with store.session() as session:
            state = load_state(session, kind, partner, tab, snapshot.ids)
            needed, work = detail_needed(snapshot, state, settings)
            fill_details(session, state, needed, lookups=work)
        # 2. plan once: when the sheet changed (Drive) is asked only at a conflict
        plan = plan_tab(
            snapshot,
            state,
            settings,
            changed_at=lambda: _sheet_changed_at(connector, pc.spreadsheet_id),
        )
    result.planned(plan)
    if result.dry_run and not plan.aborted:
        result.outcome = SyncOutcome.COMPLETED
        return
    # 3. carry out once
    target = _tab_target(
        config, store, partner, tab, result.sync_run_id, connector, keep_lease, stamp
    )
    if plan.aborted:
        result.stopped(plan)
        if plan.deletion_stop is not None and not result.dry_run:
            record_stop(target, plan, kind)
        return
    if progress:
        progress(tab, f"writing {plan.cells_to_write} cells")
    carried = carry_out(target, plan, snapshot, state, wrote=result.wrote)
    result.carried(carried)


def _tab_target(
    config: AppConfig,
    store: Store,
    partner: str,
    tab: str,
    sync_run_id: int | None,
    connector: SheetsConnector,
    keep_lease: Callable[[], bool] | None,
    now: datetime,
) -> TabTarget:
    """Where and how the executor carries out the tab's plan, from the partner's
    configuration; whether the tab's sync stopped last time is asked here, once the
    plan is known to be carried out."""
    assert sync_run_id is not None  # recorded when the tab started
    pc = config.partner(partner)
    note_before = tab_notes.written(store, partner, tab)
    return TabTarget(
        store=store,
        connector=connector,
        spreadsheet_id=pc.spreadsheet_id,
        title=pc.tab_name(tab),
        partner=partner,
        tab=tab,
        policy=pc.conflict_policy,
        sync_run_id=sync_run_id,
        aids_locale=pc.locale if pc.sheet_aids else None,
        aids_zone=pc.timezone,
        events=config.events,
        keep_lease=keep_lease,
        note_before=note_before,
        stopped_before=note_before is not None or _stopped_before(store, partner, tab, sync_run_id),
        now=now,
    )


def _settings(
    config: AppConfig, partner: str, tab: str, stamp: datetime, accept_deletions: bool
) -> Settings:
    """What the plan of ``partner``'s ``tab`` is made with, from the configuration."""
    pc = config.partner(partner)
    return Settings(
        partner=partner,
        tab=tab,
        locale=pc.locale,
        partners=frozenset(config.partners),
        policy=pc.conflict_policy,
        mass_delete_share=config.sync.mass_delete_share,
        mass_delete_min_rows=config.sync.mass_delete_min_rows,
        now=stamp,
        zone=pc.zone,
        today=stamp.astimezone(pc.zone).date(),
        columns=dict(pc.columns.get(tab, {})),
        header_row=pc.header_row.get(tab),
        accept_deletions=accept_deletions,
        events=tuple(config.events),
    )


def _failed(result: TabResult, exc: BaseException, config: AppConfig) -> None:
    """The tab failed with ``exc``: its outcome, error line and stop reason; when
    the service may not open the spreadsheet, the error says how to share it."""
    result.outcome = SyncOutcome.FAILED
    result.error = _one_line(exc)
    result.stop_reason = stop_reason_of(exc)
    if _not_shared(exc):
        from integration.preflight import sharing_hint

        result.error = f"{result.error}; {sharing_hint(config)}"


def _finished(store: Store, result: TabResult, *, api_calls: int, started: float) -> None:
    """The tab's run as it ended: its calls, its time, the header drift counted,
    and recorded (:func:`_record_finish`)."""
    result.api_calls = api_calls
    result.seconds = time.monotonic() - started
    if result.drift:
        result.counts = result.counts.with_(header_drift=len(result.drift))
    _record_finish(store, result)


def _record_start(
    store: Store, partner: str, tab: str, trigger: str, dry_run: bool, holder: str | None
) -> int:
    with store.session() as session:
        run = SyncRun(partner=partner, tab=tab, trigger=trigger, dry_run=dry_run, holder=holder)
        session.add(run)
        session.flush()
        return run.id


def _record_finish(store: Store, result: TabResult) -> None:
    """The tab's sync run: its outcome, counts, calls and what the header told."""
    with store.session() as session:
        finished = session.get(SyncRun, result.sync_run_id)
        assert finished is not None  # added when the tab started
        finished.finished_at = utcnow()
        finished.outcome = result.outcome
        finished.counts = result.counts.as_dict()
        finished.api_calls = result.api_calls
        finished.cells_written = result.cells_written
        error = result.error
        if result.drift:
            error = "; ".join(filter(None, [error, *result.drift]))
        finished.error = error
        finished.stop_reason = result.stop_reason
        finished.header_report = result.header_report


def _stopped_before(store: Store, partner: str, tab: str, run_id: int) -> bool:
    """Whether the tab's last finished sync before run ``run_id`` was a deletion
    stop (its note is still on the sheet)."""
    with store.session() as session:
        counts = session.scalars(
            select(SyncRun.counts)
            .where(
                SyncRun.partner == partner,
                SyncRun.tab == tab,
                SyncRun.id < run_id,
                SyncRun.dry_run.is_(False),
                SyncRun.outcome.in_((SyncOutcome.COMPLETED, SyncOutcome.ABORTED)),
            )
            .order_by(SyncRun.id.desc())
            .limit(1)
        ).first()
    return bool(counts and counts.get("deletion_stop"))


def _sheet_changed_at(connector: SheetsConnector, spreadsheet_id: str) -> datetime | None:
    """When the spreadsheet was last modified (Drive), for ``newest_wins``."""
    try:
        return connector.drive.modified_time(spreadsheet_id)
    except SheetsError:
        return None
