"""Liveness (``/healthz``) and readiness (``/readyz``) probes."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from integration.store import migrate
from integration.web.openapi_operations import describe, json_response
from integration.web.services import services

HEALTH = {
    "type": "object",
    "properties": {"status": {"type": "string"}, "checks": {"type": "object"}},
}

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
@describe(
    operationId="getHealth",
    summary="Liveness",
    security=[],
    responses={"200": json_response(HEALTH, "Up.")},
)
def healthz():  # type: ignore[no-untyped-def]
    """The process is up and answering; says nothing about its dependencies."""
    return jsonify(status="ok")


@bp.get("/readyz")
@describe(
    operationId="getReadiness",
    summary="Readiness: store reachable, migrations current",
    security=[],
    responses={"200": json_response(HEALTH, "Ready."), "503": json_response(HEALTH, "Not ready.")},
)
def readyz():  # type: ignore[no-untyped-def]
    """Ready to serve: the store answers and its schema is the newest revision."""
    store = services().store
    checks: dict[str, str] = {}
    try:
        store.ping()
        checks["store"] = "ok"
        checks["migrations"] = "ok" if migrate.is_current(store) else "pending"
    except SQLAlchemyError as exc:
        log.warning("readiness check failed: %s", type(exc).__name__)
        checks["store"] = "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), (200 if ready else 503)
