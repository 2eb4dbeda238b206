"""The app factory over real HTTP (a threaded server on loopback), on both engines:
its probes, and a dashboard session that two workers both honour."""

from __future__ import annotations

import re
from dataclasses import replace
from http.cookies import SimpleCookie

import requests
from live_server import serving

from integration import create_app
from integration.auth import create_token


def test_healthz_and_readyz(live_url: str, http: requests.Session) -> None:
    health = http.get(f"{live_url}/healthz", timeout=10)
    assert health.status_code == 200
    assert health.headers["Content-Type"].startswith("application/json")
    assert health.json() == {"status": "ok"}
    ready = http.get(f"{live_url}/readyz", timeout=10)
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"store": "ok", "migrations": "ok", "writes": "ok"}
    assert ready.json()["store"] in ("sqlite", "postgresql")  # the engine, not its place


def _session_cookie(answer: requests.Response) -> str:
    """``name=value`` of the session cookie an answer sets (sent back by hand:
    the cookie is ``Secure`` and these servers speak plain HTTP)."""
    jar: SimpleCookie = SimpleCookie()
    for header in answer.raw.headers.getlist("Set-Cookie"):
        jar.load(header)
    assert len(jar) == 1, list(jar)
    (morsel,) = jar.values()
    return f"{morsel.key}={morsel.value}"


def test_cookie_key_is_shared_by_workers_without_crm_secret_key(config, store, http) -> None:  # type: ignore[no-untyped-def]
    """Two app instances (two gunicorn workers) on one instance folder sign
    sessions with the same key, so a dashboard sign-in made through one worker
    is honoured by the other on the next request."""
    bare = replace(config, secret_key=None)
    first, second = create_app(bare, store=store), create_app(bare, store=store)
    with store.session() as s:
        _token, secret = create_token(s, "lv staff", "lv")
    with serving(first) as one, serving(second) as other:
        page = http.get(f"{one}/dashboard/signin", timeout=10)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert page.status_code == 200 and csrf
        signed_in = http.post(
            f"{one}/dashboard/signin",
            data={"token": secret, "csrf_token": csrf.group(1)},
            headers={"Cookie": _session_cookie(page)},
            allow_redirects=False,
            timeout=10,
        )
        assert signed_in.status_code == 302, signed_in.text
        cookie = _session_cookie(signed_in)
        overview = http.get(
            f"{other}/dashboard/", headers={"Cookie": cookie}, allow_redirects=False, timeout=10
        )
        assert overview.status_code == 200 and "lv staff" in overview.text
        # without the cookie the same page asks for a sign-in: the cookie did it
        http.cookies.clear()
        anonymous = http.get(f"{other}/dashboard/", allow_redirects=False, timeout=10)
        assert anonymous.status_code == 302
    key_file = config.instance_path / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
