"""``/api/v1/kpi``, ``/api/v1/sync-runs`` and ``POST /api/v1/sync``."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from flask import Response, jsonify
from sqlalchemy import select

from integration.api.context import (
    arg,
    bad_param,
    check_int_id,
    check_partner_param,
    cursor_arg,
    encode_cursor,
    json_body,
    limit_arg,
    not_found,
    store_session,
    token,
)
from integration.api.validation import invalid
from integration.auth import can_see_partner, is_admin
from integration.domain import Trigger
from integration.issues import ValidationIssue, issue
from integration.kinds import TABS
from integration.kpi import compute_kpi
from integration.store import records
from integration.store.models import SyncRun
from integration.store.records import _iso
from integration.sync.stop_reasons import error_for_reader
from integration.web.openapi_components import ref
from integration.web.openapi_operations import (
    INT_ID,
    PAGING,
    PARTNER_Q,
    describe,
    json_response,
    path_param,
    problems,
)
from integration.web.services import services


@describe(
    operationId="getKpi",
    summary="Signed agreements in the project window vs. target",
    parameters=[PARTNER_Q],
    responses={"200": json_response(ref("Kpi"), "The numbers."), **problems(400, 401, 503)},
)
def kpi() -> Response:
    """Project-wide numbers (aggregates, no personal data) are visible to every
    token; ``partner`` narrows them to the agreements that partner reports."""
    partner = arg("partner")
    if partner is not None and partner not in services().config.partners:
        raise bad_param("partner", "unknown partner code")
    with store_session() as session:
        return jsonify(compute_kpi(session, services().config, partner=partner))


def sync_run_json(run: SyncRun, *, admin: bool = True) -> dict[str, Any]:
    """A run as the API gives it; ``admin`` False: as a partner's token may see
    it (:func:`error_for_reader`)."""
    seconds = None if run.seconds is None else round(run.seconds, 3)
    return {
        "id": run.id,
        "partner": run.partner,
        "tab": run.tab,
        "trigger": run.trigger,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "seconds": seconds,
        "outcome": run.outcome,
        "dry_run": run.dry_run,
        "counts": run.counts or {},
        "api_calls": run.api_calls,
        "cells_written": run.cells_written,
        "error": error_for_reader(run.error, admin=admin),
        "stop_reason": run.stop_reason,
        "header_report": run.header_report,
    }


@describe(
    operationId="listSyncRuns",
    summary="Sync runs, newest first",
    description=(
        "Each run carries its `header_report`: the sheet row the header was found on, "
        "which header fills which field (`mapped`; `source` is `configured` for a "
        "`[partners.columns]` line of the partners file), the headers not recognised "
        "(`unrecognised`; their columns are kept and never synced, `suggestion` names "
        "the field a header probably means) and the expected fields with no column "
        "(`missing`). It is null for runs that read no header (busy, unreadable tab)."
    ),
    parameters=[PARTNER_Q, *PAGING],
    responses={
        "200": json_response(ref("SyncRunPage"), "A page of runs."),
        **problems(400, 401, 404, 503),
    },
)
def sync_runs() -> Response:
    """Newest first."""
    partner = check_partner_param(arg("partner"))
    limit = limit_arg()
    before = cursor_arg()
    query = select(SyncRun)
    if token().partner is not None:
        query = query.where(SyncRun.partner == token().partner)
    if partner:
        query = query.where(SyncRun.partner == partner)
    if before is not None:
        if not isinstance(before, int):
            raise bad_param("cursor", "not a cursor this API gave out")
        query = query.where(SyncRun.id < before)
    with store_session() as session:
        rows = list(session.scalars(query.order_by(SyncRun.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].id) if len(rows) > limit else None
    admin = is_admin(token())
    return jsonify(items=[sync_run_json(r, admin=admin) for r in page], next_cursor=next_cursor)


@describe(
    [path_param("id", INT_ID)],
    operationId="getSyncRun",
    summary="One sync run",
    responses={"200": json_response(ref("SyncRun"), "The run."), **problems(401, 404, 503)},
)
def get_sync_run(run_id: int) -> Response:
    check_int_id(run_id, "sync run")
    with store_session() as session:
        run = session.get(SyncRun, run_id)
        if run is None or not can_see_partner(token(), run.partner):
            raise not_found("sync run")
        return jsonify(sync_run_json(run, admin=is_admin(token())))


#: What a sync request's body may hold.
SYNC_REQUEST_FIELDS = ("partner", "tab", "reason", "accept_deletions")
#: The longest ``reason`` a sync request keeps.
REASON_LIMIT = 150


def sync_request_problems(
    body: Mapping[str, Any], partners: Collection[str]
) -> list[ValidationIssue]:
    """What is wrong with a sync request's body, field by field (pure). The
    problems' English sentences are the ``message`` clients have always read."""

    def problem(field: str, code: str, template: str, **params: Any) -> ValidationIssue:
        return issue(code, field, template=f"request.{template}", **params)

    found = []
    partner, tab, reason = body.get("partner"), body.get("tab"), body.get("reason")
    if "partner" in body and not (isinstance(partner, str) and partner in partners):
        found.append(problem("partner", "enum", "unknown_partner"))
    if "tab" in body and not (isinstance(tab, str) and tab in TABS):
        found.append(problem("tab", "enum", "tab"))
    if "reason" in body and not (isinstance(reason, str) and len(reason) <= REASON_LIMIT):
        found.append(problem("reason", "type", "at_most", limit=REASON_LIMIT))
    if not isinstance(body.get("accept_deletions", False), bool):
        found.append(problem("accept_deletions", "type", "boolean"))
    for name in sorted(set(body) - set(SYNC_REQUEST_FIELDS)):
        found.append(problem(name[:40], "unknown_field", "unknown_field"))
    return found


def _sync_targets(partner: str | None, partners: Collection[str]) -> list[str]:
    """The partners a request asks a sync for: a partner token its own (naming
    another partner is a 404, as for any record it may not see); an admin the
    partner named, else every partner."""
    tok = token()
    if tok.partner is not None:
        if partner is not None and partner != tok.partner:
            raise not_found("partner")
        return [tok.partner]
    return [partner] if partner else sorted(partners)


@describe(
    operationId="requestSync",
    summary="Ask for a sync soon (debounced by the scheduler)",
    requestBody={
        "required": False,
        "content": {"application/json": {"schema": ref("SyncRequestBody")}},
    },
    responses={
        "202": json_response(ref("SyncQueued"), "Queued."),
        **problems(400, 401, 404, 413, 415, 422, 503),
    },
)
def request_sync() -> Response:
    """Ask for a sync soon (the scheduler drains requests, debounced). A partner
    token asks for its own partner; an admin names one or gets all."""
    body = json_body(allow_empty=True)
    partners = services().config.partners
    found = sync_request_problems(body, partners)
    if found:
        raise invalid([p.as_entry() for p in found], "The sync request is not valid.")
    partner, tab, reason = body.get("partner"), body.get("tab"), body.get("reason")
    accept = body.get("accept_deletions", False)
    targets = _sync_targets(partner, partners)
    with store_session() as session:
        made = [
            records.request_sync(
                session,
                code,
                trigger=Trigger.ACCEPT_DELETIONS if accept else Trigger.API,
                reason=(reason or "api request")[:REASON_LIMIT],
                tab=tab,
            )
            for code in targets
        ]
        session.flush()
        out = [{"id": r.id, "partner": r.partner, "tab": r.tab} for r in made]
    resp = jsonify(status="queued", requests=out)
    resp.status_code = 202
    return resp
