"""Typeform form_response deliveries, with a partner's field map."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from integration import create_app
from integration.store.models import Lead, WebhookDelivery
from integration.webhooks.signatures import typeform_header

FIELD_MAP = {"company": "company_name", "land": "country", "area": "sector", "mail": "email"}


def typeform_payload(
    event_id: str = "LtWXD3crgy", email: str = "eva@example.ee", age: timedelta = timedelta(0)
) -> dict:
    """Shaped like Typeform's documented example delivery, submitted ``age`` ago."""
    submitted = datetime.now(UTC) - age
    return {
        "event_id": event_id,
        "event_type": "form_response",
        "form_response": {
            "form_id": "lT4Z3j",
            "token": "a3a12ec67a1365927098a606107fac15",
            "submitted_at": submitted.isoformat().replace("+00:00", "Z"),
            "landed_at": (submitted - timedelta(minutes=10)).isoformat().replace("+00:00", "Z"),
            "hidden": {"utm_source": "forum"},
            "definition": {
                "id": "lT4Z3j",
                "title": "Meet the Baku B2B forum",
                "fields": [
                    {"id": "f1", "title": "Firm", "type": "short_text", "ref": "company"},
                    {"id": "f2", "title": "Country", "type": "dropdown", "ref": "land"},
                    {"id": "f3", "title": "Sector", "type": "multiple_choice", "ref": "area"},
                    {"id": "f4", "title": "E-mail", "type": "email", "ref": "mail"},
                    {"id": "f5", "title": "Telefon", "type": "phone_number", "ref": "tel"},
                    {"id": "f6", "title": "Consent", "type": "yes_no", "ref": "ok"},
                ],
            },
            "answers": [
                {
                    "type": "text",
                    "text": "OÜ Puit",
                    "field": {"id": "f1", "type": "short_text", "ref": "company"},
                },
                {
                    "type": "choice",
                    "choice": {"label": "Estonia"},
                    "field": {"id": "f2", "type": "dropdown", "ref": "land"},
                },
                {
                    "type": "choice",
                    "choice": {"label": "Green tech"},
                    "field": {"id": "f3", "type": "multiple_choice", "ref": "area"},
                },
                {
                    "type": "email",
                    "email": email,
                    "field": {"id": "f4", "type": "email", "ref": "mail"},
                },
                {
                    "type": "phone_number",
                    "phone_number": "+3725123456",
                    "field": {"id": "f5", "type": "phone_number", "ref": "tel"},
                },
                {
                    "type": "boolean",
                    "boolean": True,
                    "field": {"id": "f6", "type": "yes_no", "ref": "ok"},
                },
            ],
        },
    }


@pytest.fixture
def tf_client(config, store):  # type: ignore[no-untyped-def]
    partners = dict(config.partners)
    partners["lv"] = replace(partners["lv"], typeform_fields=FIELD_MAP)
    return create_app(replace(config, partners=partners), store=store).test_client()


def post(client, payload, secret: str):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    return client.post(
        "/webhooks/forms/lv",
        data=body,
        headers={"Typeform-Signature": typeform_header(secret, body)},
        content_type="application/json",
    )


def test_typeform_delivery_maps_fields_and_titles(tf_client, lv_secret, store) -> None:
    resp = post(tf_client, typeform_payload(), lv_secret)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    # Unmapped questions are matched by title ("Telefon" is a phone alias; "Consent" is not).
    with store.session() as s:
        lead = s.get(Lead, body["id"])
        assert lead.data["company_name"] == "OÜ Puit"
        assert lead.data["country"] == "EE"
        assert lead.data["sector"] == "green_tech"
        assert lead.data["email"] == "eva@example.ee"
        assert s.get(WebhookDelivery, ("lv", "LtWXD3crgy")).status_code == 201
    assert "utm_source" in body["ignored"]


def test_typeform_event_id_makes_retries_idempotent(tf_client, lv_secret, store) -> None:
    payload = typeform_payload("evt-1")
    first = post(tf_client, payload, lv_secret)
    again = post(tf_client, payload, lv_secret)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 1


def test_typeform_bad_signature_is_401(tf_client, store) -> None:
    resp = post(tf_client, typeform_payload(), "not-the-secret")
    assert resp.status_code == 401
    assert resp.mimetype == "application/problem+json"
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 0


def test_typeform_without_event_id_is_400(tf_client, lv_secret) -> None:
    payload = typeform_payload()
    del payload["event_id"]
    assert post(tf_client, payload, lv_secret).status_code == 400


def test_typeform_other_event_types_are_acknowledged(tf_client, lv_secret, store) -> None:
    payload = typeform_payload()
    payload["event_type"] = "form_partial_response"
    resp = post(tf_client, payload, lv_secret)
    assert resp.status_code == 200 and resp.get_json()["status"] == "ignored"
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 0


def test_typeform_delivery_older_than_the_replay_window_is_refused(
    tf_client, lv_secret, store
) -> None:
    """Its signature has no timestamp: a captured delivery replayed later (after
    its delivery id was pruned) is refused by its submitted_at, and stores nothing."""
    old = post(tf_client, typeform_payload("evt-old", age=timedelta(days=3)), lv_secret)
    assert old.status_code == 401 and old.mimetype == "application/problem+json"
    fresh = post(tf_client, typeform_payload("evt-new", age=timedelta(days=1)), lv_secret)
    assert fresh.status_code == 201, fresh.get_json()
    payload = typeform_payload("evt-none")
    del payload["form_response"]["submitted_at"]
    assert post(tf_client, payload, lv_secret).status_code == 400
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 1
        assert s.get(WebhookDelivery, ("lv", "evt-old")) is None
