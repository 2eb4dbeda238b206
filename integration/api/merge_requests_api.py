"""Cross-partner duplicates on the API: the minimal card of another partner's
lead a caller's row duplicates, and merge requests (file, list, accept,
decline) through :mod:`integration.merge_requests`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify
from sqlalchemy import select

from integration.api.context import (
    actor,
    check_int_id,
    json_body,
    not_found,
    store_session,
    token,
)
from integration.api.records_api import record_json
from integration.api.validation import bad_request_field
from integration.auth import can_see_partner
from integration.merge_requests import (
    MAX_REASON,
    accept,
    decline,
    entry_card,
    file_request,
    owner_card,
    owner_queue,
    request_json,
)
from integration.review import ReviewError
from integration.store.guarded import run_guarded
from integration.store.models import MergeRequest, QuarantineEntry
from integration.web.openapi_operations import (
    INT_ID,
    LEAD_ID,
    describe,
    json_response,
    path_param,
    problems,
)
from integration.web.problem_details import Problem
from integration.web.reader_language import reader_locale
from integration.web.services import services

OBJECT = {"type": "object"}
CARD = {
    "type": "object",
    "description": "Another partner's lead as a non-owner may see it: nothing else of it.",
    "properties": {
        "id": LEAD_ID,
        "company_name": {"type": "string"},
        "owner": {"type": "string"},
        "owner_name": {"type": "string"},
    },
}


def _problem(exc: ReviewError) -> Problem:
    status = {"no_target": 422}.get(exc.reason, 409)
    return Problem(status, exc.message, slug="review-conflict", reason=exc.reason)


def _entry(session: Any, entry_id: int) -> QuarantineEntry:
    check_int_id(entry_id, "quarantine entry")
    entry = session.get(QuarantineEntry, entry_id)
    if entry is None or not can_see_partner(token(), entry.partner):
        raise not_found("quarantine entry")
    return entry


def _request(session: Any, request_id: int) -> MergeRequest:
    """A request its requester, its owner or an admin may see; 404 to anyone else."""
    check_int_id(request_id, "merge request")
    found = session.get(MergeRequest, request_id)
    partner = token().partner
    if found is None or (partner is not None and partner not in (found.requester, found.owner)):
        raise not_found("merge request")
    return found


@describe(
    [path_param("id", LEAD_ID)],
    operationId="getLeadCard",
    summary="The minimal card of a lead (another partner's, when a row of yours duplicates it)",
    responses={"200": json_response(CARD, "The card."), **problems(401, 404, 503)},
)
def lead_card(id: str) -> Response:
    with store_session() as session:
        card = owner_card(session, services().config, actor(), id, reader_locale())
    if card is None:
        raise not_found("lead")
    return jsonify(card)


@describe(
    [path_param("id", INT_ID)],
    operationId="getQuarantineCard",
    summary="The card of the other partner's lead an entry duplicates, with its merge request",
    responses={"200": json_response(CARD, "The card."), **problems(401, 404, 503)},
)
def entry_card_view(entry_id: int) -> Response:
    with store_session() as session:
        entry = _entry(session, entry_id)
        card = entry_card(session, services().config, actor(), entry, reader_locale())
    if card is None:
        raise not_found("duplicate of another partner's lead")
    return jsonify(card)


@describe(
    [path_param("id", INT_ID)],
    operationId="requestMerge",
    summary="Ask the owner of the lead an entry duplicates to merge it",
    responses={
        "201": json_response(OBJECT, "The request, open."),
        **problems(400, 401, 403, 404, 409, 422, 503),
    },
)
def file(entry_id: int) -> tuple[Response, int]:
    json_body(allow_empty=True)
    with store_session() as session:
        entry = _entry(session, entry_id)
        try:
            made = file_request(session, entry, actor=actor())
        except ReviewError as exc:
            session.rollback()
            raise _problem(exc) from None
        session.flush()
        return jsonify(request_json(made)), 201


@describe(
    operationId="listMergeRequests",
    summary="Merge requests the caller filed (with their outcome), the open ones it decides "
    "(both rows side by side) and those it decided",
    responses={"200": json_response(OBJECT, "Filed and to decide."), **problems(401, 503)},
)
def list_requests() -> Response:
    partner = token().partner
    config = services().config
    with store_session() as session:
        query = select(MergeRequest).order_by(MergeRequest.id.desc()).limit(200)
        received = query.where(MergeRequest.status != "open")
        if partner is not None:
            query = query.where(MergeRequest.requester == partner)
            received = received.where(MergeRequest.owner == partner)
        filed = [request_json(r) for r in session.scalars(query)]
        decided = [request_json(r) for r in session.scalars(received)]
        decide = [
            {
                **(request_json(item.request) or {}),
                "requester_values": item.requester_values,
                "lead": record_json(item.lead),
            }
            for item in owner_queue(session, config, actor())
        ]
    return jsonify(filed=filed, to_decide=decide, decided=decided)


@describe(
    [path_param("id", INT_ID)],
    operationId="acceptMergeRequest",
    summary="Accept: merge the requester's row into your lead (fills blanks; 'choose' per field)",
    requestBody={"required": False, "content": {"application/json": {"schema": OBJECT}}},
    responses={
        "200": json_response(OBJECT, "Merged."),
        **problems(400, 401, 403, 404, 409, 422, 503),
    },
)
def accept_view(request_id: int) -> Response:
    body = json_body(allow_empty=True)
    choose = body.get("choose") or {}
    if not isinstance(choose, dict) or not all(isinstance(v, str) for v in choose.values()):
        raise bad_request_field(
            "choose",
            "type",
            "must be an object of field -> 'lead' or 'entry'",
            "'choose' must be an object of field -> 'lead' or 'entry'.",
        )

    def once() -> Response:
        with store_session() as session:
            found = _request(session, request_id)
            try:
                result = accept(session, services().config, found, actor=actor(), choose=choose)
            except ReviewError as exc:
                session.rollback()
                raise _problem(exc) from None
            return jsonify(
                request=request_json(found),
                filled=result.filled,
                replaced=result.replaced,
                kept=result.kept,
                message=result.message,
            )

    return run_guarded(once)


@describe(
    [path_param("id", INT_ID)],
    operationId="declineMergeRequest",
    summary="Decline a merge request (optionally saying why)",
    requestBody={"required": False, "content": {"application/json": {"schema": OBJECT}}},
    responses={"200": json_response(OBJECT, "Declined."), **problems(400, 401, 403, 404, 409, 503)},
)
def decline_view(request_id: int) -> Response:
    body = json_body(allow_empty=True)
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        raise bad_request_field(
            "reason",
            "type",
            f"must be text of at most {MAX_REASON} characters",
            f"'reason' must be text of at most {MAX_REASON} characters.",
        )

    def once() -> Response:
        with store_session() as session:
            found = _request(session, request_id)
            try:
                decline(session, found, actor=actor(), reason=reason)
            except ReviewError as exc:
                session.rollback()
                raise _problem(exc) from None
            return jsonify(request_json(found))

    return run_guarded(once)


#: (rule, endpoint, view, methods) of this module, registered on the API blueprint.
#: (rule, endpoint, view, methods) of each route this module serves
ROUTES: tuple[tuple[str, str, Callable[..., Any], list[str]], ...] = (
    ("/leads/<id>/card", "lead_card", lead_card, ["GET"]),
    ("/quarantine/<int:entry_id>/card", "quarantine_card", entry_card_view, ["GET"]),
    ("/quarantine/<int:entry_id>/merge-request", "request_merge", file, ["POST"]),
    ("/merge-requests", "list_merge_requests", list_requests, ["GET"]),
    ("/merge-requests/<int:request_id>/accept", "accept_merge_request", accept_view, ["POST"]),
    ("/merge-requests/<int:request_id>/decline", "decline_merge_request", decline_view, ["POST"]),
)
