"""Store trouble worth a retry answers 503 with Retry-After on every route
that touches the store (forms, sheet notices, Drive notifications, the API),
through the one mapping in :func:`integration.web.store_errors.transient_as_503`,
and the answer leaks nothing about the database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from integration import create_app
from integration.auth import TOKEN_PREFIX
from integration.store.db import Store
from integration.webhooks.signatures import standard_headers


@pytest.fixture
def dead_client(config) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    dead = Store(
        "postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    yield create_app(replace(config, database_url=dead.url), store=dead).test_client()
    dead.dispose()


def _signed(secret: str, payload: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(payload).encode()
    return {
        "data": body,
        "headers": standard_headers(secret, "msg_503", body),
        "content_type": "application/json",
    }


def _assert_503(resp: Any) -> None:
    assert resp.status_code == 503, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    assert resp.headers["Retry-After"]
    text = resp.get_data(as_text=True)
    assert "psycopg" not in text and "127.0.0.1" not in text and "Traceback" not in text


def test_form_submission(dead_client, lv_secret) -> None:  # type: ignore[no-untyped-def]
    resp = dead_client.post(
        "/webhooks/forms/lv", **_signed(lv_secret, {"company_name": "SIA Test", "country": "LV"})
    )
    _assert_503(resp)


def test_sheet_notice(dead_client, lv_secret) -> None:  # type: ignore[no-untyped-def]
    resp = dead_client.post("/webhooks/sheets/lv", **_signed(lv_secret, {"event": "edit"}))
    _assert_503(resp)


def test_drive_notification(dead_client) -> None:  # type: ignore[no-untyped-def]
    headers = {
        "X-Goog-Channel-ID": "channel-1",
        "X-Goog-Channel-Token": "token",
        "X-Goog-Resource-State": "update",
        "X-Goog-Message-Number": "2",
    }
    _assert_503(dead_client.post("/webhooks/drive", headers=headers))


def test_api_request(dead_client) -> None:  # type: ignore[no-untyped-def]
    token = TOKEN_PREFIX + "x" * 40  # well-formed, so it is looked up in the store
    resp = dead_client.get("/api/v1/leads", headers={"Authorization": f"Bearer {token}"})
    _assert_503(resp)
