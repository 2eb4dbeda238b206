"""The ``errors`` of a refused sync request and a bad Idempotency-Key keep the
wire shape clients read, ``{field, code, message}`` in English, whatever
language the reader asks for: the catalog makes the sentence, the wire stays."""

from __future__ import annotations

from api_helpers import problem


def test_a_refused_sync_request_lists_each_field_as_clients_always_read_it(client, tokens) -> None:
    body = {
        "partner": "zz",
        "tab": "x",
        "reason": "r" * 151,
        "accept_deletions": "yes",
        "extra": 1,
    }
    headers = {**tokens.admin, "Accept-Language": "lv"}
    found = problem(client.post("/api/v1/sync", json=body, headers=headers), 422)
    assert found["detail"] == "The sync request is not valid."
    assert found["errors"] == [
        {"field": "partner", "code": "enum", "message": "unknown partner code"},
        {"field": "tab", "code": "enum", "message": "must be leads or agreements"},
        {"field": "reason", "code": "type", "message": "at most 150 characters"},
        {"field": "accept_deletions", "code": "type", "message": "true or false"},
        {"field": "extra", "code": "unknown_field", "message": "unknown field"},
    ]


def test_a_bad_idempotency_key_is_one_english_entry(client, tokens) -> None:
    headers = {**tokens.admin, "Idempotency-Key": "x" * 300, "Accept-Language": "fi"}
    found = problem(client.post("/api/v1/leads", json={}, headers=headers), 400)
    assert found["errors"] == [
        {"field": "Idempotency-Key", "code": "invalid", "message": "bad key"}
    ]


def test_a_store_field_in_a_body_is_refused_in_english_as_always(client, tokens) -> None:
    body = {"company_name": "X", "country": "LV", "sector": "ict", "id": "L-000009"}
    headers = {**tokens.lv, "Accept-Language": "lv"}
    found = problem(client.post("/api/v1/leads", json=body, headers=headers), 422)
    text = "id is set by the store and cannot be written."
    assert found["errors"] == [
        {"field": "id", "code": "read_only", "message": text, "messages": {"en": text}}
    ]
