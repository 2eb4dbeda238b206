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


def test_fifty_concurrent_identical_deliveries_create_one_lead(live_url, lv_secret, store) -> None:
    body = json.dumps(
        {"company_name": "SIA Vienreiz", "country": "LV", "sector": "ict", "email": "x@v.lv"}
    ).encode()
    headers = {
        **standard_headers(lv_secret, "msg_concurrent", body),
        "Content-Type": "application/json",
    }
    barrier = threading.Barrier(N)

    def deliver(_: int) -> tuple[int, dict]:
        with requests.Session() as http:
            barrier.wait(timeout=30)
            resp = http.post(
                f"{live_url}/webhooks/forms/lv", data=body, headers=headers, timeout=60
            )
            return resp.status_code, resp.json()

    with ThreadPoolExecutor(N) as pool:
        results = list(pool.map(deliver, range(N)))
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
    barrier = threading.Barrier(n)

    def deliver(i: int) -> tuple[int, dict]:
        body = json.dumps(
            {
                "company_name": f"SIA Viena {i}",
                "country": "LV",
                "sector": "ict",
                "registration_code": "40003521600",
            }
        ).encode()
        headers = {
            **standard_headers(lv_secret, f"msg_firm_{i}", body),
            "Content-Type": "application/json",
        }
        with requests.Session() as http:
            barrier.wait(timeout=30)
            resp = http.post(
                f"{live_url}/webhooks/forms/lv", data=body, headers=headers, timeout=60
            )
            return resp.status_code, resp.json()

    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(deliver, range(n)))
    assert sorted(status for status, _ in results) == [200] * (n - 1) + [201]
    assert len({body["id"] for _, body in results}) == 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 1
