"""Store trouble as an answer, for every route that writes (the API and the
webhooks): a failure worth a retry is a 503 with Retry-After, so the caller
sends again and nothing is lost."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from integration.store.guarded import lost_lock_race, retrying
from integration.web.problem_details import Problem


class StoreUnconfirmed(Exception):
    """A write whose outcome the store could not confirm (e.g. a webhook
    delivery's claim that kept colliding with no stored outcome): answered 503,
    so the sender retries."""


#: Store failures worth a retry by the sender (answered 503, never 404/410).
TRANSIENT_ERRORS = (OperationalError, InterfaceError, PoolTimeout)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TRANSIENT_ERRORS):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


@contextmanager
def transient_as_503() -> Iterator[None]:
    """The one mapping of store trouble to an answer: a failure worth a retry
    (or a write the store could not confirm, :class:`StoreUnconfirmed`) becomes 503 with
    Retry-After, so the sender retries and nothing is lost; anything else
    propagates unchanged (a :class:`Problem` keeps its own status). A deadlock's
    loser inside :func:`~integration.store.guarded.run_guarded` propagates too:
    it is run again there, and only a store that stays busy is a 503."""
    try:
        yield
    except StoreUnconfirmed:
        raise unavailable() from None
    except Exception as exc:
        if lost_lock_race(exc) and retrying():
            raise
        if is_transient(exc):
            raise unavailable() from None
        raise


def unavailable() -> Problem:
    return Problem(
        503,
        "The store is temporarily unavailable; nothing was stored. Retry later.",
        slug="store-unavailable",
        headers={"Retry-After": "30"},
    )
