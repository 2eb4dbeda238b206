"""A fourth partner added by configuration alone, end to end over real parts.

A Lithuanian chamber (code ``lt``, country LT, locale ``en``: no Lithuanian
texts ship) is one more ``[[partners]]`` table in a partners file. Its sheet in
the emulator is synced by the real engine over gspread, its signed form webhook
is accepted, the API lists its records and scopes a token to it, the KPI counts
its signed agreement, ``crm-sync validate --partner lt`` checks its export, and
the dashboard shows it, on SQLite and PostgreSQL. Nothing in the code names
``lt``: if any list of partners were still hard-coded, a step here would fail.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from emulator_fixtures import create_spreadsheet
from fast_retry import fast_policy
from live_server import serving
from signed_forms import post_signed_form
from sqlalchemy import select

from integration.auth import create_token
from integration.config import AppConfig, load_config
from integration.store.db import Store
from integration.store.models import Agreement, Lead
from integration.store.setup import sync_partner_rows
from integration.sync.engine import run_sync
from integration.validate_command import validate_command

EXAMPLE = Path(__file__).resolve().parents[2] / "partners.example.toml"
LT_SECRET = "whsec_" + "bHQtc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5"
LT_PARTNER = """
[[partners]]
code = "lt"
name = "Association of Lithuanian Chambers of Commerce, Industry and Crafts"
country = "LT"
locale = "en"
timezone = "Europe/Vilnius"
spreadsheet_id = "{sid}"
webhook_secret_env = "LT_WEBHOOK_SECRET"
"""
LEADS = [
    ["Company", "Country", "Registration code", "Sector", "Contact person", "E-mail"],
    ["UAB Baltijos Medis", "Lithuania", "110 053 842", "Green tech", "Ona", "ona@medis.lt"],
    ["Bakı Ağac MMC", "Azerbaijan", "", "Green tech", "Elvin", "elvin@agac.az"],
    ["UAB Klaida", "Lietuva", "", "mining", "", "info@klaida.lt"],
]
AGREEMENTS = [
    ["Seller", "Buyer", "Status", "Signed date", "Value", "Currency", "Reporting partner"],
    [
        "UAB Baltijos Medis",
        "Bakı Ağac MMC",
        "Signed",
        "12.06.2025",
        "12,500.00",
        "EUR",
        "Lithuania",  # staff name the reporting partner by its country
    ],
]


@dataclasses.dataclass
class FourPartners:
    """The app of a four-partner file, served over HTTP, with its store and sheet."""

    config: AppConfig
    store: Store
    url: str
    gc: Any

    def sync(self) -> Any:
        return run_sync(self.config, self.store, "lt", client=self.gc, retry=fast_policy())

    def tab(self, title: str) -> list[dict[str, Any]]:
        """The tab's data rows keyed by header (service columns included)."""
        sid = self.config.partners["lt"].spreadsheet_id
        data = self.gc.http_client.values_batch_get(
            sid, [f"'{title}'"], params={"valueRenderOption": "UNFORMATTED_VALUE"}
        )
        rows = data["valueRanges"][0].get("values", [])
        header = rows[0]
        return [
            {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)} for row in rows[1:]
        ]


@pytest.fixture
def four(db_url: str, emulator: Any, tmp_path: Path) -> Iterator[FourPartners]:
    gc = emulator.client(timeout=5)
    sid = create_spreadsheet(gc, "lt CRM", {"Leads": LEADS, "Agreements": AGREEMENTS})
    partners_file = tmp_path / "partners.toml"
    partners_file.write_text(EXAMPLE.read_text("utf-8") + LT_PARTNER.format(sid=sid), "utf-8")
    environ = {
        "LT_WEBHOOK_SECRET": LT_SECRET,
        "CRM_INSTANCE_PATH": str(tmp_path / "instance"),
        "CRM_SECRET_KEY": "four-partners-test-key",
        # plain HTTP on loopback: the session cookie may travel without TLS
        "CRM_INSECURE_COOKIES": "1",
        "SHEETS_EMULATOR_HOST": emulator.host_port,
        "DATABASE_URL": db_url,
    }
    config = load_config(partners_file, environ=environ)
    store = Store(db_url)
    sync_partner_rows(store, config)

    from integration import create_app

    app = create_app(config, store=store)
    with serving(app) as url:
        yield FourPartners(config, store, url, gc)
    store.dispose()


