"""A partner's sync health per day, for the Sync page's chart: how many syncs
worked, how many failed or stopped, and how many rows waited to be fixed at the
end of each day (in the reader's time zone).

:func:`daily_health` is pure (runs and quarantine entries in, days out);
:func:`partner_days` reads what it needs from the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from integration.dashboard.charts import GOOD_OUTCOMES, NEUTRAL_OUTCOMES
from integration.store.models import QuarantineEntry, SyncRun

#: How many days the chart shows (today included).
DAYS = 14


@dataclass(frozen=True)
class DayCounts:
    day: date
    worked: int
    failed: int
    to_fix: int


def _end_of(day: date, zone: ZoneInfo) -> datetime:
    """The first instant after ``day`` in ``zone``, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def daily_health(
    runs: Iterable[tuple[datetime, str]],
    entries: Iterable[tuple[datetime, datetime | None]],
    days: Sequence[date],
    zone: ZoneInfo,
) -> list[DayCounts]:
    """Per day of ``days``: the runs (start, outcome) that worked and those that
    failed or stopped (busy and running ones are neither), and the quarantine
    entries (created, resolved) still open at the day's end."""
    worked = dict.fromkeys(days, 0)
    failed = dict.fromkeys(days, 0)
    for started, outcome in runs:
        day = _utc(started).astimezone(zone).date()
        if day not in worked or outcome in NEUTRAL_OUTCOMES:
            continue
        if outcome in GOOD_OUTCOMES:
            worked[day] += 1
        else:
            failed[day] += 1
    opened = [(_utc(c), _utc(r) if r is not None else None) for c, r in entries]
    out = []
    for day in days:
        end = _end_of(day, zone)
        to_fix = sum(1 for c, r in opened if c < end and (r is None or r >= end))
        out.append(DayCounts(day, worked[day], failed[day], to_fix))
    return out


def partner_days(db: Session, partner: str, zone: ZoneInfo, now: datetime) -> list[DayCounts]:
    """The last :data:`DAYS` days of ``partner`` (dry runs left out: they change
    nothing)."""
    today = _utc(now).astimezone(zone).date()
    days = [today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    since = datetime.combine(days[0], time(0), zone).astimezone(UTC)
    runs = db.execute(
        select(SyncRun.started_at, SyncRun.outcome).where(
            SyncRun.partner == partner,
            SyncRun.dry_run.is_(False),
            SyncRun.started_at >= since,
        )
    ).all()
    entries = db.execute(
        select(QuarantineEntry.created_at, QuarantineEntry.resolved_at).where(
            QuarantineEntry.partner == partner,
            or_(QuarantineEntry.resolved_at.is_(None), QuarantineEntry.resolved_at >= since),
        )
    ).all()
    return daily_health(runs, entries, days, zone)
