"""The cyclic collector is paused while a sync runs and on again after it, also
when the sync fails and when syncs of two partners overlap in threads."""

from __future__ import annotations

import gc
import threading

import pytest
from sync_env import LV_LEADS_HEADER, SyncEnv

from connectors.google_sheets.retry import RetryPolicy
from integration.sync.collector_pause import collector_paused


def test_a_sync_builds_with_the_collector_paused_and_waits_for_google_with_it_on(
    env: SyncEnv,
) -> None:
    env.sheet(
        "lv",
        [LV_LEADS_HEADER, ["SIA Alfa", "Latvija", "40003000002", "IKT", "Anna", "anna@alfa.lv"]],
    )
    during: dict[str, bool] = {}
    assert gc.isenabled()
    result = env.synced_tab("lv", progress=lambda tab, step: during.update({step: gc.isenabled()}))
    assert result.counts["created"] == 1
    # "read" is said while the snapshot and the plan are built: collector off;
    # "writing" just before the sheet's write (Google's answers, their retries):
    # collector on, so a slow or failing Google never keeps it off
    steps = {step.split()[0]: on for step, on in during.items()}
    assert steps["read"] is False and steps["writing"] is True, during
    assert gc.isenabled()


def test_the_collector_comes_back_on_when_the_block_raises() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("a sync that failed")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_in_threads_end_with_the_last() -> None:
    first_in, second_out, results = threading.Event(), threading.Event(), {}

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_out.wait(10)
            results["first, after the second ended"] = gc.isenabled()

    def second() -> None:
        first_in.wait(10)
        with collector_paused():
            pass
        second_out.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == {"first, after the second ended": False}
    assert gc.isenabled()


def test_retries_of_google_are_waited_for_with_the_collector_on(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [LV_LEADS_HEADER, ["SIA Alfa", "Latvija", "40003000002", "IKT", "Anna", "anna@alfa.lv"]],
    )
    for step in ("values.batchGet", "spreadsheets.batchUpdate"):
        env.emulator.inject_fault(endpoint=step, times=2, status=500)
    waits: list[bool] = []
    policy = RetryPolicy(
        base=0.01, maximum=0.02, jitter=0.0, sleep=lambda s: waits.append(gc.isenabled())
    )
    result = env.synced_tab("lv", retry=policy)
    assert result.counts["created"] == 1
    # both reads' and both writes' retries were waited for, every one with the collector on
    assert len(waits) == 4 and all(waits), waits
