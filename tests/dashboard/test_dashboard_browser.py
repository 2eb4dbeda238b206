"""The dashboard in headless Chromium over real HTTP: sign-in with partner and
admin tokens, KPI equal to /api/v1/kpi, partner scoping, filters, sync-now,
sheet links of quarantined rows, keyboard use, no console errors, screenshots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from seeding import LEADS_GIDS, leads_run
from sqlalchemy import select

from integration.store.models import SyncRequest

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# The narrowest phone still sold (iPhone SE 1st gen., small Androids): a long word
# in a check or an error message must wrap there too, whatever the machine's paths.
SMALL_PHONE = {"width": 320, "height": 640}


class PageOpener:
    """Opens fresh browser contexts (no cookies); console errors, uncaught page
    errors and failed requests (except URLs a test expects to fail) are
    collected and fail the test at teardown."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[Any] = []
        self.problems: list[str] = []
        self.expected_failures: set[str] = set()

    def __call__(self, viewport: dict[str, int] = DESKTOP) -> Any:
        context = self.browser.new_context(viewport=viewport, base_url=self.base_url)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("response", self._response)
        return page

    def _console(self, message: Any) -> None:
        if message.type == "error" and not any(
            u in (message.location or {}).get("url", "") for u in self.expected_failures
        ):
            self.problems.append(f"console {message.type}: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and not any(u in response.url for u in self.expected_failures):
            self.problems.append(f"HTTP {response.status} {response.url}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def open_page(browser, live) -> Iterator[PageOpener]:  # type: ignore[no-untyped-def]
    opener = PageOpener(browser, live.url)
    yield opener
    opener.close()
    assert opener.problems == []


def sign_in(page: Any, secret: str, path: str = "/") -> None:
    page.goto(path)
    assert "/dashboard/signin" in page.url
    page.get_by_label(re.compile("Access token|Piekļuves|Juurdepääsu|Käyttöavain")).fill(secret)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/dashboard/signin" not in url)


def every_page(seeded: Any) -> dict[str, str]:
    """Each dashboard page by name, a record page of each kind included."""
    return {
        "overview": "/dashboard/",
        "sync": "/dashboard/sync",
        "vanished": "/dashboard/sync/vanished",
        "fix": "/dashboard/fix",
        "leads": "/dashboard/leads",
        "agreements": "/dashboard/agreements",
        "reports": "/dashboard/reports",
        "lead": f"/dashboard/leads/{seeded.leads['lv'][1]}",
        "agreement": f"/dashboard/agreements/{seeded.agreements[0]}",
    }


def test_every_page_renders_for_admin_on_desktop_and_phone(open_page, live, screenshots) -> None:  # type: ignore[no-untyped-def]
    pages = every_page(live.seeded)
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE), ("small-phone", SMALL_PHONE)):
        page = open_page(viewport)
        page.goto("/")
        page.screenshot(path=str(screenshots / f"signin-{label}.png"))
        sign_in(page, live.seeded.tokens["admin"])
        for name, path in pages.items():
            page.goto(path)
            assert page.locator("main h1").count() == 1, name
            assert page.locator("nav.main-nav").count() == 1
            # Nothing overflows the viewport sideways (tables scroll inside their box).
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{name} overflows by {overflow}px at {label}"
            page.screenshot(path=str(screenshots / f"{name}-{label}.png"), full_page=True)


def test_partner_token_sees_only_its_partner(open_page, live) -> None:  # type: ignore[no-untyped-def]
    page = open_page()
    sign_in(page, live.seeded.tokens["ee"], "/dashboard/leads?per_page=100")
    assert page.url.endswith("/dashboard/leads?per_page=100")  # back where they wanted to go
    partners = page.locator("#leads-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.partner)"
    )
    assert len(partners) == len(live.seeded.leads["ee"]) and set(partners) == {"ee"}
    assert page.locator("#f-partner").count() == 0  # no partner filter for a partner
    other = live.seeded.leads["lv"][0]
    open_page.expected_failures.add(f"/dashboard/leads/{other}")
    answer = page.goto(f"/dashboard/leads/{other}")
    assert answer.status == 404
    page.goto("/dashboard/fix")
    assert page.locator("[data-quarantine]").count() == 1
    assert "Riik: väärtus on kohustuslik." in page.locator("main").inner_text()
    assert "Bad Row SIA" not in page.content()
    page.goto("/dashboard/sync")
    assert page.locator("[data-sync-now]").evaluate_all("bs => bs.map(b => b.dataset.syncNow)") == [
        "ee"
    ]
    # Estonian staff get Estonian labels by default.
    assert page.locator("html").get_attribute("lang") == "et"


