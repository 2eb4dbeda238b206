"""How long the store keeps records that only serve for a while, and their pruning.

Webhook deliveries are kept for the senders' retry window, ``Idempotency-Key``
records for the key's lifetime, consumed sync requests as a month of history.
The pruning lives with the tables rather than with the web handlers that write
them, so the clock's daily housekeeping needs only the store.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from integration.store.db import rows_affected
from integration.store.models import IdempotencyKey, SyncRequest, WebhookDelivery, utcnow

#: A Typeform delivery (its signature has no timestamp) is accepted this long
#: after its ``submitted_at``; Typeform retries a failed delivery for hours.
TYPEFORM_REPLAY_WINDOW = timedelta(days=2)
#: Senders retry for up to a few days; a repeat within this window is answered
#: with the first outcome. Longer than every replay window (Standard Webhooks:
#: 5 minutes; Typeform: :data:`TYPEFORM_REPLAY_WINDOW`), so a delivery is never
#: forgotten while a replay of it could still be accepted.
WEBHOOK_DELIVERY_RETENTION = timedelta(days=7)
#: An ``Idempotency-Key`` replays its first response for this long.
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)
#: Consumed sync requests are history only; the sync runs keep the outcome.
SYNC_REQUEST_RETENTION = timedelta(days=30)


def prune_webhook_deliveries(
    session: Session, older_than: timedelta = WEBHOOK_DELIVERY_RETENTION
) -> int:
    """Forget deliveries older than ``older_than``; returns how many."""
    result = session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.received_at < utcnow() - older_than)
    )
    return rows_affected(result)


def prune_idempotency_keys(session: Session, older_than: timedelta = IDEMPOTENCY_KEY_TTL) -> int:
    """Forget Idempotency-Key records past their lifetime; returns how many."""
    result = session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - older_than)
    )
    return rows_affected(result)


def prune_sync_requests(session: Session, older_than: timedelta = SYNC_REQUEST_RETENTION) -> int:
    """Forget consumed sync requests older than ``older_than`` (pending ones stay)."""
    result = session.execute(
        delete(SyncRequest).where(
            SyncRequest.consumed_at.is_not(None),
            SyncRequest.consumed_at < utcnow() - older_than,
        )
    )
    return rows_affected(result)
