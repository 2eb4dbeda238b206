"""``POST /webhooks/drive``: Google Drive push notifications for a watched spreadsheet.

Drive does not sign its notifications; it echoes the channel's token, which we
stored only as a SHA-256 hash and compare in constant time. Message numbers
only grow per channel, so an older or repeated number is acknowledged and
ignored (a replay cannot trigger work). ``sync`` is Drive's hello on a new
channel: acknowledged, nothing to do. Anything else records a sync request.
Drive retries only on 5xx, so only transient store trouble answers 503.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from flask import Response, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.app import services
from integration.problems import Problem
from integration.store import records
from integration.store.models import DriveChannel
from integration.webhooks.requests import is_transient, unavailable


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
) -> DriveChannel:
    """Remember a channel made with Drive's ``files.watch`` (token stored hashed)."""
    channel = DriveChannel(
        id=channel_id,
        partner=partner,
        token_hash=token_hash(token),
        resource_id=resource_id,
        last_message_number=0,
        expires_at=expires_at,
    )
    session.add(channel)
    return channel


def _message_number() -> int:
    raw = request.headers.get("X-Goog-Message-Number", "")
    try:
        number = int(raw)
    except ValueError:
        raise Problem(400, "X-Goog-Message-Number must be a number.", slug="bad-headers") from None
    if number < 0 or number > 2**62:
        raise Problem(400, "X-Goog-Message-Number is out of range.", slug="bad-headers")
    return number


def receive_drive_notification() -> Response:
    channel_id = request.headers.get("X-Goog-Channel-ID")
    state = request.headers.get("X-Goog-Resource-State")
    if not channel_id or not state:
        raise Problem(
            400, "X-Goog-Channel-ID and X-Goog-Resource-State are required.", slug="bad-headers"
        )
    number = _message_number()
    token = request.headers.get("X-Goog-Channel-Token", "")
    if not channel_id.isprintable() or len(channel_id) > 200:
        raise Problem(401, "Unknown channel or wrong channel token.", slug="bad-token")
    try:
        with services().store.session() as session:
            channel = session.scalars(
                select(DriveChannel).where(DriveChannel.id == channel_id).with_for_update()
            ).first()
            # Same answer for an unknown channel and a wrong token: nothing to probe.
            expected = channel.token_hash if channel is not None else token_hash("\x00")
            if not hmac.compare_digest(expected, token_hash(token)) or channel is None:
                raise Problem(401, "Unknown channel or wrong channel token.", slug="bad-token")
            resource = request.headers.get("X-Goog-Resource-ID")
            if channel.resource_id and resource and resource != channel.resource_id:
                raise Problem(401, "The resource does not match the channel.", slug="bad-token")
            if number <= channel.last_message_number:
                return jsonify(status="ignored", reason="stale message number")
            channel.last_message_number = number
            if state == "sync":
                return jsonify(status="acknowledged")
            req = records.request_sync(
                session, channel.partner, trigger="webhook", reason=f"drive {state[:30]}"
            )
            session.flush()
            return jsonify(status="queued", sync_request=req.id)
    except Problem:
        raise
    except Exception as exc:
        if is_transient(exc):
            raise unavailable() from None
        raise
