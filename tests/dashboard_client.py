"""Signing in to the dashboard through Flask's test client, as the sign-in form
does (CSRF token from the page, then the token), for any test folder."""

from __future__ import annotations

import re
from typing import Any

#: The test client's address: HTTPS, so the Secure session cookie is sent back.
BASE = "https://localhost"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def sign_in(web: Any, secret: str) -> Any:
    page = web.get("/dashboard/signin", base_url=BASE)
    return web.post(
        "/dashboard/signin",
        data={"token": secret, "csrf_token": csrf_of(page.text)},
        base_url=BASE,
    )