def bearer(store: Store, name: str, partner: str | None) -> dict[str, str]:
    with store.session() as s:
        return {"Authorization": f"Bearer {create_token(s, name, partner=partner)[1]}"}


def signed_form(http: requests.Session, url: str, partner: str, payload: Any) -> Any:
    return post_signed_form(
        http.post, f"{url}/webhooks/forms/{partner}", LT_SECRET, payload, timeout=10
    )


def sign_in(http: requests.Session, url: str, secret: str) -> None:
    page = http.get(f"{url}/dashboard/signin", timeout=10)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, page.text
    answer = http.post(
        f"{url}/dashboard/signin",
        data={"token": secret, "csrf_token": csrf.group(1)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text


def test_a_fourth_partner_works_from_the_partners_file_alone(
    four: FourPartners, http: requests.Session
) -> None:
    assert sorted(four.config.partners) == ["ee", "fi", "lt", "lv"]

    # -- the sheet: a real sync of the LT spreadsheet -------------------------------
    report = four.sync()
    assert report.ok, [t.error for t in report.tabs]
    with four.store.session() as s:
        leads = {lead.data["company_name"]: lead for lead in s.scalars(select(Lead))}
        agreement = s.scalars(select(Agreement)).one()
    assert sorted(leads) == ["Bakı Ağac MMC", "UAB Baltijos Medis"]
    medis, agac = leads["UAB Baltijos Medis"], leads["Bakı Ağac MMC"]
    assert medis.partner == agac.partner == "lt"
    assert medis.data["country"] == "LT" and medis.data["sector"] == "green_tech"
    # LT company codes have no stdnum check: kept as typed, compared compactly
    assert medis.data["registration_code"] == "110 053 842"
    assert agreement.reporting_partner == "lt" and agreement.status == "signed"
    assert (agreement.seller_id, agreement.buyer_id) == (medis.id, agac.id)
    assert agreement.value == 12500.0 and str(agreement.signed_date) == "2025-06-12"
    rows = {row["Company"]: row for row in four.tab("Leads")}
    assert rows["UAB Baltijos Medis"]["CRM ID"] == medis.id
    assert rows["UAB Baltijos Medis"]["Sync status"] == "OK"
    # locale "en" has no translation of its own: the status is in English
    bad = rows["UAB Klaida"]["Sync status"]
    assert rows["UAB Klaida"]["CRM ID"] == "" and bad.startswith("Sector:"), bad
    assert four.tab("Agreements")[0]["Sync status"] == "OK"

    # -- the webhook: a signed form for LT, same firm by its VAT-style code ---------
    merged = signed_form(
        http,
        four.url,
        "lt",
        {
            "company_name": "UAB Baltijos Medis",
            "country": "LT",
            "sector": "green_tech",
            "registration_code": "LT110053842",
            "phone": "+37061234567",
        },
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert (body["id"], body["status"], body["partner"]) == (medis.id, "merged", "lt")
    assert "phone" in body["filled"]
    with four.store.session() as s:
        assert s.get(Lead, medis.id).data["phone"] == "+37061234567"
    created = signed_form(
        http,
        four.url,
        "lt",
        {"company_name": "UAB Naujas", "country": "Lithuania", "sector": "ict"},
    )
    assert created.status_code == 201, created.text
    new_id = created.json()["id"]
    with four.store.session() as s:
        assert s.get(Lead, new_id).partner == "lt"
    # a form signed with LT's secret cannot post as another partner
    other = signed_form(http, four.url, "lv", {"company_name": "X", "sector": "ict"})
    assert other.status_code == 401, other.text

    # -- the API: listed with partner lt, a token scoped to lt ----------------------
    admin = bearer(four.store, "admin", None)
    lt = bearer(four.store, "lt staff", "lt")
    lv_lead = http.post(
        f"{four.url}/api/v1/leads",
        json={"partner": "lv", "company_name": "SIA Upe", "country": "LV", "sector": "ict"},
        headers=admin,
    )
    assert lv_lead.status_code == 201, lv_lead.text
    listed = http.get(f"{four.url}/api/v1/leads", params={"partner": "lt"}, headers=admin)
    assert listed.status_code == 200, listed.text
    assert sorted(i["id"] for i in listed.json()["items"]) == sorted([medis.id, agac.id, new_id])
    own = http.get(f"{four.url}/api/v1/leads", headers=lt).json()["items"]
    assert {i["partner"] for i in own} == {"lt"} and len(own) == 3
    assert http.get(f"{four.url}/api/v1/leads/{lv_lead.json()['id']}", headers=lt).status_code in (
        403,
        404,
    )
    mine = http.post(
        f"{four.url}/api/v1/leads",
        json={"company_name": "UAB Trečias", "country": "LT", "sector": "education"},
        headers=lt,
    )
    assert mine.status_code == 201 and mine.json()["partner"] == "lt", mine.text
    # an unknown code is still refused, naming the configured ones
    unknown = http.post(
        f"{four.url}/api/v1/leads",
        json={"partner": "pl", "company_name": "Sp. z o.o.", "country": "PL", "sector": "ict"},
        headers=admin,
    )
    assert unknown.status_code == 422, unknown.text
    error = unknown.json()["errors"][0]
    assert error["field"] == "partner" and error["code"] == "enum"
    assert "'pl'" in error["message"] and "ee, fi, lt, lv" in error["message"]
    doc = http.get(f"{four.url}/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert schemas["PartnerCode"]["enum"] == ["ee", "fi", "lt", "lv"]
    assert schemas["Lead"]["properties"]["partner"]["enum"] == ["ee", "fi", "lt", "lv"]
    assert "lt" in schemas["Agreement"]["properties"]["reporting_partner"]["enum"]

    # -- the KPI: the LT signed agreement counts ------------------------------------
    kpi = http.get(f"{four.url}/api/v1/kpi", headers=admin).json()
    assert kpi["signed"] == 1
    by_partner = {row["partner"]: row["signed"] for row in kpi["by_partner"]}
    assert by_partner == {"ee": 0, "fi": 0, "lt": 1, "lv": 0}
    assert http.get(f"{four.url}/api/v1/kpi", headers=lt).json()["signed"] == 1

    # -- the dashboard: LT on the overview and the sync health page -----------------
    sign_in(http, four.url, admin["Authorization"].removeprefix("Bearer "))
    overview = http.get(f"{four.url}/dashboard/", timeout=10)
    assert overview.status_code == 200
    name = four.config.partners["lt"].name
    assert f'title="{name}"' in overview.text and ">Lithuania<" in overview.text
    assert 'href="/dashboard/?partner=lt"' in overview.text
    scoped = http.get(f"{four.url}/dashboard/", params={"partner": "lt"}, timeout=10)
    assert scoped.status_code == 200 and name in scoped.text
    health = http.get(f"{four.url}/dashboard/sync", timeout=10)
    assert health.status_code == 200 and name in health.text
    http.cookies.clear()
    sign_in(http, four.url, lt["Authorization"].removeprefix("Bearer "))
    page = http.get(f"{four.url}/dashboard/leads", timeout=10)
    assert page.status_code == 200
    assert medis.id in page.text and lv_lead.json()["id"] not in page.text
    assert '<html lang="en">' in page.text  # a locale without texts reads in English


def test_validate_takes_the_new_partners_code_from_the_partners_file(tmp_path: Path) -> None:
    partners_file = tmp_path / "partners.toml"
    partners_file.write_text(
        EXAMPLE.read_text("utf-8") + LT_PARTNER.format(sid="lt-sheet"), "utf-8"
    )
    export = tmp_path / "lt-leads.csv"
    with export.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(LEADS)
    args = [str(export), "--kind", "lead", "--partner", "lt", "--json"]
    runner = CliRunner()
    result = runner.invoke(validate_command, [*args, "--config", str(partners_file)])
    assert result.exit_code == 1, result.output  # the "mining" row
    verdicts = json.loads(result.stdout)
    assert [v["valid"] for v in verdicts] == [True, True, False]
    assert verdicts[0]["record"]["partner"] == "lt"
    assert verdicts[2]["errors"][0]["message"].startswith("Sector:")
    # a language with no texts of its own may be asked for: English messages
    result = runner.invoke(
        validate_command, [*args, "--config", str(partners_file), "--locale", "lt"]
    )
    assert json.loads(result.stdout)[2]["errors"][0]["message"].startswith("Sector:")
    result = runner.invoke(validate_command, [*args, "--locale", "Klingon"])
    assert result.exit_code == 2 and "not a language code" in result.stderr
    # without the partners file, lt is not a partner anyone configured
    result = runner.invoke(validate_command, args, env={"CRM_CONFIG": None})
    assert result.exit_code == 2 and "unknown partner 'lt'" in result.stderr
