"""When to sync after requests: pure decisions, no clock and no store.

Partners' Apps Script triggers fire on every edit, so a person typing ten cells
in a minute records ten requests. Syncing on each would waste the Sheets quota
and fight the person's typing; syncing ``debounce`` seconds after the *last*
request coalesces the burst into one sync, and ``max_wait`` seconds after the
*first* bounds how long a busy sheet can postpone it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PendingRequest:
    """What the decision needs to know about one unconsumed sync request."""

    id: int
    partner: str
    requested_at: datetime
    trigger: str
    tab: str | None = None


@dataclass(frozen=True)
class Batch:
    """One sync to run now, and the requests it answers."""

    partner: str
    request_ids: tuple[int, ...]
    trigger: str
    tab: str | None
    first_at: datetime
    last_at: datetime
    due_at: datetime = field(compare=False)


def due_at(first: datetime, last: datetime, debounce: float, max_wait: float) -> datetime:
    """The moment a burst that began at ``first`` and last grew at ``last`` is synced."""
    return min(last + timedelta(seconds=debounce), first + timedelta(seconds=max_wait))


def plan_drain(
    pending: Iterable[PendingRequest],
    now: datetime,
    *,
    debounce: float,
    max_wait: float,
    skip: Iterable[str] = (),
    not_before: Mapping[str, datetime] | None = None,
) -> list[Batch]:
    """The syncs due at ``now``, one per partner (one spreadsheet each).

    ``skip`` names partners already being synced in this process (their requests
    wait for the next tick, since the running sync may have read the sheet before
    the newest edit). ``not_before`` holds a partner back after a failed sync, so
    an unreachable Google is not retried on every tick.

    The batch's trigger is that of its first request; its tab is the one tab all
    requests name, or ``None`` (both tabs) when they differ or any names none.
    """
    groups: dict[str, list[PendingRequest]] = {}
    for req in sorted(pending, key=lambda r: (r.requested_at, r.id)):
        groups.setdefault(req.partner, []).append(req)
    skipped = set(skip)
    holds = not_before or {}
    batches: list[Batch] = []
    for partner, reqs in sorted(groups.items()):
        if partner in skipped:
            continue
        first, last = reqs[0].requested_at, reqs[-1].requested_at
        when = due_at(first, last, debounce, max_wait)
        hold = holds.get(partner)
        if now < when or (hold is not None and now < hold):
            continue
        tabs = {r.tab for r in reqs}
        tab = tabs.pop() if len(tabs) == 1 else None
        batches.append(
            Batch(
                partner=partner,
                request_ids=tuple(r.id for r in reqs),
                trigger=reqs[0].trigger,
                tab=tab,
                first_at=first,
                last_at=last,
                due_at=when,
            )
        )
    return batches


def retry_delay(failures: int, *, base: float = 30.0, cap: float = 900.0) -> float:
    """Seconds to hold a partner back after ``failures`` failed syncs in a row."""
    return min(cap, base * (2 ** max(0, failures - 1)))
