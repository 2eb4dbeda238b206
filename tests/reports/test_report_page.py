"""The dashboard's Reports page over the app on both stores: the same figures as
the API, a partner's token held to its own share, the downloads."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from report_fixture import plant

BASE = "https://localhost"
Q1 = "from=2025-01-01&to=2025-03-31"


@pytest.fixture
def network(store):  # type: ignore[no-untyped-def]
    return plant(store)


def signed_in(app, secret: str):  # type: ignore[no-untyped-def]
    web = app.test_client()
    page = web.get("/dashboard/signin", base_url=BASE).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    web.post("/dashboard/signin", data={"token": secret, "csrf_token": csrf}, base_url=BASE)
    return web


def table(html: str, key: str) -> list[list[str]]:
    body = html.split(f'data-report="{key}"')[1].split("</table>")[0]
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_the_admin_sees_the_networks_quarter_in_english(app, network) -> None:  # type: ignore[no-untyped-def]
    web = signed_in(app, network.tokens["admin"])
    page = web.get(f"/dashboard/reports?{Q1}&by=month&lang=en", base_url=BASE)
    assert page.status_code == 200
    html = page.text
    assert "data-report-scope>all partners<" in html
    partners = table(html, "agreements_by_partner")
    assert partners[0] == ["Partner", "Currency", "Signed", "Value"]
    assert partners[-1] == ["Total (all partners)", "EUR", "3", "19,500.50"]
    events = {row[0]: row[-1] for row in table(html, "leads_by_event")[1:]}
    assert events["LEF networking event 2025"] == "2" and events["Rīgas brokastis"] == "1"
    assert 'href="/dashboard/reports' in html and 'aria-current="page"' in html


def test_a_partner_sees_its_own_share_whatever_it_asks(app, network) -> None:  # type: ignore[no-untyped-def]
    web = signed_in(app, network.tokens["lv"])
    html = web.get(f"/dashboard/reports?{Q1}&partner=ee&lang=en", base_url=BASE).text
    assert "data-report-scope>Latvian Chamber of Commerce and Industry<" in html
    assert table(html, "agreements_by_partner")[1][:3] == [
        "Latvian Chamber of Commerce and Industry",
        "EUR",
        "2",
    ]
    assert "Tarkvara" not in html and "Absheron" not in html
    download = web.get(f"/dashboard/reports.xlsx?{Q1}&partner=ee", base_url=BASE)
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.data))
    assert "Tarkvara OÜ" not in str([c.value for s in book for r in s.iter_rows() for c in r])


def test_a_bad_date_is_said_on_the_page(app, network) -> None:  # type: ignore[no-untyped-def]
    web = signed_in(app, network.tokens["admin"])
    page = web.get("/dashboard/reports?from=2025-02-30", base_url=BASE)
    assert page.status_code == 400 and "data-report-error" in page.text
    assert "from: &#39;2025-02-30&#39; is not a date" in page.text


def test_the_leads_page_filters_by_event_and_source(app, network) -> None:  # type: ignore[no-untyped-def]
    web = signed_in(app, network.tokens["admin"])
    by = network.ids

    def shown(query: str) -> list[str]:
        page = web.get(f"/dashboard/leads?per_page=100&{query}", base_url=BASE).text
        return sorted(re.findall(r'<tr data-id="(L-\d{6})"', page))

    assert shown("event=lef-networking-2025") == sorted([by["L1"], by["E1"], by["F1"]])
    assert shown("event=baku-mission-2024&source=trade_mission") == [by["L2"]]
    assert shown("source=web_form") == sorted([by["L3"], by["F2"]])
    page = web.get("/dashboard/leads?lang=lv", base_url=BASE).text
    assert "LEF networking event 2025" in page or "LEF tīklošanās 2025" in page
