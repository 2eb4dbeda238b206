"""Hostile input end to end over real HTTP, one test per finding: a lone
surrogate could stop a partner's sync for good and take pages down; deep
nesting, NaN and out-of-range query values were 500s. On both engines."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from emulator_fixtures import create_spreadsheet
from fast_retry import fast_policy
from live_server import serving
from signed_forms import post_signed_form
from sqlalchemy import select

from integration import create_app
from integration.auth import create_token
from integration.store.models import Lead, QuarantineEntry
from integration.sync.engine import run_sync

HEADER = ["Uzņēmums", "Valsts", "Nozare", "E-pasts", "Piezīmes"]


@dataclasses.dataclass
class Live:
    url: str
    config: Any
    gc: Any
    sid: str
    admin: str
    lv: str


@pytest.fixture
def live(config, store, emulator) -> Iterator[Live]:  # type: ignore[no-untyped-def]
    """LV's sheet in the emulator, the app on a real threaded HTTP server."""
    gc = emulator.client(timeout=10)
    sid = create_spreadsheet(gc, "lv", {"Leads": [HEADER], "Agreements": [["Seller"]]})
    pc = dataclasses.replace(config.partners["lv"], spreadsheet_id=sid)
    cfg = dataclasses.replace(
        config,
        partners={**config.partners, "lv": pc},
        emulator_host=emulator.host_port,
        environ={**config.environ, "CRM_INSECURE_COOKIES": "1"},
    )
    with store.session() as s:
        _, admin = create_token(s, "admin", None)
        _, lv = create_token(s, "lv", "lv")
    with serving(create_app(cfg, store=store)) as url:
        yield Live(url, cfg, gc, sid, admin, lv)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def raw_json(http: requests.Session, method: str, url: str, body: bytes, **headers: str) -> Any:
    return http.request(
        method, url, data=body, headers={"Content-Type": "application/json", **headers}, timeout=20
    )


def signed_form(http: requests.Session, live: Live, body: bytes) -> requests.Response:
    secret = live.config.environ["LV_WEBHOOK_SECRET"]
    return post_signed_form(http.post, f"{live.url}/webhooks/forms/lv", secret, body, timeout=20)


def assert_400(resp: requests.Response, word: str) -> dict[str, Any]:
    assert resp.status_code == 400, resp.text[:300]
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    doc = resp.json()
    assert word.lower() in doc["detail"].lower(), doc
    return doc


