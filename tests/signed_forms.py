"""Posting a form submission signed the Standard Webhooks way, as a partner's
form tool does: one place for the body, the signature headers and a fresh
message id, whether the app is a Flask test client or a live server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from integration.webhooks.signatures import standard_headers


def post_signed_form(
    post: Callable[..., Any],
    url: str,
    secret: str,
    payload: Any,
    *,
    msg_id: str | None = None,
    **kwargs: Any,
) -> Any:
    """POST ``payload`` (JSON-encoded unless already bytes) to ``url`` with
    ``post`` (``client.post`` or a ``requests`` session's), signed with
    ``secret``; ``msg_id`` defaults to a new one, so each call is a new delivery.
    ``kwargs`` go to ``post`` (a ``timeout`` for requests)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        **standard_headers(secret, msg_id or f"msg_{uuid.uuid4().hex}", body),
    }
    return post(url, data=body, headers=headers, **kwargs)
