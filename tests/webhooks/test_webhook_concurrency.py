"""50 identical deliveries at once, over real HTTP: exactly one lead."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from integration.store.models import AuditEntry, Lead, SyncRequest, WebhookDelivery
from integration.webhooks.signatures import standard_headers

N = 50


def _signed(secret: str, message_id: str, body: bytes) -> tuple[bytes, dict[str, str]]:
    """A form delivery: its body and its signed headers."""
    headers = {**standard_headers(secret, message_id, body), "Content-Type": "application/json"}
    return body, headers


def _deliver_at_once(
    live_url: str, deliveries: list[tuple[bytes, dict[str, str]]]
) -> list[tuple[int, dict]]:
    """POST each (body, headers) to LV's form webhook, all released at the same
    moment; each answer's status and JSON body."""
    barrier = threading.Barrier(len(deliveries))

    def deliver(delivery: tuple[bytes, dict[str, str]]) -> tuple[int, dict]:
        body, headers = delivery
        with requests.Session() as http:
            barrier.wait(timeout=30)
            resp = http.post(
                f"{live_url}/webhooks/forms/lv", data=body, headers=headers, timeout=60
            )
            return resp.status_code, resp.json()

    with ThreadPoolExecutor(len(deliveries)) as pool:
        return list(pool.map(deliver, deliveries))


def test_fifty_concurrent_identical_deliveries_create_one_lead(live_url, lv_secret, store) -> None:
    body = json.dumps(
        {"company_name": "SIA Vienreiz", "country": "LV", "sector": "ict", "email": "x@v.lv"}
    ).encode()
    results = _deliver_at_once(live_url, [_signed(lv_secret, "msg_concurrent", body)] * N)
    statuses = {status for status, _ in results}
    assert statuses == {201}, results[:3]
    ids = {body["id"] for _, body in results}
    assert len(ids) == 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 1
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
        assert s.scalar(select(func.count()).select_from(SyncRequest)) == 1
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_concurrent_submissions_of_one_firm_make_one_lead(live_url, lv_secret, store) -> None:
    """Different deliveries (two forms, a retry with a new id) for the same firm
    at the same moment: one lead, the others merged into it."""
    n = 16
    deliveries = [
        _signed(
            lv_secret,
            f"msg_firm_{i}",
            json.dumps(
                {
                    "company_name": f"SIA Viena {i}",
                    "country": "LV",
                    "sector": "ict",
                    "registration_code": "40003521600",
                }
            ).encode(),
        )
        for i in range(n)
    ]
    results = _deliver_at_once(live_url, deliveries)
    assert sorted(status for status, _ in results) == [200] * (n - 1) + [201]
    assert len({body["id"] for _, body in results}) == 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 1