def _kpi_from_page(page: Any) -> dict[str, Any]:
    def breakdown(key: str) -> dict[str, int]:
        cells = page.locator(f'[data-breakdown="{key}"] td[data-key]')
        return {
            cells.nth(i).get_attribute("data-key"): int(cells.nth(i).inner_text())
            for i in range(cells.count())
        }

    return {
        "signed": int(page.locator('[data-kpi="signed"]').inner_text()),
        "target": int(page.locator('[data-kpi="target"]').inner_text()),
        "by_partner": breakdown("by_partner"),
        "by_sector": breakdown("by_sector"),
        "by_country": breakdown("by_country"),
    }


def _kpi_from_api(page: Any, secret: str, query: str = "") -> dict[str, Any]:
    answer = page.request.get(f"/api/v1/kpi{query}", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 200
    body = answer.json()
    return {
        "signed": body["signed"],
        "target": body["target"],
        "by_partner": {r["partner"]: r["signed"] for r in body["by_partner"]},
        "by_sector": {r["sector"]: r["signed"] for r in body["by_sector"]},
        "by_country": {r["country"]: r["signed"] for r in body["by_country"]},
    }


@pytest.mark.parametrize("who", ["lv", "admin"])
def test_overview_numbers_equal_the_api(open_page, live, who) -> None:  # type: ignore[no-untyped-def]
    secret = live.seeded.tokens[who]
    page = open_page()
    sign_in(page, secret)
    shown = _kpi_from_page(page)
    assert shown == _kpi_from_api(page, secret)
    assert shown["signed"] == 4 and shown["target"] == 10  # the seeded story
    page.get_by_role("link", name=re.compile("Latvi")).first.click()
    page.wait_for_url(re.compile(r"partner=lv"))
    narrowed = _kpi_from_page(page)
    assert narrowed == _kpi_from_api(page, secret, "?partner=lv")
    assert narrowed["signed"] == 2
    # The chart is drawn on the server, with the target line and the project end.
    chart = page.locator("svg.chart").first
    assert chart.get_attribute("role") == "img"
    assert chart.locator("line.target").count() == 1
    assert chart.locator("line.end-marker").count() == 1


def test_a_filter_narrows_the_table(open_page, live) -> None:  # type: ignore[no-untyped-def]
    page = open_page()
    sign_in(page, live.seeded.tokens["admin"], "/dashboard/leads")
    total = int(page.locator("[data-total]").inner_text())
    assert total == 90
    page.get_by_label("Sector").select_option("education")
    page.get_by_label("Stage").select_option("won")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"sector=education"))
    narrowed = int(page.locator("[data-total]").inner_text())
    assert 0 < narrowed < total
    sectors = page.locator("#leads-table tbody tr td:nth-child(5)").all_inner_texts()
    assert len(sectors) == narrowed and set(sectors) == {"Education"}
    # Search narrows further; sorting keeps the filter.
    page.get_by_role("searchbox", name="Search").fill("Baku")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Baku"))
    names = page.locator("#leads-table tbody tr td:nth-child(2)").all_inner_texts()
    assert all("Baku" in n for n in names)
    page.get_by_role("link", name=re.compile("^ID")).click()
    page.wait_for_url(re.compile(r"sort=id"))
    assert "q=Baku" in page.url and "sector=education" in page.url
    assert page.locator('th[aria-sort="ascending"]').count() == 1


def test_sync_now_button_records_a_request(open_page, live) -> None:  # type: ignore[no-untyped-def]
    with live.store.session() as s:
        before = len(list(s.scalars(select(SyncRequest).where(SyncRequest.partner == "fi"))))
    page = open_page()
    sign_in(page, live.seeded.tokens["fi"], "/dashboard/sync")
    next_run = page.locator('[data-next-run="fi"]').get_attribute("datetime")
    assert next_run and next_run.endswith(":30:00+00:00")  # 02:30 Helsinki, in UTC
    page.locator('[data-sync-now="fi"]').click()
    expect(page.locator('[data-pending="fi"]')).to_have_count(1)
    expect(page.get_by_role("status").first).to_contain_text("Synkronointi pyydetty")  # fi staff
    with live.store.session() as s:
        rows = list(s.scalars(select(SyncRequest).where(SyncRequest.partner == "fi")))
    assert len(rows) == before + 1
    assert rows[-1].trigger == "api" and rows[-1].consumed_at is None


