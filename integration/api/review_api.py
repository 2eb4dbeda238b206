"""``/api/v1/quarantine`` and ``/api/v1/conflicts``: list, and act through
:mod:`integration.review` (the same actions the dashboard offers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify
from sqlalchemy import select

from integration.api.context import (
    actor,
    arg,
    bad_param,
    check_int_id,
    check_partner_param,
    cursor_arg,
    encode_cursor,
    json_body,
    limit_arg,
    not_found,
    source,
    store_session,
    token,
)
from integration.api.records_api import record_json
from integration.api.validation import bad_request_field
from integration.auth import can_see_partner, scope_leads
from integration.issues import for_readers
from integration.kinds import KINDS
from integration.review import (
    ReviewError,
    ReviewResult,
    dismiss_quarantine,
    merge_quarantine,
    replay_quarantine,
    resolve_conflict,
)
from integration.store.guarded import run_guarded
from integration.store.models import Conflict, Lead, QuarantineEntry
from integration.store.records import _iso
from integration.web.openapi_components import ref
from integration.web.openapi_operations import (
    INT_ID,
    LEAD_ID,
    PAGING,
    PARTNER_Q,
    describe,
    json_response,
    path_param,
    problems,
)
from integration.web.openapi_operations import query as query_parameter
from integration.web.problem_details import Problem
from integration.web.reader_language import reader_locale
from integration.web.services import services

STATES = ("open", "resolved", "all")


def _partner_locale(partner: str | None) -> str | None:
    found = services().config.partners.get(partner or "")
    return found.locale if found is not None else None


def quarantine_json(entry: QuarantineEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "partner": entry.partner,
        "kind": entry.kind,
        "source": entry.source,
        "tab": entry.tab,
        "row_number": entry.row_number,
        "raw": entry.raw or {},
        "errors": for_readers(
            entry.errors, entry.kind, reader_locale(), _partner_locale(entry.partner)
        ),
        "duplicate_of": entry.duplicate_of,
        "created_at": _iso(entry.created_at),
        "updated_at": _iso(entry.updated_at),
        "resolved_at": _iso(entry.resolved_at),
        "resolution": entry.resolution,
    }


def conflict_json(conflict: Conflict) -> dict[str, Any]:
    return {
        "id": conflict.id,
        "partner": conflict.partner,
        "tab": conflict.tab,
        "record_id": conflict.record_id,
        "field": conflict.field,
        "base_value": conflict.base_value,
        "sheet_value": conflict.sheet_value,
        "store_value": conflict.store_value,
        "resolved_value": conflict.resolved_value,
        "policy": conflict.policy,
        "winner": conflict.winner,
        "sync_run_id": conflict.sync_run_id,
        "created_at": _iso(conflict.created_at),
        "resolved_at": _iso(conflict.resolved_at),
        "resolution": conflict.resolution,
    }


STATUS_Q = query_parameter(
    "status",
    {"type": "string", "enum": ["open", "resolved", "all"]},
    "Open (default), resolved or all.",
)
KIND_Q = query_parameter(
    "kind", {"type": "string", "enum": [k.value for k in KINDS]}, "Record kind."
)
ITEM_ID = [path_param("id", INT_ID)]


def _list_operation(
    operation_id: str, summary: str, parameters: list[dict[str, Any]], page: dict[str, Any]
) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "summary": summary,
        "parameters": [PARTNER_Q, *parameters, *PAGING],
        "responses": {"200": page, **problems(400, 401, 404, 503)},
    }


def _action(
    operation_id: str, summary: str, schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A review action: an optional JSON body, a :data:`ReviewResult` answer."""
    return {
        "operationId": operation_id,
        "summary": summary,
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": schema or {"type": "object"}}},
        },
        "responses": {
            "200": json_response(ref("ReviewResult"), "Done."),
            **problems(400, 401, 403, 404, 409, 413, 415, 422, 503),
        },
    }


