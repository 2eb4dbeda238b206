"""Daily housekeeping of the store: forgetting what has served its purpose.

Webhook delivery records (kept for the replay window, at least 7 days),
API ``Idempotency-Key`` records past their lifetime, consumed sync requests
older than a month, and Drive channels and channel events that ended more than
a month ago. Run by the clock once a day; safe to run more often.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete

from integration.api import idempotency
from integration.drive import channels
from integration.store.db import Store
from integration.store.models import SyncRequest, utcnow
from integration.webhooks import deliveries

log = logging.getLogger(__name__)

#: Consumed sync requests are history only; the sync runs keep the outcome.
SYNC_REQUEST_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Pruned:
    webhook_deliveries: int
    idempotency_keys: int
    sync_requests: int
    drive_history: int = 0


def prune_store(store: Store) -> Pruned:
    with store.session() as session:
        pruned = Pruned(
            webhook_deliveries=deliveries.prune(session),
            idempotency_keys=idempotency.prune(session),
            sync_requests=int(
                session.execute(
                    delete(SyncRequest).where(
                        SyncRequest.consumed_at.is_not(None),
                        SyncRequest.consumed_at < utcnow() - SYNC_REQUEST_RETENTION,
                    )
                ).rowcount
                or 0
            ),
            drive_history=channels.prune(session),
        )
    log.info(
        "housekeeping: pruned %d webhook deliveries, %d idempotency keys, %d sync requests, "
        "%d drive channel rows",
        pruned.webhook_deliveries,
        pruned.idempotency_keys,
        pruned.sync_requests,
        pruned.drive_history,
    )
    return pruned
