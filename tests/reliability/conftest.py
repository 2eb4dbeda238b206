"""Fixtures shared by the end-to-end reliability and security tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A requests session that ignores proxy settings (the app is on loopback)."""
    s = requests.Session()
    s.trust_env = False
    yield s
    s.close()


@pytest.fixture
def live(live_url: str) -> str:
    """The app over real HTTP: the suite's ``live_url``, under the short name the
    reliability tests use."""
    return live_url
