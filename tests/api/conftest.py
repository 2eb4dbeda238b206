"""Tokens and helpers for the API tests (real app, real store on both engines)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from integration.auth import create_token


@dataclass
class Tokens:
    admin: dict[str, str]
    lv: dict[str, str]
    ee: dict[str, str]


@pytest.fixture
def tokens(store) -> Tokens:  # type: ignore[no-untyped-def]
    def header(name: str, partner: str | None) -> dict[str, str]:
        with store.session() as s:
            _, secret = create_token(s, name, partner)
        return {"Authorization": f"Bearer {secret}"}

    return Tokens(admin=header("admin", None), lv=header("lv", "lv"), ee=header("ee", "ee"))


@pytest.fixture
def make_lead(client, tokens):  # type: ignore[no-untyped-def]
    counter = iter(range(1, 10_000))

    def make(partner: str = "lv", **fields: Any) -> dict[str, Any]:
        n = next(counter)
        body = {
            "partner": partner,
            "company_name": f"Firm {n}",
            "country": {"lv": "LV", "ee": "EE", "fi": "FI"}.get(partner, "AZ"),
            "sector": "ict",
            "email": f"contact{n}@firm{n}.example.com",
            **fields,
        }
        resp = client.post("/api/v1/leads", json=body, headers=tokens.admin)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    return make
