"""Opening, renewing and stopping Drive push channels (``files.watch``,
``channels.stop``).

The clock's ``drive-channels`` job calls :func:`maintain` for every partner: it
opens a channel where there is none (or the last one expired or was lost), and
opens the next channel ``channel_renew_seconds`` before the current one expires,
*then* stops the old one, so notifications never have a gap. Each partner is
handled under a lease in the store and re-read after taking it, so two clocks
renew each channel once. A partner whose channels were stopped with ``crm-sync
watch --stop`` is left alone until ``crm-sync watch`` registers it again.

The row is written before ``files.watch`` is sent, because Drive's first
message (``sync``) may arrive before Drive's answer does.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from connectors.google_sheets.drive import DriveConnector
from connectors.google_sheets.errors import SheetNotFound, SheetsError
from integration.config import AppConfig, ConfigError
from integration.drive.channels import (
    LIVE,
    needs_renewal,
    record_event,
    register_channel,
    set_status,
)
from integration.store import leases
from integration.store.db import Store
from integration.store.models import DriveChannel, utcnow

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/drive"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
LEASE_SECONDS = 120.0
#: A channel row Drive never confirmed (the process died during ``files.watch``)
#: is given up after this long.
UNCONFIRMED_SECONDS = 120.0


def webhook_address(config: AppConfig) -> str:
    """Where Drive should POST: ``CRM_PUBLIC_URL`` + ``/webhooks/drive``.

    Google accepts only HTTPS addresses; plain ``http://`` is allowed only to a
    loopback host while the emulator stands in for Google.
    """
    base = config.public_url
    if not base:
        raise ConfigError(
            "CRM_PUBLIC_URL is not set: Drive needs the service's public HTTPS address "
            "to send push notifications to"
        )
    parts = urlsplit(base)
    if parts.scheme == "https" and parts.hostname:
        return base + WEBHOOK_PATH
    if parts.scheme == "http" and config.emulator_host and parts.hostname in LOOPBACK_HOSTS:
        return base + WEBHOOK_PATH
    raise ConfigError(
        f"CRM_PUBLIC_URL must be an https:// address Google can reach (got {base!r}); "
        "http:// is accepted only for a local address with the emulator"
    )


@dataclass(frozen=True)
class ChannelOutcome:
    """What :func:`maintain` did for one partner."""

    partner: str
    action: str  # registered renewed re-registered kept skipped busy failed
    channel_id: str | None = None
    detail: str | None = None


def register(
    config: AppConfig,
    store: Store,
    connector: DriveConnector,
    partner: str,
    *,
    kind: str = "registered",
) -> DriveChannel:
    """Open one channel on ``partner``'s spreadsheet and remember it (token hashed).

    Raises :class:`SheetsError` when Drive refuses (recorded as a ``failed`` event).
    """
    pc = config.partner(partner)
    address = webhook_address(config)
    channel_id = str(uuid.uuid4())
    token = secrets.token_urlsafe(32)
    asked = utcnow() + timedelta(seconds=config.sync.channel_ttl_seconds)
    with store.session() as session:
        register_channel(
            session,
            channel_id=channel_id,
            partner=partner,
            token=token,
            expires_at=asked,
            spreadsheet_id=pc.spreadsheet_id,
        )
    try:
        answer = connector.watch_file(
            pc.spreadsheet_id,
            channel_id=channel_id,
            address=address,
            token=token,
            expiration_ms=int(asked.timestamp() * 1000),
        )
    except SheetsError as exc:
        with store.session() as session:
            row = session.get(DriveChannel, channel_id)
            if row is not None:
                session.delete(row)
            record_event(session, partner, "failed", f"files.watch: {exc}", channel_id)
        raise
    with store.session() as session:
        # registered above, before the call; only this function knows its id
        row = session.get_one(DriveChannel, channel_id)
        row.resource_id = str(answer.get("resourceId") or "") or None
        row.expires_at = _expiration(answer.get("expiration")) or asked
        record_event(
            session, partner, kind, f"expires {row.expires_at:%Y-%m-%d %H:%M:%S} UTC", channel_id
        )
        session.flush()
        session.expunge(row)
    log.info("drive channel %s for %s: %s", kind, partner, channel_id)
    return row


def _expiration(value: object) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def stop(
    store: Store, connector: DriveConnector, channel: DriveChannel, *, status: str, why: str
) -> None:
    """Stop ``channel`` with Drive and mark it ``status``; a channel Drive has
    already forgotten (404) counts as stopped."""
    detail = why
    if channel.resource_id:
        try:
            connector.stop_channel(channel.id, channel.resource_id)
        except SheetNotFound:
            detail = f"{why} (Drive no longer knew it)"
        except SheetsError as exc:
            detail = f"{why}; channels.stop failed: {exc}"
    set_status(store, channel.id, status)
    with store.session() as session:
        record_event(session, channel.partner, status, detail, channel.id)


def _unconfirmed(channel: DriveChannel, now: datetime) -> bool:
    """Opened in the store but never answered by Drive, long enough ago."""
    made = channel.created_at
    return (
        channel.resource_id is None
        and made is not None
        and made < now - timedelta(seconds=UNCONFIRMED_SECONDS)
    )


def _live(store: Store, partner: str) -> tuple[list[DriveChannel], str | None]:
    """The partner's live channels (newest expiry first) and its latest row's status."""
    with store.session() as session:
        rows = list(
            session.scalars(
                select(DriveChannel)
                .where(DriveChannel.partner == partner)
                .order_by(DriveChannel.created_at.desc().nulls_last())
            )
        )
        session.expunge_all()
    latest = rows[0].status if rows else None
    live = [r for r in rows if r.status == LIVE]
    live.sort(key=lambda r: r.expires_at or datetime.max.replace(tzinfo=UTC), reverse=True)
    return live, latest


def maintain(
    config: AppConfig,
    store: Store,
    connector: DriveConnector,
    partner: str,
    *,
    force: bool = False,
    now: datetime | None = None,
) -> ChannelOutcome:
    """Keep exactly one live, unexpired channel on ``partner``'s spreadsheet.

    ``force`` (``crm-sync watch``) registers even a partner stopped by hand, and
    opens a fresh channel even when the current one is not yet due.
    """
    holder = leases.make_holder_id()
    lease = f"drive-channel:{partner}"
    if not leases.acquire(store, lease, holder, LEASE_SECONDS):
        return ChannelOutcome(partner, "busy", detail="another process is renewing this channel")
    try:
        return _maintain(config, store, connector, partner, force=force, now=now)
    finally:
        leases.release(store, lease, holder)


def _maintain(
    config: AppConfig,
    store: Store,
    connector: DriveConnector,
    partner: str,
    *,
    force: bool,
    now: datetime | None,
) -> ChannelOutcome:
    now = now or utcnow()
    live, latest = _live(store, partner)
    if not force and not live and latest == "stopped":
        return ChannelOutcome(partner, "skipped", detail="stopped with crm-sync watch --stop")
    live = _retire_dead(store, partner, live, now)
    current = live[0] if live else None
    renew = config.sync.channel_renew_seconds
    if current is not None and not force and not needs_renewal(current.expires_at, now, renew):
        for extra in live[1:]:  # a leftover of an interrupted renewal: one channel is enough
            stop(store, connector, extra, status="replaced", why="a newer channel is live")
        return ChannelOutcome(partner, "kept", current.id)
    kind = "renewed" if current is not None else ("re-registered" if latest else "registered")
    return _open_new(config, store, connector, partner, live, kind)


def _retire_dead(
    store: Store, partner: str, live: list[DriveChannel], now: datetime
) -> list[DriveChannel]:
    """Mark the channels that expired or that Drive never confirmed (each with an
    event in the partner's channel history); the live ones that are left."""
    expired = [c for c in live if c.expires_at is not None and c.expires_at <= now]
    for channel in expired:
        set_status(store, channel.id, "expired")
        with store.session() as session:
            record_event(session, partner, "expired", "expired before it was renewed", channel.id)
    unconfirmed = [c for c in live if c not in expired and _unconfirmed(c, now)]
    for channel in unconfirmed:
        set_status(store, channel.id, "gone")
        with store.session() as session:
            record_event(session, partner, "failed", "Drive never confirmed it", channel.id)
    return [c for c in live if c not in expired and c not in unconfirmed]


def _open_new(
    config: AppConfig,
    store: Store,
    connector: DriveConnector,
    partner: str,
    live: list[DriveChannel],
    kind: str,
) -> ChannelOutcome:
    """Register a new channel, then stop the old ones: only once the new channel is
    open, so no push is missed in between."""
    try:
        new = register(config, store, connector, partner, kind=kind)
    except SheetsError as exc:
        return ChannelOutcome(partner, "failed", detail=str(exc))
    for old in live:  # only now that the new channel is open: no gap
        stop(store, connector, old, status="replaced", why=f"replaced by {new.id}")
    return ChannelOutcome(partner, kind, new.id)


def stop_partner(
    store: Store, connector: DriveConnector, partner: str, *, why: str = "stopped by hand"
) -> int:
    """Stop every live channel of ``partner`` (``crm-sync watch --stop``)."""
    live, _ = _live(store, partner)
    for channel in live:
        stop(store, connector, channel, status="stopped", why=why)
    return len(live)
