"""RFC 9457 problem details (``application/problem+json``) for the API and webhooks.

Every 4xx and 5xx answer of ``/api/*`` and ``/webhooks/*`` goes through here, so
clients can rely on one shape: ``type``, ``title``, ``status`` (always equal to
the HTTP status), ``detail`` and, for validation failures, ``errors`` naming the
fields. Details are written by us, never copied from an exception, so no stack
trace, SQL or personal data can leak into a response.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
#: Base of our problem type URIs (documentation anchors, not fetched by clients).
PROBLEM_BASE = "https://lef-crm-sync.example/problems/"
#: URL prefixes whose errors are answered as problem+json instead of HTML.
PROBLEM_PREFIXES = ("/api/", "/webhooks/")


#: Titles of our problem types (the ``type`` URI's human summary; RFC 9457 3.1.3).
TITLES = {
    "bad-signature": "Invalid webhook signature",
    "bad-token": "Invalid channel token",
    "bad-headers": "Missing or malformed headers",
    "bad-payload": "Not a form submission",
    "malformed-json": "Malformed JSON",
    "unsupported-media-type": "Unsupported content type",
    "too-large": "Request body too large",
    "unknown-partner": "Unknown partner",
    "invalid-lead": "Invalid lead",
    "validation-error": "Validation failed",
    "erased-person": "Erased person",
    "store-unavailable": "Store temporarily unavailable",
    "store-busy": "Store busy",
    "unauthenticated": "Authentication required",
    "not-found": "Not found",
    "duplicate": "Duplicate record",
    "idempotency-key-reused": "Idempotency key reused",
    "idempotency-key-in-use": "Request with this idempotency key in progress",
    "bad-parameter": "Invalid query parameter",
    "review-conflict": "Review action not possible",
    "precondition-failed": "Precondition failed",
}


class Problem(Exception):
    """Raised anywhere inside a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        slug: str | None = None,
        errors: Iterable[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or TITLES.get(slug or "") or HTTPStatus(status).phrase
        self.slug = slug
        self.errors = [dict(e) for e in errors] if errors is not None else None
        self.headers = dict(headers or {})
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return problem_body(
            self.status,
            self.detail,
            title=self.title,
            slug=self.slug,
            errors=self.errors,
            **self.extra,
        )

    def response(self) -> Response:
        return problem_response(self.body(), headers=self.headers)


def problem_body(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    slug: str | None = None,
    errors: Iterable[Mapping[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The problem document as a dict (what webhooks store for idempotent replays)."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug if slug else "about:blank",
        "title": title or TITLES.get(slug or "") or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = [dict(e) for e in errors]
    body.update(extra)
    return body


def problem_response(body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Response:
    resp = Response(
        json.dumps(body, ensure_ascii=False),
        status=int(body["status"]),
        mimetype=PROBLEM_MEDIA_TYPE,
    )
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def problem(status: int, detail: str, **kwargs: Any) -> Response:
    """Shortcut: build the problem response directly."""
    return Problem(status, detail, **kwargs).response()


_GENERIC_DETAIL = {
    400: "The request could not be understood.",
    401: "Authentication is required.",
    403: "Not allowed.",
    404: "No such resource.",
    405: "This method is not allowed on this resource.",
    406: "The requested media type is not available.",
    409: "The request conflicts with the current state of the resource.",
    413: "The request body is larger than 256 KiB.",
    415: "Unsupported content type.",
    422: "The request could not be processed.",
    429: "Too many requests.",
    500: "An internal error occurred; it has been logged.",
    503: "The service is temporarily unavailable; try again later.",
}


def from_http_exception(exc: HTTPException) -> Response:
    """Werkzeug's HTML error pages, as problem documents (generic detail only:
    an exception's own description may quote the request)."""
    status = exc.code or 500
    headers: dict[str, str] = {}
    allowed = getattr(exc, "valid_methods", None)  # a MethodNotAllowed's
    if status == 405 and allowed:
        headers["Allow"] = ", ".join(sorted(allowed))
    detail = _GENERIC_DETAIL.get(status, HTTPStatus(status).phrase)
    return problem_response(problem_body(status, detail), headers)


def wants_problem() -> bool:
    """True when the current request is an API or webhook request."""
    return request.path.startswith(PROBLEM_PREFIXES) or request.path in (
        "/openapi.json",
        "/metrics",
    )


def register_problem_handlers(app: Flask) -> None:
    """Answer errors of API and webhook URLs (including unmatched routes, wrong
    methods, oversized bodies and crashes) as problem+json. Other URLs keep
    whatever handling their own blueprint defines."""

    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return exc.response()

    previous_http = app.error_handler_spec.get(None, {}).get(None, {}).get(HTTPException)

    def _http(exc: HTTPException) -> Any:
        if wants_problem():
            return from_http_exception(exc)
        if previous_http is not None:
            return previous_http(exc)
        return exc

    app.register_error_handler(HTTPException, _http)

    def _crash(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return _http(exc)
        if wants_problem():
            # Frames only: an exception's message may quote SQL parameters, i.e.
            # personal data, which must never reach the logs.
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error(
                "unhandled %s on %s %s\n%s",
                type(exc).__name__,
                request.method,
                request.path,
                frames,
            )
            return status_problem(500)
        raise exc

    app.register_error_handler(Exception, _crash)


def status_problem(status: int, headers: Mapping[str, str] | None = None) -> Response:
    """A problem response with the generic detail for ``status``."""
    return problem_response(
        problem_body(status, _GENERIC_DETAIL.get(status, HTTPStatus(status).phrase)), headers
    )
