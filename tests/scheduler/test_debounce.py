"""The debounce decision: a burst becomes one sync, bounded by the maximum wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from integration.scheduler.debounce import PendingRequest, due_at, plan_drain, retry_delay

T0 = datetime(2025, 5, 5, 10, 0, tzinfo=UTC)


def _burst(partner: str, seconds: list[float], start_id: int = 1, **kw) -> list[PendingRequest]:
    return [
        PendingRequest(
            id=start_id + i,
            partner=partner,
            requested_at=T0 + timedelta(seconds=s),
            trigger=kw.get("trigger", "webhook"),
            tab=kw.get("tab"),
        )
        for i, s in enumerate(seconds)
    ]


def test_due_after_quiet_period_but_never_later_than_max_wait():
    assert due_at(T0, T0 + timedelta(seconds=10), 30, 300) == T0 + timedelta(seconds=40)
    assert due_at(T0, T0 + timedelta(seconds=290), 30, 300) == T0 + timedelta(seconds=300)


def test_ten_edits_in_a_minute_make_one_sync():
    reqs = _burst("lv", [0, 5, 11, 17, 23, 30, 36, 42, 50, 59])
    # still typing: nothing is due 29 s after the last edit
    assert plan_drain(reqs, T0 + timedelta(seconds=88), debounce=30, max_wait=300) == []
    batches = plan_drain(reqs, T0 + timedelta(seconds=89), debounce=30, max_wait=300)
    assert len(batches) == 1
    assert batches[0].request_ids == tuple(r.id for r in reqs)
    assert batches[0].partner == "lv" and batches[0].trigger == "webhook"


def test_endless_typing_is_synced_at_max_wait():
    reqs = _burst("ee", [i * 20 for i in range(20)])  # every 20 s for 380 s
    now = T0 + timedelta(seconds=299)
    assert plan_drain(reqs[:15], now, debounce=30, max_wait=300) == []
    assert len(plan_drain(reqs[:16], T0 + timedelta(seconds=300), debounce=30, max_wait=300)) == 1


def test_partners_are_decided_separately_and_skips_and_holds_apply():
    reqs = _burst("lv", [0, 1]) + _burst("fi", [50], start_id=10)
    now = T0 + timedelta(seconds=40)
    assert [b.partner for b in plan_drain(reqs, now, debounce=30, max_wait=300)] == ["lv"]
    assert plan_drain(reqs, now, debounce=30, max_wait=300, skip={"lv"}) == []
    held = {"lv": now + timedelta(seconds=5)}
    assert plan_drain(reqs, now, debounce=30, max_wait=300, not_before=held) == []
    later = T0 + timedelta(seconds=90)
    both = plan_drain(reqs, later, debounce=30, max_wait=300)
    assert [(b.partner, b.request_ids) for b in both] == [("fi", (10,)), ("lv", (1, 2))]


def test_tab_and_trigger_of_a_batch():
    same_tab = _burst("lv", [0, 1], tab="agreements", trigger="api")
    (batch,) = plan_drain(same_tab, T0 + timedelta(minutes=5), debounce=30, max_wait=300)
    assert batch.tab == "agreements" and batch.trigger == "api"
    mixed = _burst("lv", [0], tab="leads") + _burst("lv", [1], start_id=5, trigger="cli")
    (batch,) = plan_drain(mixed, T0 + timedelta(minutes=5), debounce=30, max_wait=300)
    assert batch.tab is None and batch.trigger == "webhook"


def test_retry_delay_grows_and_is_capped():
    assert [retry_delay(n) for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(20) == 900
