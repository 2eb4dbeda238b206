"""Exactly-once handling of webhook deliveries.

Senders retry, and may retry while the first attempt is still running. The
delivery id (``webhook-id``, Typeform's ``event_id``) is the primary key of a
row inserted with the outcome in the same transaction that stores the lead, so:

* a repeat after the first finished fails on that key, rolls back everything
  it did, and answers with the first status and body: nothing is created twice;
* the same id with a different body is no repeat but a reused id: refused
  with 409 and a problem body, nothing of it stored (the sender must give a
  new delivery a new id);
* a concurrent repeat on PostgreSQL blocks on the key until the first commits,
  then does the same; on SQLite, ``BEGIN IMMEDIATE`` serialises the two;
* if the first attempt fails, nothing of it is stored and the sender's retry
  starts afresh.

The common case (a new delivery) costs one INSERT; the rare repeat pays for
the work it rolls back.

Rows are kept for the senders' retry window (a few days);
:mod:`integration.store.retention` prunes older ones.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from integration.store.db import Store
from integration.store.models import WebhookDelivery, utcnow
from integration.web.problem_details import problem_body
from integration.web.store_errors import StoreUnconfirmed

log = logging.getLogger(__name__)

_INSERT_DELIVERY = insert(WebhookDelivery.__table__)
_ATTEMPTS = 5


@dataclass
class DeliveryAnswer:
    """What to answer: status, JSON body and, for stored leads, the record id."""

    status: int
    body: dict[str, Any]
    record_id: str | None = None
    replayed: bool = False


Work = Callable[[Session], DeliveryAnswer]


class ClaimLost(StoreUnconfirmed):
    """The delivery kept colliding without a stored outcome (should not happen)."""


def delivery_key(delivery_id: str) -> str:
    """The stored form of a sender's id: as is when it fits the column, else a
    digest (cutting it short could make two different deliveries one)."""
    if len(delivery_id) <= 120 and delivery_id.isprintable():
        return delivery_id
    return "sha256:" + hashlib.sha256(delivery_id.encode("utf-8", "replace")).hexdigest()


#: What a delivery id seen before with a different body is answered.
REUSED_ID = (
    "This delivery id was already used with a different body; a new delivery needs a new id."
)


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def deliver_once(
    store: Store,
    partner: str,
    delivery_id: str,
    source: str,
    work: Work,
    *,
    body: bytes | None = None,
) -> DeliveryAnswer:
    """Run ``work`` once per ``(partner, delivery_id)``; later calls with the same
    ``body`` replay its outcome, with another body they are refused (409) and
    change nothing."""
    delivery_id = delivery_key(delivery_id)
    digest = body_hash(body) if body is not None else None
    for _ in range(_ATTEMPTS):
        try:
            with sqlite_writer(store), store.session() as session:
                outcome = work(session)
                session.flush()  # the work's pending ORM objects (merge, quarantine)
                # A prebuilt INSERT: raises IntegrityError here for a repeat.
                session.connection().execute(
                    _INSERT_DELIVERY,
                    {
                        "partner": partner,
                        "delivery_id": delivery_id,
                        "source": source,
                        "received_at": utcnow(),
                        "status_code": outcome.status,
                        "response": outcome.body,
                        "record_id": outcome.record_id,
                        "body_hash": digest,
                    },
                )
                return outcome
        except StaleDataError:
            continue  # a lead it fills changed meanwhile: run the work again on it
        except IntegrityError:
            # Delivered before, or by a concurrent request that committed first:
            # everything above rolled back; answer with the stored outcome.
            log.info("webhook delivery seen before; replaying the stored outcome")
        with store.session() as session:
            seen = session.get(WebhookDelivery, (partner, delivery_id))
            if seen is not None:
                if digest is not None and seen.body_hash not in (None, digest):
                    return DeliveryAnswer(
                        409, problem_body(409, REUSED_ID, slug="delivery-id-reused")
                    )
                return DeliveryAnswer(
                    seen.status_code, dict(seen.response or {}), seen.record_id, True
                )
    raise ClaimLost(delivery_id)


@contextmanager
def sqlite_writer(store: Store) -> Iterator[None]:
    """On SQLite, queue writers on an OS file lock first.

    SQLite's own busy handler polls with sleeps of up to 100 ms, so two gunicorn
    workers contending for the write lock add tens of milliseconds to the tail
    latency; a blocking ``flock`` wakes the next writer as soon as the lock is
    free. No-op on PostgreSQL (row locks do this properly) and on platforms
    without ``fcntl``.
    """
    path = _sqlite_path(store)
    if path is None or fcntl is None:
        yield
        return
    with open(path + ".writer-lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _sqlite_path(store: Store) -> str | None:
    if store.dialect != "sqlite":
        return None
    database = store.engine.url.database
    return database if database and database != ":memory:" else None
