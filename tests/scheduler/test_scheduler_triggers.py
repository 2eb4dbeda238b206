"""Nightly triggers: one per partner, in the partner's zone, stable across DST."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from integration.scheduler import jobs
from integration.scheduler.service import MISFIRE_GRACE_SECONDS, SchedulerService, drain_interval


def _fires(trigger, start: datetime, count: int) -> list[datetime]:
    """The next ``count`` fire times, in UTC (aware datetimes in one ZoneInfo subtract
    as wall-clock times, which would hide the DST change)."""
    out, fire = [], trigger.get_next_fire_time(None, start)
    while len(out) < count:
        out.append(fire.astimezone(UTC))
        fire = trigger.get_next_fire_time(fire, fire)
    return out


def test_one_nightly_job_per_partner_in_its_zone(base_config, sqlite_url):
    from integration.store.db import Store

    service = SchedulerService(base_config, Store(sqlite_url))
    found = {job.id: job for job in service.scheduler.get_jobs()}
    assert set(found) == {
        "nightly:lv",
        "nightly:ee",
        "nightly:fi",
        "drain",
        "housekeeping",
        "drive-poll",
        "alerts",
    }
    for code, partner in base_config.partners.items():
        job = found[f"nightly:{code}"]
        assert str(job.trigger.timezone) == partner.timezone
        assert job.coalesce is True
        assert job.misfire_grace_time == MISFIRE_GRACE_SECONDS >= 3600
        now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
        fire = job.trigger.get_next_fire_time(None, now)
        local = fire.astimezone(ZoneInfo(partner.timezone))
        assert (local.hour, local.minute) == (partner.sync_time.hour, partner.sync_time.minute)


@pytest.mark.parametrize(
    ("zone", "sync_at", "before", "after"),
    [
        # Spring forward: the last Sunday of March 2025 is the 30th (EET -> EEST).
        ("Europe/Riga", "02:00", timedelta(hours=2), timedelta(hours=3)),
        ("Europe/Tallinn", "02:15", timedelta(hours=2), timedelta(hours=3)),
        ("Europe/Helsinki", "02:30", timedelta(hours=2), timedelta(hours=3)),
    ],
)
def test_local_time_holds_across_spring_dst(base_config, zone, sync_at, before, after):
    from dataclasses import replace

    partner = replace(next(iter(base_config.partners.values())), timezone=zone, sync_at=sync_at)
    trigger = jobs.nightly_trigger(partner)
    fires = _fires(trigger, datetime(2025, 3, 28, 0, 0, tzinfo=UTC), 5)  # 28.3 .. 1.4
    local = [f.astimezone(ZoneInfo(zone)) for f in fires]
    assert [d.day for d in local] == [28, 29, 30, 31, 1]
    assert {(d.hour, d.minute) for d in local} == {
        (partner.sync_time.hour, partner.sync_time.minute)
    }
    # the UTC offset changes on the 30th, so consecutive runs are 23 h apart once
    gaps = [(b - a) for a, b in itertools.pairwise(fires)]
    assert gaps.count(timedelta(hours=23)) == 1
    assert local[0].utcoffset() == before and local[-1].utcoffset() == after


def test_local_time_holds_across_autumn_dst(base_config):
    from dataclasses import replace

    # Fall back: the last Sunday of October 2025 is the 26th (EEST -> EET at 04:00).
    partner = replace(base_config.partners["lv"], timezone="Europe/Riga", sync_at="03:30")
    trigger = jobs.nightly_trigger(partner)
    fires = _fires(trigger, datetime(2025, 10, 24, 0, 0, tzinfo=UTC), 4)
    local = [f.astimezone(ZoneInfo("Europe/Riga")) for f in fires]
    assert [d.day for d in local] == [24, 25, 26, 27]
    assert all((d.hour, d.minute) == (3, 30) for d in local)
    # 03:30 happens twice on the 26th (EEST, then EET); the job runs once, at the
    # first, and the next night's run is 25 h later
    gaps = [(b - a) for a, b in itertools.pairwise(fires)]
    assert gaps == [timedelta(hours=24), timedelta(hours=24), timedelta(hours=25)]


def test_previous_fire_time_is_the_latest_passed_one(base_config):
    lv = base_config.partners["lv"]  # 02:00 Europe/Riga
    trigger = jobs.nightly_trigger(lv)
    riga = ZoneInfo("Europe/Riga")
    now = datetime(2025, 3, 30, 12, 0, tzinfo=riga)  # the spring-forward day
    assert jobs.previous_fire_time(trigger, now) == datetime(2025, 3, 30, 2, 0, tzinfo=riga)
    early = datetime(2025, 3, 30, 1, 59, tzinfo=riga)
    assert jobs.previous_fire_time(trigger, early) == datetime(2025, 3, 29, 2, 0, tzinfo=riga)


def test_catch_up_decision():
    t = datetime(2025, 1, 10, 0, 0, tzinfo=UTC)
    assert jobs.needs_catch_up(None, t)
    assert jobs.needs_catch_up(t - timedelta(days=3), t)
    assert not jobs.needs_catch_up(t, t)
    assert not jobs.needs_catch_up(t + timedelta(minutes=1), t)
    assert not jobs.needs_catch_up(None, None)


def test_drain_interval_is_a_few_times_per_debounce_window():
    assert drain_interval(30) == 5
    assert drain_interval(3) == 1
    assert drain_interval(0.1) == 0.5
