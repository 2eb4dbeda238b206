"""Checks every webhook request goes through before its payload is looked at:
partner known, JSON content type, size, signature over the raw bytes, then
(and only then) JSON parsing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from integration.config import PartnerConfig
from integration.store.guarded import lost_lock_race, retrying
from integration.web.openapi_components import ref
from integration.web.openapi_operations import path_param
from integration.web.problem_details import Problem
from integration.web.services import MAX_CONTENT_LENGTH, services
from integration.webhooks.deliveries import ClaimLost
from integration.webhooks.signatures import SignatureError

#: The partner of ``/webhooks/<kind>/<partner>`` (for ``/openapi.json``).
PARTNER_PATH = path_param("partner", {"type": "string"})
#: The signature headers the webhooks read (for ``/openapi.json``); the first
#: three are Standard Webhooks', the fourth only forms accept.
SIGNED_HEADERS = [
    {"name": h, "in": "header", "required": False, "schema": {"type": "string"}, "description": d}
    for h, d in (
        ("webhook-id", "Standard Webhooks: delivery id (idempotency key)."),
        ("webhook-timestamp", "Standard Webhooks: Unix time, within 300 s of now."),
        ("webhook-signature", "Standard Webhooks: v1,<base64 HMAC-SHA256>."),
        ("Typeform-Signature", "Typeform: sha256=<base64 HMAC-SHA256 of the body>."),
    )
]


def required_body(schema: str) -> dict:
    """A required JSON request body of the named component schema."""
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


#: Store failures worth a retry by the sender (answered 503, never 404/410).
TRANSIENT_ERRORS = (OperationalError, InterfaceError, PoolTimeout)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TRANSIENT_ERRORS):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


@contextmanager
def transient_as_503() -> Iterator[None]:
    """The one mapping of store trouble to an answer: a failure worth a retry
    (or a delivery claim lost to a vanished connection) becomes 503 with
    Retry-After, so the sender retries and nothing is lost; anything else
    propagates unchanged (a :class:`Problem` keeps its own status). A deadlock's
    loser inside :func:`~integration.store.guarded.run_guarded` propagates too:
    it is run again there, and only a store that stays busy is a 503."""
    try:
        yield
    except ClaimLost:
        raise unavailable() from None
    except Exception as exc:
        if lost_lock_race(exc) and retrying():
            raise
        if is_transient(exc):
            raise unavailable() from None
        raise


def unavailable() -> Problem:
    return Problem(
        503,
        "The store is temporarily unavailable; the delivery was not stored. Retry later.",
        slug="store-unavailable",
        headers={"Retry-After": "30"},
    )


def partner_or_404(code: str) -> PartnerConfig:
    partner = services().config.partners.get(code)
    if partner is None:
        raise Problem(404, "No partner with this code is configured.", slug="unknown-partner")
    return partner


def require_json_body() -> bytes:
    """The raw body of a JSON request (415 for another type, 413 over 256 KiB)."""
    length = request.content_length
    if length is not None and length > MAX_CONTENT_LENGTH:
        raise Problem(413, "The request body is larger than 256 KiB.", slug="too-large")
    if request.mimetype not in ("application/json",) and not request.mimetype.endswith("+json"):
        raise Problem(
            415,
            "Send the payload as application/json.",
            slug="unsupported-media-type",
            headers={"Accept-Post": "application/json"},
        )
    data = request.get_data(cache=True)
    if length is None and len(data) >= MAX_CONTENT_LENGTH:
        # A chunked body is cut at the limit by Werkzeug, silently: refuse it here.
        raise Problem(413, "The request body is larger than 256 KiB.", slug="too-large")
    return data


def unauthorized(exc: SignatureError) -> Problem:
    return Problem(401, f"Signature check failed: {exc}.", slug="bad-signature")
