"""Running a store transaction that may meet a concurrent writer.

Every ORM update of a lead or agreement is conditional on the version it read
(``version_id_col`` in :mod:`integration.store.models`): a writer that read an
older version gets :class:`~sqlalchemy.orm.exc.StaleDataError` at its flush,
and nothing of its transaction is kept. :func:`run_guarded` runs such a
transaction again from the start (the record is read afresh, so ownership,
tombstones and firm keys are judged on what is stored now), or turns the stale
read into the caller's answer when the caller named the version it expected
(an ``If-Match`` that no longer matches is a 412, never a silent overwrite).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm.exc import StaleDataError

_T = TypeVar("_T")

#: How often a transaction that lost a race is run again before giving up.
ATTEMPTS = 8


class StoreBusy(Exception):
    """A record kept changing under a writer for :data:`ATTEMPTS` runs."""


def run_guarded(
    work: Callable[[], _T],
    *,
    on_stale: Callable[[], BaseException] | None = None,
    attempts: int = ATTEMPTS,
) -> _T:
    """``work()`` (one whole transaction), run again while it loses a race with a
    concurrent writer of the same record; with ``on_stale``, a lost race raises
    what it returns instead (the caller expected a version that is gone)."""
    for attempt in range(attempts):
        try:
            return work()
        except StaleDataError:
            if on_stale is not None:
                raise on_stale() from None
            # the winner has committed; a short, jittered pause spreads the losers
            time.sleep(random.uniform(0, 0.005 * (attempt + 1)))
    raise StoreBusy("the record kept changing; try again")
