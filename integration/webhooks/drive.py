"""``POST /webhooks/drive``: Google Drive push notifications for a watched spreadsheet.

Drive does not sign its notifications; it echoes the channel's token, which we
stored only as a SHA-256 hash and compare in constant time. Only a known channel
that is still active and unexpired is heard; a stopped, replaced, expired or
unknown channel gets the same 401 and triggers nothing. Message numbers only grow
per channel, so an older or repeated number is acknowledged and ignored (a replay
cannot trigger work).

``X-Goog-Resource-State`` of a watched file (Drive's push guide):

- ``sync``: the hello of a new channel: acknowledged, nothing to do;
- ``update``, ``add``, ``untrash``, ``change``: a debounced sync request for the
  partner, unless ``X-Goog-Changed`` names only sharing or folder changes
  (``permissions``, ``parents``, ``children``), which cannot change a row;
- ``trash``, ``remove``: an alert on the sync health page and in the log (a sync
  of a trashed or deleted spreadsheet can only fail); ``remove`` ends the channel;
- anything else: acknowledged and ignored.

Drive retries only on 5xx, so only transient store trouble answers 503.
"""

from __future__ import annotations

import hmac
import logging

from flask import Response, jsonify, request
from sqlalchemy import select

from integration.domain import Trigger
from integration.drive.channels import record_event, token_hash, trusted
from integration.store import records
from integration.store.models import DriveChannel, utcnow
from integration.web.openapi_components import ref
from integration.web.openapi_operations import describe, json_response, problems
from integration.web.problem_details import Problem
from integration.web.services import services
from integration.web.store_errors import transient_as_503

log = logging.getLogger(__name__)

TRIGGER = Trigger.DRIVE_PUSH
SYNC_STATES = frozenset({"update", "add", "untrash", "change"})
ALERT_STATES = frozenset({"trash", "remove"})
NO_ROW_CHANGES = frozenset({"permissions", "parents", "children"})


def action_for(state: str, changed: str | None) -> str:
    """``ack`` | ``sync`` | ``alert`` | ``ignore`` for a notification (pure)."""
    if state == "sync":
        return "ack"
    if state in ALERT_STATES:
        return "alert"
    if state in SYNC_STATES:
        parts = {p.strip().lower() for p in (changed or "").split(",") if p.strip()}
        return "ignore" if parts and parts <= NO_ROW_CHANGES else "sync"
    return "ignore"


def _message_number() -> int:
    raw = request.headers.get("X-Goog-Message-Number", "")
    try:
        number = int(raw)
    except ValueError:
        raise Problem(400, "X-Goog-Message-Number must be a number.", slug="bad-headers") from None
    if number < 0 or number > 2**62:
        raise Problem(400, "X-Goog-Message-Number is out of range.", slug="bad-headers")
    return number


@describe(
    operationId="receiveDriveNotification",
    summary="Google Drive push notification for a watched spreadsheet",
    security=[],
    parameters=[
        {"name": h, "in": "header", "required": False, "schema": {"type": "string"}}
        for h in (
            "X-Goog-Channel-ID",
            "X-Goog-Channel-Token",
            "X-Goog-Resource-State",
            "X-Goog-Resource-ID",
            "X-Goog-Message-Number",
        )
    ],
    responses={
        "200": json_response(ref("StatusBody"), "Acknowledged (queued, sync or stale)."),
        **problems(400, 401, 413, 503),
    },
)
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
    with transient_as_503(), services().store.session() as session:
        channel = session.scalars(
            select(DriveChannel).where(DriveChannel.id == channel_id).with_for_update()
        ).first()
        # Same answer for an unknown channel and a wrong token: nothing to probe.
        expected = channel.token_hash if channel is not None else token_hash("\x00")
        if not hmac.compare_digest(expected, token_hash(token)) or channel is None:
            raise Problem(401, "Unknown channel or wrong channel token.", slug="bad-token")
        if not trusted(channel, utcnow()):
            raise Problem(401, "Unknown channel or wrong channel token.", slug="bad-token")
        resource = request.headers.get("X-Goog-Resource-ID")
        if channel.resource_id and resource and resource != channel.resource_id:
            raise Problem(401, "The resource does not match the channel.", slug="bad-token")
        if number <= channel.last_message_number:
            return jsonify(status="ignored", reason="stale message number")
        channel.last_message_number = number
        action = action_for(state, request.headers.get("X-Goog-Changed"))
        if action == "ack":
            return jsonify(status="acknowledged")
        if action == "ignore":
            return jsonify(status="ignored", reason=f"nothing to sync for {state[:30]}")
        if action == "alert":
            what = "moved to the trash" if state == "trash" else "deleted or unshared"
            record_event(session, channel.partner, state, f"the spreadsheet was {what}", channel.id)
            if state == "remove":
                channel.status = "gone"
                channel.stopped_at = utcnow()
            log.warning("spreadsheet of partner %s was %s", channel.partner, what)
            return jsonify(status="alerted", state=state)
        req = records.request_sync(
            session, channel.partner, trigger=TRIGGER, reason=f"drive {state[:30]}"
        )
        session.flush()
        return jsonify(status="queued", sync_request=req.id)
