"""Liveness (``/healthz``) and readiness (``/readyz``) probes.

``/readyz`` fails (503) only on what stops this process from serving: the store
cannot be reached, cannot write (a full disk), or is not migrated. It names the
store (never its password) so the person paged knows where to look. It also
reports each partner's last sync outcome, without failing on it: a partner's
unshared spreadsheet is no reason to take the web process out of a load balancer.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from integration.store import leases, migrate
from integration.store.db import Store
from integration.store.setup import sync_partner_rows
from integration.web.openapi_operations import describe, json_response
from integration.web.services import Services, services

HEALTH = {
    "type": "object",
    "properties": {
        "status": {"type": "string"},
        "checks": {"type": "object"},
        "store": {
            "type": "string",
            "description": "The store's engine (sqlite, postgresql): anyone who reaches the "
            "port reads this, so its place is in the log and in `crm-sync check`.",
        },
    },
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
def healthz() -> Response:
    """The process is up and answering; says nothing about its dependencies."""
    return jsonify(status="ok")


@bp.get("/readyz")
@describe(
    operationId="getReadiness",
    summary="Readiness: store reachable, migrations current",
    security=[],
    responses={"200": json_response(HEALTH, "Ready."), "503": json_response(HEALTH, "Not ready.")},
)
def readyz() -> tuple[Response, int] | Response:
    """Ready to serve: the store answers, writes, and its schema is the newest revision."""
    svc = services()
    store = svc.store
    checks: dict[str, str] = {}
    body: dict[str, Any] = {"store": make_url(store.url).get_backend_name()}
    try:
        store.ping()
        checks["store"] = "ok"
        checks["migrations"] = "ok" if migrate.is_current(store) else "pending"
        if checks["migrations"] == "ok":
            _prepare_once(svc)
            checks["writes"] = "ok" if _can_write(store) else "failing"
    except SQLAlchemyError as exc:
        log.warning("readiness check of %s failed: %s", store_name(store), type(exc).__name__)
        checks["store"] = "unreachable"
    ready = all(v == "ok" for v in checks.values())
    body.update(status="ok" if ready else "unavailable", checks=checks)
    return jsonify(body), (200 if ready else 503)


def store_name(store: Store) -> str:
    """The store as a person names it: engine and place, no user or password."""
    url = make_url(store.url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite {url.database or ':memory:'}"
    port = f":{url.port}" if url.port else ""
    return f"{url.get_backend_name()} {url.host or 'localhost'}{port}/{url.database or ''}"


def _prepare_once(svc: Services) -> None:
    """Bring a store that was unreachable at start-up in step with the partners
    file, once it answers (what the app factory could not do then)."""
    if not svc.prepared:
        sync_partner_rows(svc.store, svc.config)
        svc.prepared = True


def _can_write(store: Store) -> bool:
    """Commit a real write (a short lease, taken and let go): a store that reads
    but cannot write (a full disk, a read-only replica) is not ready."""
    name = f"readyz:{os.getpid()}"
    try:
        leases.acquire(store, name, name, 5)
        leases.release(store, name, name)
    except SQLAlchemyError as exc:
        log.warning("readiness: the store cannot write: %s", type(exc).__name__)
        return False
    return True
