"""Daily housekeeping of the store: forgetting what has served its purpose.

Webhook delivery records (kept for the replay window, at least 7 days),
API ``Idempotency-Key`` records past their lifetime, consumed sync requests
older than a month, and Drive channels and channel events that ended more than
a month ago. Run by the clock once a day; safe to run more often.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from integration.drive import channels
from integration.store import retention
from integration.store.db import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pruned:
    webhook_deliveries: int
    idempotency_keys: int
    sync_requests: int
    drive_history: int = 0


def prune_store(store: Store) -> Pruned:
    with store.session() as session:
        pruned = Pruned(
            webhook_deliveries=retention.prune_webhook_deliveries(session),
            idempotency_keys=retention.prune_idempotency_keys(session),
            sync_requests=retention.prune_sync_requests(session),
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
