"""Hostile input stops at one boundary: a corpus of bodies and query values that
Python's parsers accept but the store, the sync or a page cannot hold, applied
to every JSON body and every query parameter ``/openapi.json`` names, on both
engines. Each is a 400 problem document that says what is wrong (and, for a
query parameter, names it); none is a 500 and none changes the store."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from api_helpers import problem
from sqlalchemy import func, select

from integration.store.models import Lead, QuarantineEntry, WebhookDelivery
from integration.webhooks.signatures import standard_headers

# -------------------------------------------------------------------- bodies

#: (label, raw body, a word the problem's detail must use)
HOSTILE_BODIES: list[tuple[str, bytes, str]] = [
    ("lone low surrogate", b'{"notes": "x\\udfff"}', "surrogate"),
    ("lone high surrogate in a key", b'{"x\\ud800": "y"}', "surrogate"),
    ("surrogate pair reversed", b'{"notes": "\\udfff\\ud800"}', "surrogate"),
    ("NUL", b'{"notes": "a\\u0000b"}', "NUL"),
    ("non-character", b'{"notes": "a\\uffffb"}', "non-character"),
    ("NaN", b'{"value": NaN}', "NaN"),
    ("Infinity", b'{"value": Infinity}', "Infinity"),
    ("-Infinity", b'{"value": -Infinity}', "Infinity"),
    ("float overflow", b'{"value": 1e999}', "too large"),
    ("integer past 64 bits", b'{"value": 18446744073709551616}', "too large"),
    ("integer of 5000 digits", b'{"value": ' + b"9" * 5000 + b"}", "too large"),
    ("nested 40 levels", b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}", "nested"),
    ("nested 400 levels", b'{"a": ' + b'{"b": ' * 400 + b"1" + b"}" * 400 + b"}", "nested"),
    ("nested 100000 levels", b"[" * 100_000 + b"]" * 100_000, "nested"),
]


def _spec(client: Any, tokens: Any) -> dict[str, Any]:
    resp = client.get("/openapi.json", headers=tokens.admin)
    assert resp.status_code == 200
    return resp.get_json()


def _concrete(path: str) -> str:
    """A URL for a templated path; bodies are read before any look-up, so ids
    need not exist (a real partner code is needed for the webhook routes)."""
    return (
        path.replace("/leads/{id}", "/leads/L-000001")
        .replace("/agreements/{id}", "/agreements/A-000001")
        .replace("{partner}", "lv")
        .replace("{id}", "1")
    )


def _body_operations(spec: dict[str, Any]) -> list[tuple[str, str, str]]:
    out = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if not isinstance(op, dict) or "requestBody" not in op:
                continue
            media = list(op["requestBody"].get("content", {"application/json": {}}))
            out.append((method.upper(), path, media[0]))
    return out


def _count(store: Any, model: Any) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_every_json_body_refuses_the_hostile_corpus(client, store, tokens, config) -> None:
    operations = _body_operations(_spec(client, tokens))
    named = {(m, p) for m, p, _ in operations}
    # the openapi document must keep naming every body route we read
    assert ("PATCH", "/api/v1/leads/{id}") in named
    assert ("POST", "/webhooks/forms/{partner}") in named
    assert ("POST", "/webhooks/sheets/{partner}") in named
    assert ("POST", "/api/v1/quarantine/{id}/replay") in named
    before = {m: _count(store, m) for m in (Lead, QuarantineEntry, WebhookDelivery)}
    secret = config.environ["LV_WEBHOOK_SECRET"]
    for method, path, media in operations:
        url = _concrete(path)
        for label, body, word in HOSTILE_BODIES:
            headers = {"Content-Type": media}
            if path.startswith("/webhooks/"):
                headers.update(standard_headers(secret, f"msg_{uuid.uuid4().hex}", body))
            else:
                headers.update(tokens.admin)
            resp = client.open(url, method=method, data=body, headers=headers)
            where = f"{method} {path} with {label}"
            assert resp.status_code == 400, (where, resp.get_data(as_text=True)[:300])
            doc = problem(resp, 400)
            assert doc["type"].endswith("/malformed-json"), where
            assert word.lower() in doc["detail"].lower(), (where, doc["detail"])
            if word in ("surrogate", "NUL", "non-character"):
                # text problems say where: the field as a JSON pointer
                assert doc["errors"][0]["field"] in ("notes", "x\ufffd"), (where, doc)
    after = {m: _count(store, m) for m in (Lead, QuarantineEntry, WebhookDelivery)}
    assert after == before, "a refused body must change nothing"


def test_bodies_just_inside_the_limits_are_read(client, tokens) -> None:
    """The limits refuse what cannot be stored, not ordinary JSON: 2**63-1,
    a finite float, 30 levels and every plane's real characters pass the reader
    (and then meet the API's own validation)."""
    fine = {
        "company_name": "SIA Ā😀 \ufffd",
        "country": "LV",
        "sector": "ict",
        "partner": "lv",
        "notes": json.dumps({"n": 2**63 - 1, "f": 1.5e308}),
    }
    resp = client.post("/api/v1/leads", json=fine, headers=tokens.admin)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["company_name"] == "SIA Ā😀 \ufffd"
    deep = b'{"data": ' + b'{"a": ' * 30 + b"1" + b"}" * 30 + b"}"
    resp = client.post(
        "/api/v1/quarantine/1/replay",
        data=deep,
        headers={**tokens.admin, "Content-Type": "application/json"},
    )
    assert resp.status_code == 404, resp.get_data(as_text=True)  # read, then no such entry


# ---------------------------------------------------------- query parameters


def _cursor(position: Any) -> str:
    raw = json.dumps({"after": position}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


#: Values for any query parameter: each is either accepted or a 400 naming it.
ANY_VALUE = [
    "\x00",
    "a\x00b",
    "x" * 5000,
    "\ufffe",
    "\U0010ffff",
    "'; DROP TABLE leads; --",
    "%",
    "-1",
    "99999999999999999999999999",
    "NaN",
    "",
    " ",
    "1e400",
    "0001-01-01T00:00:00+23:59",
]

#: Values that are out of range for the parameter: always a 400 naming it.
OUT_OF_RANGE: dict[str, list[str]] = {
    "cursor": [
        _cursor(2**31),
        _cursor(2**64),
        _cursor(-(2**70)),
        _cursor(2**63),
        _cursor("\ud800"),
        _cursor("a\x00"),
        _cursor(True),
        _cursor(1.5),
        "not-a-cursor!",
    ],
    "limit": ["0", "-1", "201", "99999999999999999999999999", "1e3", "NaN"],
    "updated_since": [
        "0001-01-01T00:00:00+23:59",
        "0001-01-01T00:00:00+18:00",
        "9999-12-31T23:59:59-18:00",
        "9999-12-31T23:59:59-23:59",
        "2025-01-01T00:00:00+18:01",
        "2025-01-01T00:00:00-19:00",
        "2025-13-01T00:00:00Z",
        "yesterday",
    ],
    "include_archived": ["maybe", "\x00"],
}

#: Values at the edge of the range that must be accepted.
IN_RANGE: dict[str, list[str]] = {
    "cursor": [_cursor(2**31 - 1), _cursor(0)],
    "limit": ["1", "200"],
    "updated_since": [
        "2025-01-01T00:00:00+18:00",
        "2025-01-01T00:00:00-18:00",
        "0001-01-01T18:00:00+18:00",
        "9999-12-31T00:00:00-18:00",
        "2025-01-01T00:00:00Z",
        "2025-01-01",
    ],
}


def _query_operations(spec: dict[str, Any]) -> list[tuple[str, list[str]]]:
    out = []
    for path, ops in spec["paths"].items():
        op = ops.get("get")
        if not isinstance(op, dict):
            continue
        names = [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]
        if names:
            out.append((path, names))
    return out


def _get(client: Any, tokens: Any, path: str, name: str, value: str) -> Any:
    return client.get(_concrete(path), query_string={name: value}, headers=tokens.admin)


def test_every_query_parameter_is_range_checked(client, tokens, make_lead) -> None:
    make_lead("lv")
    operations = _query_operations(_spec(client, tokens))
    names = {name for _, params in operations for name in params}
    assert {"cursor", "limit", "updated_since", "q", "partner"} <= names
    for path, params in operations:
        for name in params:
            for value in ANY_VALUE:
                resp = _get(client, tokens, path, name, value)
                where = f"GET {path}?{name}={value[:40]!r}"
                assert resp.status_code in (200, 400), (where, resp.get_data(as_text=True)[:300])
                if resp.status_code == 400:
                    doc = problem(resp, 400)
                    assert doc["errors"][0]["field"] == name, (where, doc)
                    assert name in doc["detail"], (where, doc)
            for value in OUT_OF_RANGE.get(name, []):
                resp = _get(client, tokens, path, name, value)
                doc = problem(resp, 400)
                assert doc["errors"][0]["field"] == name, (path, name, value, doc)
            for value in IN_RANGE.get(name, []):
                resp = _get(client, tokens, path, name, value)
                assert resp.status_code == 200, (path, name, value, resp.get_json())


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("0001-01-01T00:00:00+23:59", "offset"),
        ("0001-01-01T00:00:00+18:00", "out of range"),
        ("9999-12-31T23:59:59-18:00", "out of range"),
    ],
)
def test_datetime_outside_utc_range_says_why(client, tokens, value: str, reason: str) -> None:
    doc = problem(
        client.get("/api/v1/leads", query_string={"updated_since": value}, headers=tokens.admin),
        400,
    )
    assert doc["errors"][0]["field"] == "updated_since"
    assert reason in doc["detail"], doc
