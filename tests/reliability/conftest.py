"""Fixtures shared by the end-to-end reliability and security tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def live(live_url: str) -> str:
    """The app over real HTTP: the suite's ``live_url``, under the short name the
    reliability tests use."""
    return live_url
