"""Describing an operation of ``/openapi.json`` next to the view that serves it.

A view carries its OpenAPI operation object (:func:`describe`); the document
is collected from the app's URL map (:mod:`integration.api.openapi`), so a
route and its description cannot drift apart, and a route without one is
caught by the test that every API and webhook route is described. The
helpers below build the parts operations share (problem responses, paging,
path and header parameters).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from integration.web.openapi_components import ref

View = TypeVar("View", bound=Callable[..., Any])

OPERATION = "openapi_operation"
PATH_PARAMETERS = "openapi_path_parameters"


def describe(
    path_parameters: list[dict[str, Any]] | None = None, **operation: Any
) -> Callable[[View], View]:
    """Attach an OpenAPI operation object (``operationId``, ``summary``,
    ``parameters``, ``requestBody``, ``responses`` ...) to a view.
    ``path_parameters`` describe the rule's ``<...>`` parts; they are written
    once per path, shared by every method of it."""

    def attach(view: View) -> View:
        setattr(view, OPERATION, operation)
        setattr(view, PATH_PARAMETERS, path_parameters or [])
        return view

    return attach


def described(view: Callable[..., Any]) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """``(operation, path parameters)`` of a view, ``None`` when it has none."""
    operation = getattr(view, OPERATION, None)
    if operation is None:
        return None
    return operation, getattr(view, PATH_PARAMETERS, [])


_DESCRIPTIONS = {
    400: "Malformed request (bad JSON, bad query parameter).",
    401: "Missing, unknown or revoked credentials / bad signature.",
    403: "Visible, but not this token's to change (see docs/security.md).",
    404: "No such resource (or not visible to this token).",
    405: "Method not allowed.",
    409: "Conflict with the current state.",
    412: "If-Match did not match the record's version.",
    413: "Body over 256 KiB.",
    415: "Wrong content type.",
    422: "Validation failed; `errors` names the fields.",
    503: "Store temporarily unavailable; retry later.",
}


def problems(*codes: int) -> dict[str, Any]:
    """The problem+json responses an operation may give, by status code."""
    return {
        str(code): {
            "description": _DESCRIPTIONS[code],
            "content": {"application/problem+json": {"schema": ref("Problem")}},
        }
        for code in codes
    }


def json_response(schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    """A response with an application/json body of ``schema``."""
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
        **extra,
    }


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def path_param(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


PAGING = [
    query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Page size (default 50)."),
    query("cursor", {"type": "string"}, "next_cursor of the previous page."),
]
#: The configured codes are in the ``PartnerCode`` schema, built per app.
PARTNER_Q = query("partner", ref("PartnerCode"), "Partner code.")
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Retry-safe creation (IETF draft): same key and body replays the first "
    "response; same key, other body: 422; while the first runs: 409.",
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "ETag of the version you edited; 412 if the record changed since.",
}
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": 'W/"<version>"'}}
LEAD_ID = {"type": "string", "pattern": "^L-[0-9]{6}$"}
AGREEMENT_ID = {"type": "string", "pattern": "^A-[0-9]{6}$"}
INT_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
