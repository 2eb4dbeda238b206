"""The scheduler against the real engine, emulator and store (SQLite and PostgreSQL):
a burst of requests becomes one sync; a missed night becomes one catch-up."""

from __future__ import annotations

import time
from datetime import timedelta

from scheduler_helpers import DrainWatch, make_setup, wait_until
from seeding import leads_run
from sqlalchemy import select

from integration.scheduler import jobs
from integration.scheduler.service import SchedulerService
from integration.store.models import SyncRequest, SyncRun, utcnow
from integration.store.records import request_sync


def _runs(store, **where):
    with store.session() as session:
        query = select(SyncRun).order_by(SyncRun.id)
        for key, value in where.items():
            query = query.where(getattr(SyncRun, key) == value)
        return [
            (r.id, r.partner, r.tab, r.trigger, r.outcome, r.started_at, r.finished_at)
            for r in session.scalars(query)
        ]


def test_a_burst_of_edits_becomes_one_sync(emulator, db_url, tmp_path):
    # edits 0.1 s apart against a 2 s quiet period: only a stall twenty times the
    # gap between two edits could split the burst
    setup = make_setup(emulator, db_url, tmp_path, debounce_seconds=2.0, debounce_max_seconds=30)
    store, config = setup.store, setup.config
    service = SchedulerService(config, store, catch_up=False, drain_every=0.2)
    watch = DrainWatch(service)
    service.start()
    try:
        for i in range(10):
            with store.session() as session:
                request_sync(session, "lv", trigger="webhook", reason=f"edit {i}")
            time.sleep(0.1)
        with store.session() as session:
            last = session.scalar(select(SyncRequest.requested_at).order_by(SyncRequest.id.desc()))
        wait_until(lambda: not jobs.pending_requests(store) and not service.in_flight(), timeout=60)
        # the clock looks at the requests again (three passes, as the first may have
        # been under way already) and starts nothing: no second sync follows the burst
        assert watch.next_passes(3) == [[], [], []]
    finally:
        assert service.stop(5)
    runs = _runs(store)
    assert [(r[1], r[2], r[3], r[4]) for r in runs] == [
        ("lv", "leads", "webhook", "completed"),
        ("lv", "agreements", "webhook", "completed"),
    ]
    # debounced: the sync began only after the burst had been quiet for debounce_seconds
    assert runs[0][5] >= last + timedelta(seconds=config.sync.debounce_seconds * 0.9)
    with store.session() as session:
        answered = set(session.scalars(select(SyncRequest.sync_run_id)))
    assert answered == {runs[-1][0]}
    store.dispose()


def test_a_missed_night_is_caught_up_once(setup):
    store, config = setup.store, setup.config
    now = utcnow()
    latest = {
        code: jobs.previous_fire_time(jobs.nightly_trigger(p), now)
        for code, p in config.partners.items()
    }
    three_nights_ago = latest["lv"] - timedelta(days=3)
    nightly_runs = [
        # lv: the clock was down for three nights after its last nightly sync
        ("lv", "completed", three_nights_ago, three_nights_ago + timedelta(seconds=2)),
        # ee: synced after its latest scheduled time; nothing to catch up
        ("ee", "completed", min(now, latest["ee"] + timedelta(seconds=1)), now),
        # fi: its only scheduled sync failed, which does not count
        ("fi", "failed", latest["fi"] + timedelta(seconds=1), now),
    ]
    with store.session() as session:
        for partner, outcome, started, finished in nightly_runs:
            session.add(
                leads_run(
                    partner,
                    trigger="nightly",
                    outcome=outcome,
                    started_at=started,
                    finished_at=finished,
                )
            )
    service = SchedulerService(config, store)
    assert service.start() == ["fi", "lv"]
    try:
        wait_until(lambda: len(_runs(store, trigger="catch-up", outcome="completed")) == 4)
    finally:
        assert service.stop(10)
    again = SchedulerService(config, store)
    again_watch = DrainWatch(again)
    assert again.start() == []  # back again: the catch-up counts as the night's sync
    assert again_watch.next_passes(2) == [[], []]  # the clock ran and started nothing
    assert again.stop(5)
    catch_up = _runs(store, trigger="catch-up")
    assert sorted((r[1], r[2]) for r in catch_up) == [
        ("fi", "agreements"),
        ("fi", "leads"),
        ("lv", "agreements"),
        ("lv", "leads"),
    ]
