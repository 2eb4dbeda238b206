"""The ``modifiedTime`` poll: one cheap ``files.get`` per partner spreadsheet.

It needs nothing from anyone: no channel, no public address, no script. When
Drive's ``modifiedTime`` is later than the start of the partner's latest completed
sync of *each* tab, an edit may not have been read yet, so a sync is requested
(debounced by the clock like any other request). A sync that itself wrote to the
sheet moves ``modifiedTime`` too; the next poll then asks for one more sync, which
finds nothing to do and writes nothing, so the two settle after one extra read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from connectors.google_sheets.drive import DriveConnector
from integration.config import AppConfig
from integration.domain import UNFINISHED_OUTCOMES, Trigger
from integration.kinds import TABS
from integration.store import records
from integration.store.db import Store
from integration.store.models import SyncRequest, SyncRun

TRIGGER = Trigger.DRIVE_POLL


def covered_until(store: Store, partner: str) -> datetime | None:
    """Changes up to this moment were read by a completed sync of every tab
    (None: some tab has never completed a sync)."""
    starts: list[datetime] = []
    with store.session() as session:
        for tab in TABS:
            rows = session.execute(
                select(SyncRun.started_at, SyncRun.outcome)
                .where(SyncRun.partner == partner, SyncRun.tab == tab, SyncRun.dry_run.is_(False))
                .order_by(SyncRun.started_at.desc())
                .limit(20)
            ).all()
            done = [started for started, outcome in rows if outcome not in UNFINISHED_OUTCOMES]
            if not done:
                return None
            starts.append(done[0])
    return min(starts)


def needs_sync(modified: datetime | None, covered: datetime | None) -> bool:
    """Did the spreadsheet change after the last completed sync read it?"""
    if modified is None:
        return False
    return covered is None or modified > covered


def _pending(store: Store, partner: str) -> int:
    with store.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(SyncRequest)
                .where(SyncRequest.partner == partner, SyncRequest.consumed_at.is_(None))
            )
            or 0
        )


def poll_partner(
    config: AppConfig, store: Store, connector: DriveConnector, partner: str
) -> datetime | None:
    """Ask Drive once; record a sync request when the sheet moved. Returns the
    ``modifiedTime`` that made it ask (None: nothing asked). Google's errors
    propagate (the clock backs off on them)."""
    pc = config.partner(partner)
    modified = connector.modified_time(pc.spreadsheet_id)
    if modified is None or not needs_sync(modified, covered_until(store, partner)):
        return None
    if _pending(store, partner):
        return None  # a sync is already on its way
    with store.session() as session:
        records.request_sync(
            session, partner, trigger=TRIGGER, reason=f"modifiedTime {modified:%H:%M:%S} moved"
        )
    return modified
