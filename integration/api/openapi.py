"""The OpenAPI 3.1 document of the JSON API and the webhooks (``/openapi.json``).

Collected from the app's URL map: each view carries its own operation object
(:func:`integration.web.openapi_operations.describe`), so this module only assembles
them under their paths with the shared schemas
(:mod:`integration.web.openapi_components`). A test runs schemathesis against
this document and the live app.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app

from integration.web.openapi_components import components
from integration.web.openapi_operations import described
from integration.web.services import services

INFO = {
    "title": "lef-crm-sync API",
    "version": "1.0.0",
    "description": "Leads and agreements of the LEF Network partner chambers, "
    "quarantine and conflict review, sync requests, KPI; and the inbound webhooks. "
    "Errors are application/problem+json (RFC 9457).",
}
BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "Made with `crm-sync tokens create --partner lv` or --admin.",
}
_EXTENSION = "crm_openapi_document"
_QUERY_NAMES = "crm_openapi_query_names"


def openapi_path(rule: str) -> str:
    """Flask rule -> OpenAPI path template (``/leads/<id>`` -> ``/leads/{id}``);
    the integer ids of review items and runs are all called ``{id}``."""
    path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)
    return re.sub(r"\{(entry_id|conflict_id|run_id|request_id)\}", "{id}", path)


def _paths(app: Flask) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for rule in app.url_map.iter_rules():
        found = described(app.view_functions[rule.endpoint])
        if found is None:
            continue
        operation, path_parameters = found
        item = paths.setdefault(openapi_path(rule.rule), {})
        if path_parameters:
            item["parameters"] = path_parameters
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            item[method.lower()] = operation
    return paths


def build_document(app: Flask) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": _paths(app),
        "components": {
            "securitySchemes": {"bearer": BEARER},
            "schemas": components(services(app).config.partners),
        },
    }


def openapi_document(app: Flask | None = None) -> dict[str, Any]:
    """The document for ``app`` (default: the current app), built once per app."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    document = app.extensions.get(_EXTENSION)
    if document is None:
        document = app.extensions[_EXTENSION] = build_document(app)
    return document


def query_parameters(method: str, rule: str) -> frozenset[str]:
    """Query parameter names the current app's document allows for one
    operation (asked on every API request, so kept per app once computed)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    known: dict[tuple[str, str], frozenset[str]] = app.extensions.setdefault(_QUERY_NAMES, {})
    names = known.get((method, rule))
    if names is None:
        item = openapi_document(app)["paths"].get(openapi_path(rule), {})
        operation = item.get(method.lower(), {})
        params = [*item.get("parameters", []), *operation.get("parameters", [])]
        names = known[(method, rule)] = frozenset(
            p["name"] for p in params if p.get("in") == "query"
        )
    return names