def _list(model: Any, serialise: Any) -> Response:
    partner = check_partner_param(arg("partner"))
    state = arg("status", STATES) or "open"
    limit = limit_arg()
    after = cursor_arg()
    query = select(model)
    if token().partner is not None:
        query = query.where(model.partner == token().partner)
    if partner:
        query = query.where(model.partner == partner)
    if state == "open":
        query = query.where(model.resolved_at.is_(None))
    elif state == "resolved":
        query = query.where(model.resolved_at.is_not(None))
    if after is not None:
        if not isinstance(after, int):
            raise bad_param("cursor", "not a cursor this API gave out")
        query = query.where(model.id > after)
    if model is QuarantineEntry:
        kind = arg("kind", KINDS)
        if kind:
            query = query.where(QuarantineEntry.kind == kind)
    with store_session() as session:
        rows = list(session.scalars(query.order_by(model.id).limit(limit + 1)))
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].id) if len(rows) > limit else None
    return jsonify(items=[serialise(r) for r in page], next_cursor=next_cursor)


@describe(
    **_list_operation(
        "listQuarantine",
        "Rows and payloads that failed validation",
        [STATUS_Q, KIND_Q],
        json_response(ref("QuarantinePage"), "A page of entries."),
    )
)
def list_quarantine() -> Response:
    return _list(QuarantineEntry, quarantine_json)


@describe(
    **_list_operation(
        "listConflicts",
        "Fields changed on both sides since the last sync",
        [STATUS_Q],
        json_response(ref("ConflictPage"), "A page of conflicts."),
    )
)
def list_conflicts() -> Response:
    return _list(Conflict, conflict_json)


def _visible(session: Any, model: Any, item_id: int, what: str) -> Any:
    check_int_id(item_id, what)
    item = session.get(model, item_id)
    if item is None or not can_see_partner(token(), item.partner):
        raise not_found(what)
    return item


@describe(
    ITEM_ID,
    operationId="getQuarantineEntry",
    summary="One quarantine entry",
    responses={
        "200": json_response(ref("QuarantineEntry"), "The entry."),
        **problems(401, 404, 503),
    },
)
def get_quarantine(entry_id: int) -> Response:
    with store_session() as session:
        entry = _visible(session, QuarantineEntry, entry_id, "quarantine entry")
        return jsonify(quarantine_json(entry))


def _review_problem(exc: ReviewError) -> Problem:
    status = {"invalid": 422, "no_target": 422}.get(exc.reason, 409)
    extra: dict[str, Any] = {"reason": exc.reason}
    if exc.errors:
        errors = for_readers(exc.errors, "lead", reader_locale())
        return Problem(status, exc.message, slug="validation-error", errors=errors, **extra)
    return Problem(status, exc.message, slug="review-conflict", **extra)


def _result_json(result: ReviewResult, item: dict[str, Any]) -> dict[str, Any]:
    out = {
        "action": result.action,
        "record_id": result.record_id,
        "changed": result.changed,
        "item": item,
    }
    if result.action == "merged":
        out.update(
            filled=result.filled, replaced=result.replaced, kept=result.kept, message=result.message
        )
    return out


@describe(
    ITEM_ID,
    **_action(
        "replayQuarantineEntry",
        "Try again after a fix (payloads: with corrected fields; sheet rows: a sync)",
        {
            "type": "object",
            "properties": {
                "data": {
                    "type": "object",
                    "description": "field -> corrected value; null clears it",
                }
            },
        },
    ),
)
def replay(entry_id: int) -> Response:
    data = _object_field(
        json_body(allow_empty=True),
        "data",
        "must be an object",
        "'data' must be an object of field -> corrected value.",
    )

    def take(session: Any, entry: QuarantineEntry) -> ReviewResult:
        return replay_quarantine(
            session, services().config, entry, actor=actor(), data=data, source=source()
        )

    # Keep what a refused replay learned (new errors, or the dismissal).
    return _on_entry(entry_id, take, keep=("invalid", "erased", "duplicate"))


@describe(ITEM_ID, **_action("dismissQuarantineEntry", "Give up on an entry"))
def dismiss(entry_id: int) -> Response:
    json_body(allow_empty=True)
    return _on_entry(
        entry_id,
        lambda session, entry: dismiss_quarantine(session, entry, actor=actor(), source=source()),
    )


def _object_field(body: dict[str, Any], name: str, message: str, detail: str) -> dict[str, Any]:
    """The body's object ``name`` (empty when absent); a 422 naming it when it is
    not an object (of text values, for ``choose``)."""
    value = body.get(name) or {}
    if not isinstance(value, dict) or (
        name == "choose" and not all(isinstance(v, str) for v in value.values())
    ):
        raise bad_request_field(name, "type", message, detail)
    return value


