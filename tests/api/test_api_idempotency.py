"""Idempotency-Key on POST, including concurrent retries over real HTTP."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from api_helpers import problem
from sqlalchemy import func, select

from integration.store.models import Lead

BODY = {"company_name": "SIA Vienīgā", "country": "LV", "sector": "ict", "email": "v@v.lv"}


def count_leads(store) -> int:  # type: ignore[no-untyped-def]
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(Lead))


def test_same_key_same_body_replays(client, tokens, store) -> None:
    headers = {**tokens.lv, "Idempotency-Key": "create-1"}
    first = client.post("/api/v1/leads", json=BODY, headers=headers)
    again = client.post("/api/v1/leads", json=BODY, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count_leads(store) == 1


def test_same_key_different_body_is_422(client, tokens, store) -> None:
    headers = {**tokens.lv, "Idempotency-Key": "create-2"}
    assert client.post("/api/v1/leads", json=BODY, headers=headers).status_code == 201
    problem(client.post("/api/v1/leads", json={**BODY, "sector": "other"}, headers=headers), 422)
    assert count_leads(store) == 1


def test_keys_are_per_token(client, tokens, store) -> None:
    ee_body = {**BODY, "country": "EE", "email": "e@e.ee"}
    assert (
        client.post(
            "/api/v1/leads", json=BODY, headers={**tokens.lv, "Idempotency-Key": "k"}
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/api/v1/leads", json=ee_body, headers={**tokens.ee, "Idempotency-Key": "k"}
        ).status_code
        == 201
    )
    assert count_leads(store) == 2


def test_rejected_request_releases_the_key(client, tokens, store) -> None:
    headers = {**tokens.lv, "Idempotency-Key": "fix-and-retry"}
    problem(client.post("/api/v1/leads", json={**BODY, "sector": "x"}, headers=headers), 422)
    assert client.post("/api/v1/leads", json=BODY, headers=headers).status_code == 201


def test_bad_key_is_400(client, tokens) -> None:
    problem(
        client.post(
            "/api/v1/leads", json=BODY, headers={**tokens.lv, "Idempotency-Key": "x" * 300}
        ),
        400,
    )


def test_concurrent_same_key_creates_once(live_url, tokens, store) -> None:
    n = 12
    barrier = threading.Barrier(n)
    headers = {**tokens.lv, "Idempotency-Key": "burst"}

    def send(_: int) -> tuple[int, dict]:
        with requests.Session() as http:
            barrier.wait(timeout=30)
            resp = http.post(f"{live_url}/api/v1/leads", json=BODY, headers=headers, timeout=60)
            return resp.status_code, resp.json()

    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(send, range(n)))
    statuses = [status for status, _ in results]
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    created = {body["id"] for status, body in results if status == 201}
    assert len(created) == 1
    for status, body in results:
        if status == 409:
            assert body["type"].endswith("idempotency-key-in-use")
    assert count_leads(store) == 1


def test_prune_forgets_old_keys_and_deliveries(client, tokens, store) -> None:
    from datetime import timedelta

    from integration.store.models import WebhookDelivery, utcnow
    from integration.store.retention import prune_idempotency_keys as prune_keys
    from integration.store.retention import prune_webhook_deliveries as prune_deliveries

    client.post("/api/v1/leads", json=BODY, headers={**tokens.lv, "Idempotency-Key": "old"})
    with store.session() as s:
        s.add(
            WebhookDelivery(
                partner="lv",
                delivery_id="old",
                source="webhook:lv",
                status_code=201,
                response={},
                received_at=utcnow() - timedelta(days=8),
            )
        )
        s.add(
            WebhookDelivery(
                partner="lv", delivery_id="new", source="webhook:lv", status_code=201, response={}
            )
        )
    with store.session() as s:
        assert prune_deliveries(s) == 1
        assert prune_keys(s) == 0
        assert prune_keys(s, older_than=timedelta(seconds=-1)) == 1
    with store.session() as s:
        assert [d.delivery_id for d in s.scalars(select(WebhookDelivery))] == ["new"]
