"""The clock as a process: SIGTERM, a killed lease holder, and two clocks on one
PostgreSQL store that must never sync one spreadsheet at the same time."""

from __future__ import annotations

import itertools
import random
import signal
import time
from typing import Any

import pytest
from scheduler_helpers import Setup, make_setup, wait_until
from sqlalchemy import select

from integration.store import leases
from integration.store.models import SyncRun
from integration.store.records import request_sync
from integration.sync.engine import run_sync


def _runs(store, partner: str | None = None) -> list[SyncRun]:
    with store.session() as session:
        query = select(SyncRun).order_by(SyncRun.id)
        if partner:
            query = query.where(SyncRun.partner == partner)
        runs = list(session.scalars(query))
        session.expunge_all()
        return runs


def _running(store, partner: str) -> bool:
    return any(r.outcome == "running" for r in _runs(store, partner))


def _holder_pids(runs: list[SyncRun]) -> set[str]:
    return {r.holder.split(":")[1] for r in runs if r.holder}


def _clocks_have_met(runs: list[SyncRun], pids: set[str]) -> bool:
    """Both clocks ran syncs, one found the other's lease, and every partner was
    synced at least twice: enough for the no-overlap check to mean something."""
    synced = [r for r in runs if r.outcome not in {"busy", "running"}]
    return (
        _holder_pids(runs) == pids
        and any(r.outcome == "busy" for r in runs)
        and all(sum(r.partner == code for r in synced) >= 2 for code in ("lv", "ee", "fi"))
    )


def _finish(proc, timeout: float) -> tuple[int, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except Exception:
        proc.kill()
        out, err = proc.communicate()
        raise
    return proc.returncode, out + err


@pytest.fixture
def sqlite_setup(emulator, sqlite_url, tmp_path):
    s = make_setup(emulator, sqlite_url, tmp_path)
    yield s
    s.store.dispose()


def _sigterm_while_lv_syncs(
    s: Setup, emulator: Any, *, sync_seconds: float, grace: int, timeout: float
) -> tuple[str, float]:
    """Start the clock with lv's first Sheets call taking ``sync_seconds``, and
    SIGTERM it once lv's sync runs; it must exit 0. Returns its output and how
    long it took to exit after the signal."""
    emulator.inject_fault(path=s.ids["lv"], delay=sync_seconds, times=1)
    proc = s.scheduler("--grace", str(grace))
    try:
        wait_until(lambda: _running(s.store, "lv"), timeout=20)
        proc.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        code, output = _finish(proc, timeout=timeout)
        took = time.monotonic() - stopped_at
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, output
    return output, took


def test_sigterm_lets_the_running_sync_finish_and_exits_0(sqlite_setup, emulator):
    s = sqlite_setup
    # the clock starts with a catch-up of every partner (no sync has ever run);
    # lv's first Sheets call takes a second and a half
    output, took = _sigterm_while_lv_syncs(s, emulator, sync_seconds=1.5, grace=15, timeout=20)
    assert took < 15
    assert "stopping" in output
    runs = _runs(s.store)
    assert runs and all(r.outcome == "completed" for r in runs), [
        (r.partner, r.tab, r.outcome) for r in runs
    ]
    # it finished the sync it had begun (both tabs) and took no new work
    assert sorted((r.partner, r.tab) for r in runs if r.partner == "lv") == [
        ("lv", "agreements"),
        ("lv", "leads"),
    ]
    assert len(runs) <= 6


def test_sigterm_during_a_sync_longer_than_the_grace_period_still_exits_0(sqlite_setup, emulator):
    s = sqlite_setup
    output, took = _sigterm_while_lv_syncs(s, emulator, sync_seconds=30.0, grace=1, timeout=10)
    assert took < 6
    assert "cut short" in output


def test_a_killed_holders_lease_is_taken_over_after_expiry(emulator, sqlite_url, tmp_path):
    # long enough that the lease is surely still held when the killed holder is
    # found busy, on however loaded a machine
    s = make_setup(emulator, sqlite_url, tmp_path, lease_seconds=8)
    lease = leases.spreadsheet_lease_name(s.ids["lv"])
    emulator.inject_fault(path=s.ids["lv"], delay=30.0, times=1)
    proc = s.scheduler()
    try:
        wait_until(lambda: _running(s.store, "lv"), timeout=20)
        holder = leases.current_holder(s.store, lease)
        assert holder and f":{proc.pid}:" in holder
        proc.kill()  # SIGKILL: no chance to release anything
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    blocked = run_sync(s.config, s.store, "lv", trigger="cli")
    assert blocked.outcome == "busy"
    wait_until(lambda: leases.current_holder(s.store, lease) is None, timeout=60)
    taken_over = run_sync(s.config, s.store, "lv", trigger="cli")
    assert taken_over.outcome == "completed"
    assert leases.current_holder(s.store, lease) is None  # released after the sync
    s.store.dispose()


@pytest.mark.postgres
def test_two_clocks_on_postgresql_never_sync_one_spreadsheet_at_once(emulator, pg_url, tmp_path):
    s = make_setup(emulator, pg_url, tmp_path, debounce_seconds=0.3, debounce_max_seconds=2)
    # every Sheets call takes a little while, so syncs are long enough to collide
    emulator.inject_fault(delay=0.1, probability=1.0, times=100_000)
    first, second = s.scheduler(), s.scheduler()
    pids = {str(p.pid) for p in (first, second)}
    rng = random.Random(5)
    try:
        # partners' edits keep arriving until both clocks have synced, have met each
        # other's leases, and every partner has been synced a few times
        started = time.monotonic()
        while not _clocks_have_met(_runs(s.store), pids):
            with s.store.session() as session:
                request_sync(session, rng.choice(["lv", "ee", "fi"]), trigger="webhook")
            time.sleep(0.25)
            assert time.monotonic() - started < 120, "the two clocks did not meet"
        for proc in (first, second):
            proc.send_signal(signal.SIGTERM)
        results = [_finish(proc, timeout=30) for proc in (first, second)]
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.kill()
        emulator.clear_faults()
    for code, output in results:
        assert code == 0, output
    runs = _runs(s.store)
    synced = [r for r in runs if r.outcome != "busy"]
    assert all(r.finished_at is not None for r in synced)
    assert len(synced) >= 6
    assert any(r.outcome == "busy" for r in runs)  # the clocks met each other's leases
    for partner in ("lv", "ee", "fi"):
        mine = [r for r in synced if r.partner == partner]
        assert mine, partner
        for a, b in itertools.combinations(mine, 2):
            if a.holder != b.holder:
                assert a.finished_at <= b.started_at or b.finished_at <= a.started_at, (
                    partner,
                    (a.holder, a.started_at, a.finished_at),
                    (b.holder, b.started_at, b.finished_at),
                )
    s.store.dispose()
