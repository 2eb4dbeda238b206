"""Exactly-once handling of webhook deliveries.

Senders retry, and may retry while the first attempt is still running. The
delivery id (``webhook-id``, Typeform's ``event_id``) is claimed by inserting
its row *first* in the same transaction that stores the lead, so:

* a repeat after the first finished finds the row and gets the first status
  and body back, creating nothing;
* a concurrent repeat on PostgreSQL blocks on the primary key until the first
  commits, then fails with IntegrityError and replays the stored outcome;
  on SQLite, ``BEGIN IMMEDIATE`` already serialises the two;
* if the first attempt fails, its claim rolls back with everything else, and
  the sender's retry starts afresh.

Rows are kept for at least :data:`RETENTION` (senders retry for up to a few
days); :func:`prune` removes older ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from integration.store.db import Store
from integration.store.models import WebhookDelivery, utcnow

log = logging.getLogger(__name__)

RETENTION = timedelta(days=7)
_ATTEMPTS = 5


@dataclass
class Outcome:
    """What to answer: status, JSON body and, for stored leads, the record id."""

    status: int
    body: dict[str, Any]
    record_id: str | None = None
    replayed: bool = False


Work = Callable[[Session], Outcome]


class ClaimLost(Exception):
    """The delivery kept colliding without a stored outcome (should not happen)."""


def deliver_once(store: Store, partner: str, delivery_id: str, source: str, work: Work) -> Outcome:
    """Run ``work`` once per ``(partner, delivery_id)``; later calls replay its outcome."""
    for _ in range(_ATTEMPTS):
        try:
            with store.session() as session:
                seen = session.get(WebhookDelivery, (partner, delivery_id))
                if seen is not None:
                    return Outcome(
                        seen.status_code, dict(seen.response or {}), seen.record_id, True
                    )
                claim = WebhookDelivery(
                    partner=partner,
                    delivery_id=delivery_id,
                    source=source,
                    status_code=0,
                    response={},
                )
                session.add(claim)
                session.flush()
                outcome = work(session)
                claim.status_code = outcome.status
                claim.response = outcome.body
                claim.record_id = outcome.record_id
                return outcome
        except IntegrityError:
            # Someone else holds (or just stored) this delivery: read theirs.
            log.info("webhook delivery claimed concurrently; replaying the stored outcome")
            continue
    raise ClaimLost(delivery_id)


def prune(session: Session, older_than: timedelta = RETENTION) -> int:
    """Forget deliveries older than ``older_than``; returns how many."""
    result = session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.received_at < utcnow() - older_than)
    )
    return int(result.rowcount or 0)
