"""Fixtures shared by the end-to-end reliability and security tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

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
def live(app: Any) -> Iterator[str]:
    """The app behind a real threaded HTTP server on loopback."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
