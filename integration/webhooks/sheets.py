"""``POST /webhooks/sheets/<partner>``: the partner's spreadsheet was edited.

The shipped Apps Script (an installable ``onEdit``/``onChange`` trigger) posts
a small signed notice; we record a sync request for the edited tab and let the
scheduler's debounce turn a burst of edits into one sync. Nothing is read from
Google here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, request
from sqlalchemy.orm import Session

from integration.config import PartnerConfig
from integration.domain import Trigger
from integration.kinds import TABS
from integration.store import records
from integration.web.json_input import parse_json
from integration.web.openapi_components import ref
from integration.web.openapi_operations import describe, json_response, problems
from integration.web.problem_details import Problem
from integration.web.services import services
from integration.web.store_errors import transient_as_503
from integration.webhooks.deliveries import DeliveryAnswer, deliver_once
from integration.webhooks.forms import outcome_response
from integration.webhooks.requests import (
    PARTNER_PATH,
    SIGNED_HEADERS,
    partner_or_404,
    require_json_body,
    required_body,
    unauthorized,
)
from integration.webhooks.signatures import SignatureError, verify_standard


def edited_tab(partner: PartnerConfig, payload: Mapping[str, Any]) -> tuple[bool, str | None]:
    """``(relevant, tab)``: which of our tabs the notice is about (``None`` when
    it does not say, e.g. a structural change: sync both). An edit of a
    partner's own extra tab is not relevant."""
    sheet = payload.get("sheet")
    if not isinstance(sheet, str) or not sheet.strip():
        return True, None
    for tab in TABS:
        if sheet.strip() == partner.tab_name(tab):
            return True, tab
    return False, None


@describe(
    operationId="receiveSheetEdit",
    summary="A partner sheet was edited (Apps Script trigger)",
    security=[],
    parameters=[PARTNER_PATH, *SIGNED_HEADERS[:3]],
    requestBody=required_body("SheetNotice"),
    responses={
        "202": json_response(ref("StatusBody"), "Sync requested."),
        "200": json_response(ref("StatusBody"), "Not about a synced tab; ignored."),
        **problems(400, 401, 404, 413, 415, 503),
    },
)
def receive_sheet_edit(partner: str) -> Response:
    config = services().config
    partner_cfg = partner_or_404(partner)
    body = require_json_body()
    try:
        delivery_id = verify_standard(body, _headers(), config.partner_secrets(partner_cfg.code))
    except SignatureError as exc:
        raise unauthorized(exc) from None
    payload = parse_json(body)
    if not isinstance(payload, Mapping):
        raise Problem(400, "The body must be a JSON object.", slug="bad-payload")
    relevant, tab = edited_tab(partner_cfg, payload)
    event = str(payload.get("event") or "edit")[:40]

    def work(session: Session) -> DeliveryAnswer:
        if not relevant:
            return DeliveryAnswer(200, {"status": "ignored", "reason": "not a synced tab"})
        req = records.request_sync(
            session, partner, trigger=Trigger.WEBHOOK, reason=f"sheet {event}", tab=tab
        )
        session.flush()
        return DeliveryAnswer(202, {"status": "queued", "sync_request": req.id, "tab": tab})

    with transient_as_503():
        outcome = deliver_once(services().store, partner, delivery_id, "sheets", work, body=body)
    return outcome_response(outcome)


def _headers() -> Any:
    return request.headers
