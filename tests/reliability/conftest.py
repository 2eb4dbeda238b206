"""Fixtures shared by the end-to-end reliability and security tests."""

from __future__ import annotations

from typing import Any

import pytest

from integration.auth import create_token


@pytest.fixture
def live(live_url: str) -> str:
    """The app over real HTTP: the suite's ``live_url``, under the short name the
    reliability tests use."""
    return live_url


@pytest.fixture
def auth(store: Any) -> dict[str, dict[str, str]]:
    """Bearer headers of LV's, EE's and an admin's API tokens."""
    out = {}
    with store.session() as s:
        for who in ("lv", "ee"):
            out[who] = {"Authorization": f"Bearer {create_token(s, who, partner=who)[1]}"}
        out["admin"] = {"Authorization": f"Bearer {create_token(s, 'admin', partner=None)[1]}"}
    return out
