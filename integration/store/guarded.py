"""Running a store transaction that may meet a concurrent writer.

Every ORM update of a lead or agreement is conditional on the version it read
(``version_id_col`` in :mod:`integration.store.models`): a writer that read an
older version gets :class:`~sqlalchemy.orm.exc.StaleDataError` at its flush,
and nothing of its transaction is kept. :func:`run_guarded` runs such a
transaction again from the start (the record is read afresh, so ownership,
tombstones and firm keys are judged on what is stored now), or turns the stale
read into the caller's answer when the caller named the version it expected
(an ``If-Match`` that no longer matches is a 412, never a silent overwrite).

A transaction PostgreSQL rolled back as the loser of a deadlock or a
serialization failure (SQLSTATE ``40P01``/``40001``: two writers took the same
locks in opposite orders) lost a race too, and nothing of it was kept: it is
run again the same way, instead of answering the caller 503. While a
transaction runs under :func:`run_guarded`, :func:`retrying` is true, so the
one mapping of store trouble to a 503 (``web.store_errors.transient_as_503``)
lets such a loss through to be retried here.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

_T = TypeVar("_T")

#: How often a transaction that lost a race is run again before giving up.
ATTEMPTS = 8


#: SQLSTATEs of a transaction PostgreSQL chose to roll back so another could go on.
LOCK_RACE_STATES = frozenset({"40P01", "40001"})

_retrying: ContextVar[bool] = ContextVar("run_guarded_retrying", default=False)


class StoreBusy(Exception):
    """A record kept changing under a writer for :data:`ATTEMPTS` runs."""


def lost_lock_race(exc: BaseException) -> bool:
    """``exc`` says the database rolled this transaction back as a deadlock's or
    a serialization failure's loser (worth running again at once)."""
    orig = getattr(exc, "orig", None) if isinstance(exc, DBAPIError) else None
    return getattr(orig, "sqlstate", None) in LOCK_RACE_STATES


def retrying() -> bool:
    """True inside :func:`run_guarded`: a lost lock race is retried there."""
    return _retrying.get()


def run_guarded(
    work: Callable[[], _T],
    *,
    on_stale: Callable[[], BaseException] | None = None,
    attempts: int = ATTEMPTS,
) -> _T:
    """``work()`` (one whole transaction), run again while it loses a race with a
    concurrent writer of the same record; with ``on_stale``, a lost race raises
    what it returns instead (the caller expected a version that is gone). A
    transaction the database rolled back as a deadlock's loser is run again too."""
    token = _retrying.set(True)
    try:
        for attempt in range(attempts):
            try:
                return work()
            except StaleDataError:
                if on_stale is not None:
                    raise on_stale() from None
            except DBAPIError as exc:
                if not lost_lock_race(exc):
                    raise
            # the winner has committed; a short, jittered pause spreads the losers
            time.sleep(random.uniform(0, 0.005 * (attempt + 1)))
    finally:
        _retrying.reset(token)
    raise StoreBusy("the record kept changing; try again")