def test_quarantined_row_links_to_its_sheet_row(open_page, live) -> None:  # type: ignore[no-untyped-def]
    page = open_page()
    sign_in(page, live.seeded.tokens["lv"], "/dashboard/fix")
    link = page.locator(f'[data-sheet-link="{live.seeded.quarantine_id}"]')
    href = link.get_attribute("href")
    pc = live.app.extensions["crm"].config.partners["lv"]
    assert href == pc.sheet_url(LEADS_GIDS["lv"], live.seeded.quarantine_row)
    assert href.endswith(f"/edit#gid={LEADS_GIDS['lv']}&range=A17")
    assert pc.spreadsheet_id in href
    # The error is shown in the partner's language (Latvian for LV staff).
    assert "nav derīga e-pasta adrese" in page.locator("main").inner_text()


def test_keyboard_reaches_content_and_navigation(open_page, live) -> None:  # type: ignore[no-untyped-def]
    page = open_page()
    sign_in(page, live.seeded.tokens["admin"])
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "skip-link" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    # Every form control on the leads page has an accessible label.
    page.goto("/dashboard/leads")
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('main input:not([type=hidden]), main select')]
             .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
             .map(el => el.name)"""
    )
    assert unlabelled == []
    assert page.locator("main#main").count() == 1 and page.locator("header").count() >= 1


def test_header_report_shows_a_markup_header_as_text_and_the_lines_to_map_a_header(
    open_page, live
) -> None:  # type: ignore[no-untyped-def]
    markup = '<img src="x" onerror="window.__pwned = 1">'
    report = {
        "row": 2,
        "mapped": [{"column": "A", "header": "Yritys", "field": "company_name", "source": "alias"}],
        "unrecognised": [
            {"column": "B", "header": markup, "suggestion": None},
            {"column": "C", "header": 'Y-tunnus "virallinen"', "suggestion": "registration_code"},
        ],
        "missing": ["registration_code"],
    }
    with live.store.session() as s:
        s.add(leads_run("fi", trigger="nightly", outcome="completed", header_report=report))
    page = open_page()
    sign_in(page, live.seeded.tokens["fi"], "/dashboard/sync")
    block = page.locator('[data-header-report="fi-leads"]')
    expect(block.locator('[data-kept-header="B"] .header-text')).to_have_text(markup)
    expect(block.locator('[data-mapping="C"]')).to_have_text(
        '[partners.columns.leads]\n"Y-tunnus \\"virallinen\\"" = "registration_code"'
    )
    expect(block.locator('[data-missing-field="registration_code"]')).to_have_text(
        "Ei saraketta ”Y-tunnus”"  # fi staff read Finnish
    )
    assert page.evaluate("() => window.__pwned") is None
    assert block.locator("img").count() == 0


def test_the_reports_page_shows_the_chosen_period_and_downloads_it(open_page, live) -> None:  # type: ignore[no-untyped-def]
    page = open_page()
    sign_in(page, live.seeded.tokens["admin"], "/dashboard/reports?lang=en")
    page.locator("input[name=from]").fill("2023-06-01")
    page.locator("input[name=to]").fill("2023-12-31")
    page.locator("select[name=by]").select_option("quarter")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"from=2023-06-01"))
    # Seeded: LV signed on 2023-06-15 (25,000) and 2023-12-22 (12,500.50); the others later.
    total = page.locator('[data-report="agreements_by_partner"] tr.total > *').all_inner_texts()
    assert total == ["Total (all partners)", "EUR", "2", "37,500.50"]
    periods = page.locator('[data-report="agreements_by_period"] tbody th').all_inner_texts()
    assert periods[:3] == ["2023-Q2", "2023-Q3", "2023-Q4"]
    with page.expect_download() as download:
        page.locator('[data-download="xlsx"]').click()
    assert download.value.suggested_filename == "report-2023-06-01-2023-12-31.xlsx"