def _on_entry(
    entry_id: int,
    take: Callable[[Any, QuarantineEntry], ReviewResult],
    *,
    keep: tuple[str, ...] = (),
    kept: Callable[[QuarantineEntry], bool] = lambda entry: True,
    answer: Callable[[Any, ReviewResult, dict[str, Any]], dict[str, Any]] | None = None,
) -> Response:
    """A review action on a visible quarantine entry in one store transaction,
    taken again while a record it writes changes meanwhile (run_guarded). A
    refusal is a problem answer; with a reason in ``keep`` (and ``kept(entry)``)
    its transaction is committed first; ``answer`` may add to the JSON."""

    def once() -> Response:
        with store_session() as session:
            entry = _visible(session, QuarantineEntry, entry_id, "quarantine entry")
            try:
                result = take(session, entry)
            except ReviewError as exc:
                if exc.reason in keep and kept(entry):
                    session.commit()
                raise _review_problem(exc) from None
            out = _result_json(result, quarantine_json(entry))
            return jsonify(answer(session, result, out) if answer else out)

    return run_guarded(once)


@describe(
    ITEM_ID,
    **_action(
        "mergeQuarantineEntry",
        "Merge a duplicate into an existing lead: fills its blank fields; where "
        "both have a value the lead's stays unless 'choose' takes the entry's",
        {
            "type": "object",
            "properties": {
                "into": LEAD_ID,
                "choose": {
                    "type": "object",
                    "description": "field -> 'lead' or 'entry', for fields both have "
                    "a different value in",
                    "additionalProperties": {"type": "string", "enum": ["lead", "entry"]},
                },
            },
        },
    ),
)
def merge(entry_id: int) -> Response:
    body = json_body(allow_empty=True)
    into = body.get("into")
    if into is not None and not isinstance(into, str):
        raise bad_request_field("into", "type", "must be a lead id", "'into' must be a lead id.")
    choose = _object_field(
        body,
        "choose",
        "must be an object of field -> 'lead' or 'entry'",
        "'choose' must be an object of field -> 'lead' or 'entry'.",
    )

    def take(session: Any, entry: QuarantineEntry) -> ReviewResult:
        if into is not None:
            # A lead the caller names must be one it can see (ids elsewhere are not
            # disclosed); the entry's own duplicate_of is known to it already, and
            # whether it may merge into that is the ownership check's to say.
            visible = session.scalars(
                scope_leads(select(Lead.id).where(Lead.id == into), token())
            ).first()
            if visible is None:
                raise bad_request_field(
                    "into", "reference", "unknown lead", f"There is no lead {into} to merge into."
                )
        return merge_quarantine(
            session,
            services().config,
            entry,
            actor=actor(),
            into=into,
            choose=choose,
            source=source(),
        )

    def with_record(session: Any, result: ReviewResult, out: dict[str, Any]) -> dict[str, Any]:
        target = session.get(Lead, result.record_id)
        return {**out, "record": record_json(target) if target is not None else None}

    # the erased person's values leave the entry even though the merge is refused
    return _on_entry(
        entry_id,
        take,
        keep=("erased",),
        kept=lambda entry: entry.resolution == "erased",
        answer=with_record,
    )


@describe(
    ITEM_ID,
    **_action(
        "resolveConflict",
        "Settle a conflict by choosing the sheet's or the store's value",
        {
            "type": "object",
            "required": ["side"],
            "properties": {"side": {"type": "string", "enum": ["sheet", "store"]}},
        },
    ),
)
def resolve(conflict_id: int) -> Response:
    body = json_body()
    side = body.get("side")
    if side not in ("sheet", "store"):
        raise bad_request_field(
            "side", "enum", "must be sheet or store", "Choose a side: 'sheet' or 'store'."
        )

    def once() -> Response:
        with store_session() as session:
            conflict = _visible(session, Conflict, conflict_id, "conflict")
            try:
                result = resolve_conflict(session, conflict, side, actor=actor(), source=source())
            except ReviewError as exc:
                raise _review_problem(exc) from None
            return jsonify(_result_json(result, conflict_json(conflict)))

    # a record it writes changed meanwhile: the action is taken again on it
    return run_guarded(once)
