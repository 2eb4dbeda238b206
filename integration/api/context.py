"""Per-request plumbing of the JSON API: bearer-token authentication, the
caller's scope, the store session and query-parameter parsing."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import g, request
from sqlalchemy.orm import Session

from integration.api.openapi import query_parameters
from integration.auth import can_see_partner, is_admin, touch_token, verify_token
from integration.ownership import Actor
from integration.store.models import ApiToken
from integration.store.records import ACTING_AS
from integration.web.json_input import NOT_TEXT, parse_json
from integration.web.problem_details import Problem
from integration.web.services import services
from integration.web.store_errors import transient_as_503

DEFAULT_LIMIT = 50
#: The widest offset ISO 8601 and RFC 3339 allow in practice (as java.time and
#: PostgreSQL do); Python accepts up to 23:59.
MAX_UTC_OFFSET = timedelta(hours=18)
MAX_LIMIT = 200


def authenticate() -> None:
    """``before_request`` of the API blueprint: a live bearer token or 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Problem(
            401,
            "Send a bearer token: Authorization: Bearer <token>.",
            slug="unauthenticated",
            headers={"WWW-Authenticate": 'Bearer realm="crm-sync"'},
        )
    with store_session() as session:
        token = verify_token(session, secret.strip())
        if token is not None:
            touch_token(session, token)
    if token is None:
        raise Problem(
            401,
            "The token is unknown or revoked.",
            slug="unauthenticated",
            headers={"WWW-Authenticate": 'Bearer realm="crm-sync", error="invalid_token"'},
        )
    g.api_token = token
    ACTING_AS.set(token.name)  # the history of what this request changes names it


MAX_INT_ID = 2**31 - 1


def check_int_id(value: int, what: str) -> None:
    """Ids beyond the database's integer range cannot exist: 404, not a crash."""
    if not 1 <= value <= MAX_INT_ID:
        raise not_found(what)


def check_query_names() -> None:
    """``before_request``: unknown query parameters are a client error (a typo
    such as ``?sectr=ict`` would otherwise silently return everything)."""
    rule = request.url_rule
    if rule is None or not request.args:
        return
    allowed = query_parameters(request.method, rule.rule)
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        name = unknown[0][:40]
        raise bad_param(name, "unknown query parameter")


def token() -> ApiToken:
    return g.api_token


def admin() -> bool:
    return is_admin(token())


def actor() -> Actor:
    """Who the request acts as, for :mod:`integration.ownership`."""
    return Actor.of_token(token(), "api")


def source() -> str:
    return "api"


@contextmanager
def store_session() -> Iterator[Session]:
    """A store transaction; connection trouble becomes 503 (retry later)."""
    with transient_as_503(), services().store.session() as session:
        yield session


def not_found(what: str = "resource") -> Problem:
    return Problem(404, f"No such {what}.", slug="not-found")


def check_partner_param(value: str | None) -> str | None:
    """A ``partner`` filter: known code, and (for partner tokens) their own."""
    if value is None or value == "":
        return None
    if value not in services().config.partners:
        raise bad_param("partner", "unknown partner code")
    if not can_see_partner(token(), value):
        raise not_found("partner")
    return value


def bad_param(name: str, reason: str) -> Problem:
    return Problem(
        400,
        f"Query parameter '{name}': {reason}.",
        slug="bad-parameter",
        errors=[{"field": name, "code": "invalid", "message": reason}],
    )


def arg(name: str, choices: tuple[str, ...] | list[str] | None = None) -> str | None:
    """A query parameter; with ``choices``, an empty value is an error too."""
    value = request.args.get(name)
    if value is None or (value == "" and choices is None):
        return None
    if choices is not None and value not in choices:
        raise bad_param(name, "not one of " + ", ".join(choices[:12]))
    if len(value) > 200:
        raise bad_param(name, "too long")
    if "\x00" in value:  # PostgreSQL text cannot hold NUL: a 400, not a DataError
        raise bad_param(name, "contains a NUL character")
    return value


def limit_arg() -> int:
    raw = request.args.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise bad_param("limit", "must be a whole number") from None
    if not 1 <= value <= MAX_LIMIT:
        raise bad_param("limit", f"must be between 1 and {MAX_LIMIT}")
    return value


def datetime_arg(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise bad_param(name, "must be an ISO 8601 date-time") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise bad_param(name, "the UTC offset must be within -18:00 and +18:00")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise bad_param(name, "the date-time is out of range once converted to UTC") from None


def bool_arg(name: str) -> bool:
    if name not in request.args:
        return False
    raw = request.args[name].lower()
    if raw in ("false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    raise bad_param(name, "must be true or false")


def encode_cursor(position: Any) -> str:
    raw = json.dumps({"after": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_arg() -> Any:
    """The position after which the next page starts (opaque to clients)."""
    raw = request.args.get("cursor")
    if raw is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        position = data["after"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise bad_param("cursor", "not a cursor this API gave out") from None
    if not _is_position(position):
        raise bad_param("cursor", "not a cursor this API gave out")
    return position


def _is_position(position: Any) -> bool:
    """What :func:`encode_cursor` can have written: an id within the store's
    integer range (a larger one is a 500 on PostgreSQL, which binds it as its
    32-bit ``integer``), or a short string of text (never NUL or a lone surrogate)."""
    if isinstance(position, bool):
        return False
    if isinstance(position, int):
        return -MAX_INT_ID - 1 <= position <= MAX_INT_ID
    return isinstance(position, str) and len(position) <= 200 and not NOT_TEXT.search(position)


def json_body(*, allow_empty: bool = False, merge_patch: bool = False) -> dict[str, Any]:
    """The JSON object in the body (415 wrong type, 400 malformed or not an object)."""
    data = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(data) >= limit:
        # A chunked body is cut at the limit by Werkzeug, silently: refuse it here.
        raise Problem(413, "The request body is larger than 256 KiB.", slug="too-large")
    if not data and allow_empty:
        return {}
    mimetype = request.mimetype
    allowed = {"application/json"} | ({"application/merge-patch+json"} if merge_patch else set())
    if mimetype not in allowed:
        raise Problem(
            415,
            "Send the body as " + " or ".join(sorted(allowed)) + ".",
            slug="unsupported-media-type",
        )
    body = parse_json(data)
    if not isinstance(body, dict):
        raise Problem(400, "The body must be a JSON object.", slug="malformed-json")
    return body
