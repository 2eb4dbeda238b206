"""Push channels in the store: rows, events and the decisions about them.

A channel's token is random per channel and stored only as a SHA-256 hash; Drive
echoes it in ``X-Goog-Channel-Token`` and the webhook compares hashes in constant
time. A channel is trusted only while its status is ``active`` and its expiration
has not passed, so a stopped, replaced or expired channel never triggers work.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from integration.store.db import Store, rows_affected
from integration.store.models import DriveChannel, DriveChannelEvent, utcnow

#: Ended channels and channel events are history for the health page this long.
RETENTION = timedelta(days=30)
#: Channel statuses that still receive notifications.
LIVE = "active"
#: Events that need a person: the spreadsheet trashed or removed, a channel that
#: could not be opened, a poll that failed.
ALERT_KINDS = frozenset({"trash", "remove", "failed", "poll-failed"})


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def register_channel(
    session: Session,
    *,
    channel_id: str,
    partner: str,
    token: str,
    resource_id: str | None = None,
    expires_at: datetime | None = None,
    spreadsheet_id: str | None = None,
) -> DriveChannel:
    """Remember a channel made with Drive's ``files.watch`` (token stored hashed)."""
    channel = DriveChannel(
        id=channel_id,
        partner=partner,
        token_hash=token_hash(token),
        resource_id=resource_id,
        last_message_number=0,
        expires_at=expires_at,
        spreadsheet_id=spreadsheet_id,
        status=LIVE,
        created_at=utcnow(),
    )
    session.add(channel)
    return channel


def trusted(channel: DriveChannel, now: datetime) -> bool:
    """May a notification on ``channel`` trigger anything?"""
    if channel.status != LIVE:
        return False
    return channel.expires_at is None or channel.expires_at > now


def needs_renewal(expires_at: datetime | None, now: datetime, renew_before: float) -> bool:
    """Open the next channel once the current one is within ``renew_before`` s of expiry."""
    return expires_at is None or expires_at - timedelta(seconds=renew_before) <= now


def record_event(
    session: Session,
    partner: str,
    kind: str,
    detail: str | None = None,
    channel_id: str | None = None,
) -> None:
    """One line of the channel history shown on the sync health page."""
    session.add(
        DriveChannelEvent(
            partner=partner,
            kind=kind,
            detail=(detail or None) and detail[:2000],
            channel_id=channel_id,
        )
    )


def log_event(
    store: Store, partner: str, kind: str, detail: str | None = None, channel_id: str | None = None
) -> None:
    with store.session() as session:
        record_event(session, partner, kind, detail, channel_id)


@dataclass(frozen=True)
class ChannelView:
    """A channel as the command and the health page show it (never the token)."""

    id: str
    partner: str
    status: str
    resource_id: str | None
    expires_at: datetime | None
    created_at: datetime | None
    last_message_number: int


def _view(c: DriveChannel) -> ChannelView:
    """The channel's columns that :class:`ChannelView` names, and only those."""
    return ChannelView(**{f.name: getattr(c, f.name) for f in fields(ChannelView)})


def list_channels(
    store: Store, partner: str | None = None, *, live_only: bool = False
) -> list[ChannelView]:
    """Channels, newest first."""
    with store.session() as session:
        query = select(DriveChannel).order_by(
            DriveChannel.created_at.desc().nulls_last(), DriveChannel.id
        )
        if partner:
            query = query.where(DriveChannel.partner == partner)
        if live_only:
            query = query.where(DriveChannel.status == LIVE)
        return [_view(c) for c in session.scalars(query)]


def recent_events(store: Store, partner: str, limit: int = 10) -> list[DriveChannelEvent]:
    with store.session() as session:
        rows = session.scalars(
            select(DriveChannelEvent)
            .where(DriveChannelEvent.partner == partner)
            .order_by(DriveChannelEvent.at.desc(), DriveChannelEvent.id.desc())
            .limit(limit)
        ).all()
        session.expunge_all()
        return list(rows)


def set_status(store: Store, channel_id: str, status: str) -> None:
    with store.session() as session:
        channel = session.get(DriveChannel, channel_id)
        if channel is not None:
            channel.status = status
            channel.stopped_at = utcnow()


def prune(session: Session, now: datetime | None = None) -> int:
    """Forget ended channels and channel events older than :data:`RETENTION`
    (daily housekeeping); returns the rows removed."""
    cutoff = (now or utcnow()) - RETENTION
    ended = session.execute(
        delete(DriveChannel).where(DriveChannel.status != LIVE, DriveChannel.stopped_at < cutoff)
    )
    events = session.execute(delete(DriveChannelEvent).where(DriveChannelEvent.at < cutoff))
    return rows_affected(ended) + rows_affected(events)


def lost_after(debounce_seconds: float) -> timedelta:
    """How long after a change with no notification a live channel counts as lost.

    Shorter than the poll's interval, so most silent losses are seen by the first
    poll after the change; long enough for a notification Drive held back a little
    (a false alarm only costs a new channel)."""
    return timedelta(seconds=max(60.0, 2 * debounce_seconds))


def mark_lost(
    store: Store, partner: str, modified: datetime, now: datetime, debounce_seconds: float
) -> list[str]:
    """The poll found a change nobody asked to sync: a live channel older than the
    change, after :func:`lost_after`, missed its notification and stopped silently.
    Mark it ``gone`` so the clock opens a new one; returns the channel ids."""
    if modified > now - lost_after(debounce_seconds):
        return []  # the notification may still be on its way
    lost = []
    with store.session() as session:
        for channel in session.scalars(
            select(DriveChannel).where(DriveChannel.partner == partner, DriveChannel.status == LIVE)
        ):
            if channel.created_at is not None and channel.created_at < modified:
                channel.status = "gone"
                channel.stopped_at = now
                record_event(
                    session,
                    partner,
                    "lost",
                    f"the spreadsheet changed at {modified:%H:%M:%S} UTC without a notification",
                    channel.id,
                )
                lost.append(channel.id)
    return lost
