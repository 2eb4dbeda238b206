"""Redirect gspread's traffic to a local Sheets emulator.

gspread accepts any ``requests.Session`` through its supported ``session=``
parameter; :class:`EmulatorSession` rewrites ``https://sheets.googleapis.com``
and ``https://www.googleapis.com`` to ``http://<emulator host>`` and sends a
bearer token, the convention of Google's own emulators (``PUBSUB_EMULATOR_HOST``,
``FIRESTORE_EMULATOR_HOST``).  gspread itself is not patched.  The host is a
parameter: the service reads ``SHEETS_EMULATOR_HOST`` in its configuration.
"""

from __future__ import annotations

from typing import Any

import requests

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")


def rewrite_url(url: str, host: str) -> str:
    """Point a Google API URL at the emulator; other URLs are left alone."""
    base = host if host.startswith(("http://", "https://")) else f"http://{host}"
    base = base.rstrip("/")
    for google in GOOGLE_HOSTS:
        if url.startswith(google):
            return base + url[len(google) :]
    return url


class EmulatorSession(requests.Session):
    """A requests session that talks to the emulator instead of Google."""

    def __init__(self, host: str, token: str = "emulator-token") -> None:
        super().__init__()
        self.emulator_host = host
        self.trust_env = False  # never send emulator traffic through a proxy
        self.headers["Authorization"] = f"Bearer {token}"

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if isinstance(url, bytes):
            url = url.decode()
        if isinstance(method, bytes):
            method = method.decode()
        return super().request(method, rewrite_url(url, self.emulator_host), *args, **kwargs)
