"""When a partner's nightly sync runs next (pure: the clock is an argument)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def next_nightly_run(sync_time: time, zone: ZoneInfo, now: datetime) -> datetime:
    """The next wall-clock ``sync_time`` in ``zone`` strictly after ``now``, in UTC.

    The scheduler runs the nightly job at the partner's local time, so across a
    daylight-saving change the UTC hour moves; a local time that does not exist
    that night (skipped by a spring-forward) resolves the way zoneinfo maps it
    (fold=0), which is also what the cron trigger does.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_now = now.astimezone(zone)
    day = local_now.date()
    for offset in range(3):
        candidate = datetime.combine(day + timedelta(days=offset), sync_time, tzinfo=zone)
        # Round-trip through UTC so a non-existent local time gets a real instant.
        instant = candidate.astimezone(UTC)
        if instant > now.astimezone(UTC):
            return instant
    raise AssertionError("unreachable: a daily time recurs within three days")  # pragma: no cover
