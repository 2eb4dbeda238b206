"""Helpers for the webhook tests: signed requests against the real app."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from integration.webhooks.signatures import standard_headers, typeform_header


@pytest.fixture
def lv_secret(config) -> str:  # type: ignore[no-untyped-def]
    return config.environ["LV_WEBHOOK_SECRET"]


@pytest.fixture
def send_form(client, lv_secret) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    """POST a Standard-Webhooks-signed JSON body to /webhooks/forms/<partner>."""

    def send(
        payload: Any,
        *,
        partner: str = "lv",
        msg_id: str | None = None,
        secret: str | None = None,
        timestamp: int | None = None,
        test_client: Any = None,
    ) -> Any:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = standard_headers(
            secret or lv_secret, msg_id or f"msg_{uuid.uuid4().hex}", body, timestamp
        )
        return (test_client or client).post(
            f"/webhooks/forms/{partner}",
            data=body,
            headers=headers,
            content_type="application/json",
        )

    return send


@pytest.fixture
def send_typeform(client, lv_secret) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    def send(payload: Any, *, secret: str | None = None, test_client: Any = None) -> Any:
        body = json.dumps(payload).encode()
        return (test_client or client).post(
            "/webhooks/forms/lv",
            data=body,
            headers={"Typeform-Signature": typeform_header(secret or lv_secret, body)},
            content_type="application/json",
        )

    return send
