"""Request and response bodies as Google's front end treats them: the 10 MB
body limit, JSON parsing with its nesting limit, and JSON out that survives
lone surrogates. Pure functions; the HTTP handler calls them."""

from __future__ import annotations

import json
from typing import Any

from .errors import ApiError, bad_request

MAX_BODY = 10 * 1024 * 1024  # Google's limit for one request body (10485760 bytes)


def payload_too_large() -> ApiError:
    """Google's answer to a body over the limit: a 400, not a 413."""
    message = f"Request payload size exceeds the limit: {MAX_BODY} bytes."
    return ApiError(
        400,
        message,
        "INVALID_ARGUMENT",
        errors=[{"message": message, "domain": "global", "reason": "badRequest"}],
    )


def json_bytes(payload: Any) -> bytes:
    """UTF-8 JSON; a value holding a lone surrogate (a cell can, as the API takes
    JSON escapes) goes out as ASCII escapes instead, so it reaches the client
    exactly as it was stored rather than cutting the connection."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode("ascii")


#: Google's JSON transcoder (protobuf's) stops at 100 levels of nesting.
MAX_JSON_DEPTH = 100
_TOO_DEEP = "Invalid JSON payload received. Message too deep. Max recursion depth reached."


def _depth_exceeds(value: Any, limit: int) -> bool:
    """True when ``value`` nests objects or arrays more than ``limit`` deep
    (iterative, so no body can exhaust the stack here)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def parse_json(body: bytes) -> Any:
    """A request body as Google reads it: malformed JSON and nesting deeper
    than :data:`MAX_JSON_DEPTH` are 400 INVALID_ARGUMENT, never a crash."""
    try:
        value = json.loads(body.decode("utf-8"))
    except RecursionError:
        raise bad_request(_TOO_DEEP) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad_request(f"Invalid JSON payload received. {exc}") from None
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise bad_request(_TOO_DEEP)
    return value
