"""The header report end to end: a partner's tab (the emulator, real gspread over
HTTP) has a header with a misspelt registration-code column and a header typed as
markup; after a sync, ``/api/v1/sync-runs`` (real HTTP) returns what the header
row told the run, in the shape the OpenAPI document describes, only to tokens that
may see the partner, and the sync health page (real HTTP, signed in) shows it in
the reader's language, markup as text, with the partners-file lines that map the
misspelt header."""

from __future__ import annotations

import dataclasses
import html
import re
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from emulator_fixtures import create_spreadsheet, with_sheet
from fast_retry import fast_policy
from jsonschema import Draft202012Validator
from live_server import serving

from integration import create_app
from integration.sync.engine import run_sync

MARKUP = "<script>alert(1)</script>"
HEADER = ["Company name", "Country", "Sector", "Registraton code", "E-mail", MARKUP]
ROW = ["SIA Alfa", "LV", "IKT", "40003000002", "info@alfa.lv", "x"]


@dataclasses.dataclass
class Synced:
    url: str
    run_id: int


@pytest.fixture
def synced(config, store, emulator) -> Iterator[Synced]:  # type: ignore[no-untyped-def]
    """LV's leads tab synced once; the app served over HTTP (plain-HTTP cookies)."""
    gc = emulator.client(timeout=10)
    sid = create_spreadsheet(gc, "lv CRM", {"Leads": [HEADER, ROW], "Agreements": [["Seller"]]})
    cfg = with_sheet(config, emulator, "lv", sid)
    report = run_sync(cfg, store, "lv", tab="leads", client=gc, retry=fast_policy())
    (tab,) = report.tabs
    assert tab.outcome == "completed", tab.error
    assert gc.open_by_key(sid).worksheet("Leads").row_values(1)[:6] == HEADER  # never rewritten
    with serving(create_app(cfg, store=store)) as url:
        yield Synced(url, tab.sync_run_id)


def _runs(http: requests.Session, url: str, token: dict[str, str]) -> dict[str, Any]:
    resp = http.get(f"{url}/api/v1/sync-runs", headers=token, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_the_runs_api_returns_the_header_report_as_described(synced, tokens, http) -> None:  # type: ignore[no-untyped-def]
    page = _runs(http, synced.url, tokens.lv)
    (run,) = [r for r in page["items"] if r["id"] == synced.run_id]
    report = run["header_report"]
    assert report["row"] == 1
    assert report["mapped"] == [
        {"column": "A", "header": "Company name", "field": "company_name", "source": "alias"},
        {"column": "B", "header": "Country", "field": "country", "source": "alias"},
        {"column": "C", "header": "Sector", "field": "sector", "source": "alias"},
        {"column": "E", "header": "E-mail", "field": "email", "source": "alias"},
    ]
    kept = {u["column"]: u for u in report["unrecognised"]}
    assert kept["D"] == {
        "column": "D",
        "header": "Registraton code",
        "suggestion": "registration_code",
    }
    assert kept["F"]["header"] == MARKUP
    assert "registration_code" in report["missing"]
    # the answer is what the OpenAPI document says a page of runs is
    doc = http.get(f"{synced.url}/openapi.json", timeout=10).json()
    schema = {"components": doc["components"], "$ref": "#/components/schemas/SyncRunPage"}
    Draft202012Validator(schema).validate(page)
    assert doc["components"]["schemas"]["SyncRun"]["properties"]["header_report"] == {
        "$ref": "#/components/schemas/HeaderReport"
    }
    # one run by id says the same; another partner sees neither
    one = http.get(
        f"{synced.url}/api/v1/sync-runs/{synced.run_id}", headers=tokens.admin, timeout=10
    )
    assert one.json()["header_report"] == report
    assert all(r["partner"] == "ee" for r in _runs(http, synced.url, tokens.ee)["items"])
    hidden = http.get(
        f"{synced.url}/api/v1/sync-runs/{synced.run_id}", headers=tokens.ee, timeout=10
    )
    assert hidden.status_code == 404


def _signed_in(http: requests.Session, url: str, token: dict[str, str]) -> requests.Session:
    secret = token["Authorization"].removeprefix("Bearer ")
    page = http.get(f"{url}/dashboard/signin", timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    resp = http.post(
        f"{url}/dashboard/signin", data={"token": secret, "csrf_token": csrf.group(1)}, timeout=10
    )
    assert resp.status_code == 200, resp.text[:300]
    return http


def _section(page: str, name: str) -> str:
    """One tab's header report block of the sync health page."""
    start = page.index(f'data-header-report="{name}"')
    end = page.find('class="header-report"', start)
    return page[start : end if end > 0 else page.index('class="push"', start)]


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_the_health_page_shows_the_report_with_the_line_that_maps_a_header(
    synced, tokens, http
) -> None:  # type: ignore[no-untyped-def]
    page = _signed_in(http, synced.url, tokens.admin).get(
        f"{synced.url}/dashboard/sync", timeout=10
    )
    assert page.status_code == 200
    leads = _section(page.text, "lv-leads")
    text = _text(leads)
    assert "Leads: header on row 1" in text
    assert "Not recognised (kept, not synced)" in text
    assert "Registraton code (kept, not synced)" in text
    assert "Looks like “Registration code”." in text
    assert "No “Registration code” column" in text
    # the suggested lines, pasted under LV's entry, map the header to the field
    (block,) = re.findall(
        r'<pre class="toml" data-mapping="D"><code>(.*?)</code></pre>', leads, re.S
    )
    lines = html.unescape(block)
    assert lines == '[partners.columns.leads]\n"Registraton code" = "registration_code"'
    partners = tomllib.loads('[[partners]]\ncode = "lv"\n' + lines)["partners"]
    assert partners[0]["columns"] == {"leads": {"Registraton code": "registration_code"}}
    # a header typed as markup is shown as text, never run
    assert MARKUP not in page.text
    assert html.escape(MARKUP, quote=False) in leads
    # recognised headers and their fields; the agreements tab has read no header yet
    assert re.search(r'data-mapped-header="D"', leads) is None
    assert 'data-mapped-header="E" data-field="email"' in leads
    assert "No header read yet." in _text(_section(page.text, "lv-agreements"))


def test_a_partner_reads_its_report_in_its_own_language(synced, tokens, http) -> None:  # type: ignore[no-untyped-def]
    page = _signed_in(http, synced.url, tokens.lv).get(f"{synced.url}/dashboard/sync", timeout=10)
    text = _text(_section(page.text, "lv-leads"))
    assert "Neatpazīti (saglabāti, netiek sinhronizēti)" in text
    assert "Nav kolonnas “Reģistrācijas numurs”" in text
    assert 'data-header-report="ee-leads"' not in page.text
