"""Dashboard sessions end on the server, over real HTTP on both stores: after
sign-out, a copy of the session cookie opens no page, no CSV export and
requests no sync; a token's expiry ends its sessions and its API use alike, and
the dashboard shows when the signed-in token expires. A ``next`` address with
control characters (a header injection) is a 400, not a 500."""

from __future__ import annotations

import re
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import func, select

from integration.auth import create_token, verify_token
from integration.store.models import ApiToken, SyncRequest, utcnow


def _cookie(answer: requests.Response) -> str:
    jar: SimpleCookie = SimpleCookie()
    for header in answer.raw.headers.getlist("Set-Cookie"):
        jar.load(header)
    (morsel,) = jar.values()
    return f"{morsel.key}={morsel.value}"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1)


def _sign_in(http: requests.Session, url: str, secret: str) -> tuple[str, str]:
    """Sign in by the form; the session cookie and its CSRF token."""
    page = http.get(f"{url}/dashboard/signin", timeout=10)
    answer = http.post(
        f"{url}/dashboard/signin",
        data={"token": secret, "csrf_token": _csrf(page.text)},
        headers={"Cookie": _cookie(page)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:300]
    cookie = _cookie(answer)
    overview = _get(http, f"{url}/dashboard/", cookie)
    assert overview.status_code == 200
    return cookie, _csrf(overview.text)


def _get(http: requests.Session, url: str, cookie: str) -> requests.Response:
    return http.get(url, headers={"Cookie": cookie}, allow_redirects=False, timeout=10)


def _sync_requests(store) -> int:  # type: ignore[no-untyped-def]
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(SyncRequest)) or 0


def test_a_copied_cookie_is_dead_after_sign_out(live_url, http, store) -> None:  # type: ignore[no-untyped-def]
    with store.session() as s:
        _row, secret = create_token(s, "lv staff", "lv")
    cookie, csrf = _sign_in(http, live_url, secret)
    copy = cookie  # what an attacker took from the browser
    assert _get(http, f"{live_url}/dashboard/sync.csv", copy).status_code == 200
    out = http.post(
        f"{live_url}/dashboard/signout",
        data={"csrf_token": csrf},
        headers={"Cookie": cookie},
        allow_redirects=False,
        timeout=10,
    )
    assert out.status_code == 302
    for page in ("/dashboard/", "/dashboard/leads", "/dashboard/sync.csv", "/dashboard/fix.csv"):
        answer = _get(http, f"{live_url}{page}", copy)
        assert answer.status_code == 302 and "/dashboard/signin" in answer.headers["Location"], page
    before = _sync_requests(store)
    asked = http.post(
        f"{live_url}/dashboard/sync/lv",
        data={"csrf_token": csrf},
        headers={"Cookie": copy},
        allow_redirects=False,
        timeout=10,
    )
    assert asked.status_code in (302, 400), asked.status_code
    assert _sync_requests(store) == before


def test_token_expiry_ends_sessions_and_api_use(live_url, http, store) -> None:  # type: ignore[no-untyped-def]
    with store.session() as s:
        expires = utcnow() + timedelta(days=90)
        row, secret = create_token(s, "ee staff", "ee", expires)
        token_id = row.id
    cookie, _csrf_token = _sign_in(http, live_url, secret)
    page = _get(http, f"{live_url}/dashboard/", cookie)
    # in the partner's language (Estonian), with the date
    shown = re.search(r'<span class="expires">([^<]*)</span>', page.text)
    assert shown and "kehtib kuni" in shown[1] and f"{expires:%Y-%m-}" in shown[1], shown
    api = {"Authorization": f"Bearer {secret}"}
    assert http.get(f"{live_url}/api/v1/leads", headers=api, timeout=10).status_code == 200
    with store.session() as s:
        s.get(ApiToken, token_id).expires_at = utcnow() - timedelta(seconds=1)
    assert _get(http, f"{live_url}/dashboard/", cookie).status_code == 302
    assert http.get(f"{live_url}/api/v1/leads", headers=api, timeout=10).status_code == 401
    with store.session() as s:
        assert verify_token(s, secret) is None


@pytest.mark.parametrize("page", ["/dashboard/language", "/dashboard/signin"])
def test_next_with_control_characters_is_a_400(live_url, http, page: str) -> None:  # type: ignore[no-untyped-def]
    answer = http.get(
        f"{live_url}{page}?lang=lv&next=/%0D%0ALocation:%20https://evil.example/",
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 400
    assert "evil.example" not in answer.headers.get("Location", "")


def test_tokens_create_with_an_expiry(config, store) -> None:  # type: ignore[no-untyped-def]
    from integration.cli import cli

    runner = CliRunner()
    args = ["--config", str(config.config_path), "--database-url", store.url, "tokens"]
    made = runner.invoke(cli, [*args, "create", "--partner", "lv", "--expires", "90d"])
    assert made.exit_code == 0, made.output
    assert "expires " in made.output
    with store.session() as s:
        (row,) = s.scalars(select(ApiToken)).all()
        left = row.expires_at - utcnow()
    assert timedelta(days=89, hours=23) < left <= timedelta(days=90)
    listed = runner.invoke(cli, [*args, "list"])
    assert row.expires_at.strftime("%Y-%m-%d") in listed.output
    bad = runner.invoke(cli, [*args, "create", "--partner", "lv", "--expires", "forever"])
    assert bad.exit_code != 0 and "90d" in bad.output


def test_the_sync_health_page_shows_admins_the_configuration_checks(live_url, http, store) -> None:  # type: ignore[no-untyped-def]
    with store.session() as s:
        _a, admin = create_token(s, "admin")
        _p, partner = create_token(s, "lv staff", "lv")
    cookie, _ = _sign_in(http, live_url, admin)
    page = _get(http, f"{live_url}/dashboard/sync", cookie).text
    assert 'id="config-checks-title"' in page
    lines = " ".join(re.sub(r"<[^>]+>", " ", page).split())  # the partner by name
    assert "webhook secret Latvian Chamber of Commerce and Industry: LV_WEBHOOK_SECRET set" in lines
    # partner staff see their own spreadsheet's checks, not the settings
    cookie, _ = _sign_in(http, live_url, partner)
    staff = _get(http, f"{live_url}/dashboard/sync", cookie).text
    assert re.findall(r'data-check-group="(\w+)"', staff) == ["checks_spreadsheet"]
    assert "webhook secret" not in staff and "LV_WEBHOOK_SECRET" not in staff


def test_a_review_action_on_an_id_beyond_the_store_is_the_dashboard_404(
    live_url, http, store
) -> None:  # type: ignore[no-untyped-def]
    """A signed-in partner posting a review action for an id no integer column can
    hold (a tampered form) got the 500 page and an OverflowError (SQLite) or a
    DataError (PostgreSQL) in the log; the API answers such ids 404, and so does
    the dashboard now, in the reader's language, for every action."""
    with store.session() as s:
        _row, secret = create_token(s, "ee staff", "ee")
    cookie, csrf = _sign_in(http, live_url, secret)
    for path, form in (
        ("/dashboard/fix/quarantine/99999999999999999999", {"action": "merge"}),
        ("/dashboard/fix/quarantine/2147483648", {"action": "dismiss"}),
        ("/dashboard/fix/conflicts/99999999999999999999", {"side": "sheet"}),
    ):
        answer = http.post(
            f"{live_url}{path}",
            data={**form, "csrf_token": csrf},
            headers={"Cookie": cookie},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code == 404, (path, answer.status_code)
        assert 'lang="et"' in answer.text and "Traceback" not in answer.text
