"""A problem is data, its sentence the reader's: a Latvian partner's invalid sheet
row (the emulator, real gspread over HTTP, a real sync) reads in Latvian in the
sheet, in the language ``Accept-Language`` asks for in ``/api/v1/quarantine``
(English by default), and on the Needs fixing page in the viewer's language
(real HTTP, signed in): English for the admin, Latvian for the LV chamber."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import requests
from emulator_fixtures import create_spreadsheet, with_sheet
from fast_retry import fast_policy
from live_server import serving

from integration import create_app
from integration.sync.engine import run_sync

HEADER = ["Uzņēmums", "Valsts", "Nozare", "E-pasts"]
ROW = ["SIA Alfa", "Latvija", "IKT", "anna@"]
LV_TEXT = "E-pasts: 'anna@' nav derīga e-pasta adrese."
EN_TEXT = "E-mail: 'anna@' is not a valid e-mail address."
FI_TEXT = "Sähköposti: 'anna@' ei ole kelvollinen sähköpostiosoite."


@pytest.fixture
def url(config, store, emulator) -> Iterator[str]:  # type: ignore[no-untyped-def]
    gc = emulator.client(timeout=10)
    sid = create_spreadsheet(gc, "lv CRM", {"Leads": [HEADER, ROW], "Agreements": [["Seller"]]})
    cfg = with_sheet(config, emulator, "lv", sid)
    report = run_sync(cfg, store, "lv", tab="leads", client=gc, retry=fast_policy())
    assert report.tabs[0].outcome == "completed", report.tabs[0].error
    sheet = gc.open_by_key(sid).worksheet("Leads").get_all_values()
    assert LV_TEXT in sheet[1]  # the partner's sheet speaks the partner's language
    with serving(create_app(cfg, store=store)) as served:
        yield served


def _entry(url: str, token: dict[str, str], **headers: str) -> dict:  # type: ignore[type-arg]
    resp = requests.get(f"{url}/api/v1/quarantine", headers={**token, **headers}, timeout=10)
    assert resp.status_code == 200, resp.text
    (entry,) = resp.json()["items"]
    return entry


def test_the_api_renders_the_stored_problem_in_the_readers_language(url, tokens) -> None:  # type: ignore[no-untyped-def]
    (error,) = _entry(url, tokens.admin)["errors"]
    assert error["field"] == "email" and error["code"] == "email"
    assert error["params"] == {"value": "anna@"}
    assert error["message"] == EN_TEXT
    assert error["messages"] == {"en": EN_TEXT, "lv": LV_TEXT}
    (finnish,) = _entry(url, tokens.admin, **{"Accept-Language": "fi-FI, en;q=0.5"})["errors"]
    assert finnish["message"] == FI_TEXT
    assert finnish["messages"] == {"en": EN_TEXT, "lv": LV_TEXT, "fi": FI_TEXT}
    (latvian,) = _entry(url, tokens.lv, **{"Accept-Language": "lv"})["errors"]
    assert latvian["message"] == LV_TEXT


def _fix_page(url: str, token: dict[str, str]) -> str:
    http = requests.Session()
    secret = token["Authorization"].removeprefix("Bearer ")
    page = http.get(f"{url}/dashboard/signin", timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    http.post(
        f"{url}/dashboard/signin", data={"token": secret, "csrf_token": csrf.group(1)}, timeout=10
    )
    resp = http.get(f"{url}/dashboard/fix", timeout=10)
    assert resp.status_code == 200
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", resp.text)).split())


def test_the_needs_fixing_page_speaks_the_viewers_language(url, tokens) -> None:  # type: ignore[no-untyped-def]
    admin = _fix_page(url, tokens.admin)
    assert EN_TEXT in admin and LV_TEXT not in admin
    partner = _fix_page(url, tokens.lv)
    assert LV_TEXT in partner and EN_TEXT not in partner


def test_a_sheet_duplicate_reads_in_the_readers_language(config, store, emulator, tokens) -> None:  # type: ignore[no-untyped-def]
    """EE's sheet row is LV's firm: its quarantine entry says so in English to
    the admin and in Estonian to EE, from the one stored problem."""
    gc = emulator.client(timeout=10)
    lv = create_spreadsheet(
        gc, "lv CRM", {"Leads": [HEADER, ["SIA Alfa", "Latvija", "IKT", "anna@alfa.lv"]],
                       "Agreements": [["Seller"]]},
    )  # fmt: skip
    ee_header = ["Ettevõte", "Riik", "Sektor", "E-post"]
    ee = create_spreadsheet(
        gc, "ee CRM", {"Leads": [ee_header, ["Alfa", "Läti", "IKT", "anna@alfa.lv"]],
                       "Agreements": [["Müüja"]]},
    )  # fmt: skip
    cfg = with_sheet(with_sheet(config, emulator, "lv", lv), emulator, "ee", ee)
    assert run_sync(cfg, store, "lv", tab="leads", client=gc, retry=fast_policy()).ok
    assert run_sync(cfg, store, "ee", tab="leads", client=gc, retry=fast_policy()).ok
    with serving(create_app(cfg, store=store)) as served:
        (error,) = _entry(served, tokens.admin)["errors"]
        assert error["code"] == "duplicate" and error["params"]["partner"] == "lv"
        assert error["message"].startswith("Duplicate of L-") and "(LV)" in error["message"]
        (estonian,) = _entry(served, tokens.ee, **{"Accept-Language": "et"})["errors"]
        assert estonian["message"].startswith("Duplikaat: L-")