def dashboard(http: requests.Session, live: Live, token: str) -> requests.Session:
    """A dashboard session signed in with ``token`` (CSRF and cookie as a browser)."""
    session = requests.Session()
    session.trust_env = False
    page = session.get(f"{live.url}/dashboard/signin", timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    resp = session.post(
        f"{live.url}/dashboard/signin",
        data={"token": token, "csrf_token": csrf.group(1)},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text[:300]
    return session


def sync(live: Live, store: Any) -> Any:
    report = run_sync(live.config, store, "lv", tab="leads", client=live.gc, retry=fast_policy())
    assert report.ok, report.tabs[0].error
    return report.tabs[0]


def test_finding5_a_lone_surrogate_never_stops_a_sync_a_page_or_an_export(
    live, http, store
) -> None:
    # the API refuses it (it answered 200 and stored it)
    lead = http.post(
        f"{live.url}/api/v1/leads",
        json={"partner": "lv", "company_name": "SIA Virsma", "country": "LV", "sector": "ict"},
        headers=bearer(live.lv),
        timeout=10,
    ).json()
    body = b'{"notes": "x\\udfff"}'
    resp = raw_json(
        http,
        "PATCH",
        f"{live.url}/api/v1/leads/{lead['id']}",
        body,
        **bearer(live.lv),
    )
    doc = assert_400(resp, "surrogate")
    assert doc["errors"][0]["field"] == "notes"
    got = http.get(f"{live.url}/api/v1/leads/{lead['id']}", headers=bearer(live.lv), timeout=10)
    assert got.json().get("notes") is None
    # a signed form refuses it (it answered 500)
    form = b'{"company_name": "SIA Forma", "country": "LV", "sector": "ict", "notes": "\\ud800"}'
    assert_400(signed_form(http, live, form), "surrogate")
    # the sheet can hold one: one valid row, one invalid row (quarantined)
    ws = live.gc.open_by_key(live.sid).worksheet("Leads")
    ws.update(
        [
            ["SIA Šūna", "LV", "IKT", "suna@suna.lv", "x\udfff y\ufffe"],
            ["SIA Kļūda \ud800", "LV", "IKT", "not an e-mail \udc00", "z"],
        ],
        "A2",
        value_input_option="RAW",
    )
    first = sync(live, store)
    assert first.counts["created"] == 1 and first.counts["invalid"] == 1, first.counts
    again = sync(live, store)
    assert again.cells_written == 0, again.counts
    with store.session() as s:
        stored = s.scalars(select(Lead).where(Lead.partner == "lv")).all()
        cell = next(lead for lead in stored if lead.data["company_name"] == "SIA Šūna")
        assert cell.data["notes"] == "x\ufffd y\ufffd"
        entry = s.scalars(select(QuarantineEntry)).one()
        assert "\ufffd" in json.dumps(entry.raw, ensure_ascii=False)
        cell_id = cell.id
    # every page that shows them works, for the partner and for staff
    for token in (live.lv, live.admin):
        web = dashboard(http, live, token)
        page = web.get(f"{live.url}/dashboard/leads/{cell_id}", timeout=10)
        assert page.status_code == 200 and "x\ufffd y\ufffd" in page.text
        fix = web.get(f"{live.url}/dashboard/fix", timeout=10)
        assert fix.status_code == 200 and "SIA Kļūda \ufffd" in fix.text
        export = web.get(f"{live.url}/dashboard/leads.csv", timeout=10)
        assert export.status_code == 200
        assert cell_id in export.text and lead["id"] in export.text
        assert web.get(f"{live.url}/dashboard/leads", timeout=10).status_code == 200


def _cursor(position: Any) -> str:
    raw = json.dumps({"after": position}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_finding6_deep_nesting_nan_big_cursors_and_offsets_are_400s(live, http) -> None:
    deep = b'{"company_name": ' + b'{"a": ' * 300 + b"1" + b"}" * 300 + b"}"
    assert_400(signed_form(http, live, deep), "nested")
    for method, path in (("POST", "/api/v1/leads"), ("PATCH", "/api/v1/leads/L-000001")):
        assert_400(raw_json(http, method, live.url + path, deep, **bearer(live.admin)), "nested")
    nan = b'{"partner": "lv", "company_name": "SIA NaN", "country": "LV", "sector": "ict", '
    for constant in (b"NaN", b"Infinity", b"-Infinity"):
        body = nan + b'"notes": ' + constant + b"}"
        resp = raw_json(http, "POST", f"{live.url}/api/v1/leads", body, **bearer(live.admin))
        assert_400(resp, constant.decode().lstrip("-"))
        assert_400(signed_form(http, live, body), constant.decode().lstrip("-"))
    for path in ("/api/v1/quarantine", "/api/v1/conflicts", "/api/v1/sync-runs"):
        for position in (2**64, 2**31):
            resp = http.get(
                f"{live.url}{path}",
                params={"cursor": _cursor(position)},
                headers=bearer(live.admin),
                timeout=10,
            )
            assert assert_400(resp, "cursor")["errors"][0]["field"] == "cursor"
    resp = http.get(
        f"{live.url}/api/v1/leads",
        params={"updated_since": "0001-01-01T00:00:00+23:59"},
        headers=bearer(live.admin),
        timeout=10,
    )
    assert assert_400(resp, "updated_since")["errors"][0]["field"] == "updated_since"
