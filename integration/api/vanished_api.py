"""``/api/v1/vanished-rows``: the records whose rows left a partner's sheet, and
*restore* / *archive* on them, through :mod:`integration.vanished` (the same
actions the dashboard's Vanished rows page offers). A partner token lists and
acts on its own partner's rows only; another partner's look like none at all."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from sqlalchemy import true

from integration import vanished
from integration.api.context import (
    actor,
    arg,
    check_partner_param,
    json_body,
    not_found,
    source,
    store_session,
    token,
)
from integration.store.guarded import run_guarded
from integration.store.models import VanishedRow
from integration.store.records import _iso
from integration.web.openapi_components import RECORD_ID, ref
from integration.web.openapi_operations import (
    PARTNER_Q,
    describe,
    json_response,
    path_param,
    problems,
)
from integration.web.problem_details import Problem

ID_PARAM = [path_param("id", RECORD_ID)]


def item_json(item: vanished.VanishedItem) -> dict[str, Any]:
    return {
        "record_id": item.record_id,
        "kind": item.kind,
        "partner": item.partner,
        "tab": item.tab,
        "name": item.name,
        "row_number": item.row_number,
        "vanished_at": _iso(item.vanished_at),
        "state": "held" if item.held else "archived",
    }


def _scope(partner: str | None) -> Any:
    """The rows the caller may see, of ``partner`` when it names one."""
    mine = token().partner
    if partner is not None:
        return VanishedRow.partner == partner
    return VanishedRow.partner == mine if mine is not None else true()


@describe(
    operationId="listVanishedRows",
    summary="Records whose rows vanished from a partner's sheet (archived by the "
    "sync, or held by the deletion stop)",
    parameters=[PARTNER_Q],
    responses={
        "200": json_response(ref("VanishedRowList"), "The vanished rows, newest first."),
        **problems(400, 401, 404, 503),
    },
)
def list_vanished() -> Response:
    partner = check_partner_param(arg("partner"))
    with store_session() as session:
        items = vanished.items(session, _scope(partner))
    return jsonify(items=[item_json(i) for i in items])


def _act(record_id: str, action: str) -> Response:
    json_body(allow_empty=True)

    def once() -> Response:
        with store_session() as session:
            found = vanished.entry(session, record_id, _scope(None))
            if found is None:
                raise not_found("vanished row")
            act = vanished.restore if action == "restored" else vanished.archive
            try:
                act(session, found, actor=actor(), source=source(), by=token().name)
            except vanished.VanishedError as exc:
                session.commit()  # a record that is gone leaves the list
                raise Problem(409, exc.message, slug="review-conflict", reason=exc.reason) from None
            return jsonify(action=action, record_id=record_id)

    return run_guarded(once)


def _action(operation_id: str, summary: str) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "summary": summary,
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        "responses": {
            "200": json_response(ref("VanishedResult"), "Done; the next sync of the tab follows."),
            **problems(400, 401, 403, 404, 409, 413, 415, 503),
        },
    }


@describe(
    ID_PARAM,
    **_action(
        "restoreVanishedRow",
        "Put the record back into its partner's sheet (the next sync appends it)",
    ),
)
def restore(id: str) -> Response:
    return _act(id, "restored")


@describe(
    ID_PARAM,
    **_action("archiveVanishedRow", "Archive the record: it stays out of the sheet"),
)
def archive(id: str) -> Response:
    return _act(id, "archived")
