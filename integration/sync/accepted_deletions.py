"""Staff accepting a deletion stop through the API: the request says so, and the
next sync of that partner honours it (the web process never calls Google).

``POST /api/v1/sync`` with ``"accept_deletions": true`` records a sync request
with the trigger :attr:`~integration.domain.Trigger.ACCEPT_DELETIONS`; the sync
that starts after it runs the named tab (or both) with the deletions accepted
and, once it completed, consumes the request like any other. A partner token
asks only for its own partner, and the sync archives only records that partner
may change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from integration.domain import Trigger
from integration.store.db import Store
from integration.store.models import SyncRequest


def accepted_tabs(store: Store, partner: str, before: datetime) -> set[str | None]:
    """The tabs (None: every tab) whose deletions staff accepted for ``partner``
    by a request not yet answered, recorded up to ``before``."""
    with store.session() as session:
        return set(
            session.scalars(
                select(SyncRequest.tab).where(
                    SyncRequest.partner == partner,
                    SyncRequest.trigger == Trigger.ACCEPT_DELETIONS,
                    SyncRequest.consumed_at.is_(None),
                    SyncRequest.requested_at <= before,
                )
            )
        )
