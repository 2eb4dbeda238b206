"""Checks every webhook request goes through before its payload is looked at:
partner known, JSON content type, size, signature over the raw bytes, then
(and only then) JSON parsing."""

from __future__ import annotations

from flask import request

from integration.config import PartnerConfig
from integration.web.openapi_components import ref
from integration.web.openapi_operations import path_param
from integration.web.problem_details import Problem
from integration.web.services import MAX_CONTENT_LENGTH, services
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
