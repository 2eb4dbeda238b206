"""Liveness (``/healthz``) and readiness (``/readyz``) probes."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from integration.store import migrate
from integration.web.services import services

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """The process is up and answering; says nothing about its dependencies."""
    return jsonify(status="ok")


@bp.get("/readyz")
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
