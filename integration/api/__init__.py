"""The JSON API under ``/api/v1`` (bearer tokens, partner-scoped), plus
``/openapi.json`` and ``/metrics``. Every error is application/problem+json."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify

from integration.api import (
    merge_requests_api,
    ops_api,
    records_api,
    records_spec,
    report_api,
    review_api,
    vanished_api,
)
from integration.api import metrics as metrics_module
from integration.api.context import authenticate, check_query_names
from integration.api.openapi import openapi_document
from integration.ownership import Denied
from integration.store.guarded import StoreBusy
from integration.web.openapi_operations import describe, json_response, problems
from integration.web.problem_details import Problem, register_problem_handlers

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate)
bp.before_request(check_query_names)


@bp.errorhandler(Denied)
def _denied(exc: Denied) -> Response:
    """The record is visible but not the caller's to change: 403, naming why."""
    return Problem(exc.status, exc.message, slug="forbidden", title="Not allowed").response()


@bp.errorhandler(StoreBusy)
def _busy(exc: StoreBusy) -> Response:
    """Every run of a guarded write lost to another writer: nothing was kept, so
    the caller may simply send it again (before, this was a 500)."""
    return Problem(
        503,
        "The record kept changing while this request ran; nothing was changed. Retry.",
        slug="store-busy",
        headers={"Retry-After": "1"},
    ).response()


for kind, plural in (("lead", "leads"), ("agreement", "agreements")):
    bp.add_url_rule(
        f"/{plural}",
        f"list_{plural}",
        describe(**records_spec.list_operation(kind, plural))(
            lambda k=kind: records_api.list_records(k)
        ),
        methods=["GET"],
    )
    bp.add_url_rule(
        f"/{plural}",
        f"create_{kind}",
        describe(**records_spec.create_operation(kind))(records_api.CREATE_VIEWS[kind]),
        methods=["POST"],
    )
    item = records_spec.item_parameters(kind)
    # One record: read it, or patch it; both views take the kind and the id.
    for method, operation, view in (
        ("GET", records_spec.get_operation(kind), records_api.get_record),
        ("PATCH", records_spec.patch_operation(kind), records_api.patch_record),
    ):
        bp.add_url_rule(
            f"/{plural}/<id>",
            f"{method.lower()}_{kind}",
            describe(item, **operation)(lambda id, k=kind, v=view: v(k, id)),
            methods=[method],
        )
bp.add_url_rule(
    "/leads/<id>",
    "erase_lead",
    describe(records_spec.item_parameters("lead"), **records_spec.ERASE_LEAD)(
        lambda id: records_api.erase_lead(id)
    ),
    methods=["DELETE"],
)

bp.add_url_rule("/quarantine", "list_quarantine", review_api.list_quarantine)
bp.add_url_rule("/quarantine/<int:entry_id>", "get_quarantine", review_api.get_quarantine)
bp.add_url_rule(
    "/quarantine/<int:entry_id>/replay", "replay_quarantine", review_api.replay, methods=["POST"]
)
bp.add_url_rule(
    "/quarantine/<int:entry_id>/dismiss",
    "dismiss_quarantine",
    review_api.dismiss,
    methods=["POST"],
)
bp.add_url_rule(
    "/quarantine/<int:entry_id>/merge", "merge_quarantine", review_api.merge, methods=["POST"]
)
for rule, endpoint, view, methods in merge_requests_api.ROUTES:
    bp.add_url_rule(rule, endpoint, view, methods=methods)
bp.add_url_rule("/conflicts", "list_conflicts", review_api.list_conflicts)
bp.add_url_rule(
    "/conflicts/<int:conflict_id>/resolve",
    "resolve_conflict",
    review_api.resolve,
    methods=["POST"],
)
bp.add_url_rule("/vanished-rows", "list_vanished_rows", vanished_api.list_vanished)
bp.add_url_rule(
    "/vanished-rows/<id>/restore",
    "restore_vanished_row",
    vanished_api.restore,
    methods=["POST"],
)
bp.add_url_rule(
    "/vanished-rows/<id>/archive",
    "archive_vanished_row",
    vanished_api.archive,
    methods=["POST"],
)
bp.add_url_rule("/kpi", "kpi", ops_api.kpi)
bp.add_url_rule("/report", "report", report_api.report)
bp.add_url_rule("/sync-runs", "sync_runs", ops_api.sync_runs)
bp.add_url_rule("/sync-runs/<int:run_id>", "sync_run", ops_api.get_sync_run)
bp.add_url_rule("/sync", "request_sync", ops_api.request_sync, methods=["POST"])

service_bp = Blueprint("api_service", __name__)


@service_bp.get("/openapi.json")
@describe(
    operationId="getOpenApi",
    summary="This document",
    security=[],
    responses={"200": json_response({"type": "object"}, "OpenAPI 3.1 document.")},
)
def openapi_json() -> Response:
    return jsonify(openapi_document())


service_bp.add_url_rule(
    "/metrics",
    "metrics",
    describe(
        operationId="getMetrics",
        summary="Prometheus metrics (text exposition format)",
        security=[],
        responses={
            "200": {
                "description": "Metrics.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            },
            **problems(403, 503),
        },
    )(metrics_module.metrics),
)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(service_bp)
    metrics_module.install(app)
    if not app.extensions.get("crm_problem_handlers"):
        register_problem_handlers(app)
        app.extensions["crm_problem_handlers"] = True
