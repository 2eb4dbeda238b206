"""The dashboard's charts in headless Chromium over real HTTP, at desktop and
phone widths: the monthly agreements chart opens at its latest months on a
phone with a visible cue, never widens the page (320 px too), shows the expected
pace and that the project has ended, in every language; the Sync page's chart
shows syncs and rows needing fixing per day per partner."""

from __future__ import annotations

from typing import Any

import pytest
from test_dashboard_browser import (
    DESKTOP,
    PHONE,
    SMALL_PHONE,
    open_page,  # noqa: F401  (the fixture)
    sign_in,
)

from integration import messages

pytestmark = pytest.mark.browser

#: token -> the language its pages are in
LANGUAGES = {"admin": "en", "lv": "lv", "ee": "et", "fi": "fi"}


def page_overflow(page: Any) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def visible_in_wrap(page: Any, selector: str) -> bool:
    """Whether the element lies inside the chart box's visible part."""
    return page.evaluate(
        """([sel]) => {
            const wrap = document.querySelector('[data-chart=cumulative]').getBoundingClientRect();
            const el = document.querySelector(sel).getBoundingClientRect();
            return el.left >= wrap.left - 1 && el.right <= wrap.right + 1;
        }""",
        [selector],
    )


def test_the_monthly_chart_in_every_language(open_page, live) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    for who, lang in LANGUAGES.items():
        page = open_page(DESKTOP)
        sign_in(page, live.seeded.tokens[who])
        chart = page.locator("[data-chart=cumulative] svg")
        ended = messages.text("ui.project_ended", lang)
        pace = messages.text("ui.pace_line", lang)
        # the project window ended on 2026-02-28 (partners.example.toml); today is later
        assert chart.locator("text.end-label").text_content() == ended, lang
        assert chart.locator("text.pace-label").text_content() == pace, lang
        assert page.locator("[data-kpi=ended]").text_content() == ended
        assert page.locator("[data-kpi=days-left]").count() == 0  # no "(0 d)"
    assert messages.text("ui.project_ended", "lv") == "Projekts beidzies"
    assert messages.text("ui.project_ended", "fi") == "Hanke päättyi"


def test_the_monthly_chart_fits_a_phone_latest_months_first(open_page, live) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    for viewport in (PHONE, SMALL_PHONE):
        page = open_page(viewport)
        sign_in(page, live.seeded.tokens["lv"])
        assert page_overflow(page) <= 1, viewport
        cue = page.locator("[data-scroll-cue]")
        assert cue.is_visible() and "ritiniet uz sāniem" in cue.text_content()
        # the chart scrolls inside its box, opened at the right end: the project's
        # end and the latest months show, the first month is out of view
        scroll = page.evaluate(
            "(() => { const w = document.querySelector('[data-chart=cumulative]');"
            " return [w.scrollWidth, w.clientWidth]; })()"
        )
        assert scroll[0] > scroll[1], viewport
        assert visible_in_wrap(page, "[data-chart=cumulative] text.end-label"), viewport
        first_month = "[data-chart=cumulative] svg text.axis[text-anchor=middle]"
        assert not visible_in_wrap(page, first_month), viewport
        page.locator("[data-chart=cumulative]").screenshot(
            path=f"test-artifacts/screenshots/overview-chart-{viewport['width']}.png"
        )
    page = open_page(DESKTOP)
    sign_in(page, live.seeded.tokens["lv"])
    assert not page.locator("[data-scroll-cue]").is_visible()
    width, client = page.evaluate(
        "(() => { const w = document.querySelector('[data-chart=cumulative]');"
        " return [w.scrollWidth, w.clientWidth]; })()"
    )
    assert width <= client + 1  # the whole window at once on a desktop
    assert visible_in_wrap(page, "[data-chart=cumulative] svg text.axis[text-anchor=middle]")


def test_the_sync_health_chart_per_partner_and_day(open_page, live) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    for viewport in (DESKTOP, SMALL_PHONE):
        page = open_page(viewport)
        sign_in(page, live.seeded.tokens["admin"], "/dashboard/sync")
        page.goto("/dashboard/sync")
        assert page_overflow(page) <= 1, viewport
        for code in ("lv", "ee", "fi"):
            wrap = page.locator(f"[data-sync-days={code}]")
            svg = wrap.locator("svg")
            # it fits its box: no sideways scrolling for 14 days
            box, drawn = wrap.bounding_box(), svg.bounding_box()
            assert drawn["width"] <= box["width"] + 1, (code, viewport)
            assert svg.get_attribute("aria-label") == (
                "Syncs and rows needing fixing per day (last 14 days)"
            )
            assert svg.locator("g[data-day]").count() == 14
            # the seeded runs of the last 30 hours: each partner has failed ones
            assert svg.locator("rect.bar.bar-bad").count() >= 1, code
        # the rows waiting: one Latvian and one Estonian quarantined row, none Finnish
        assert page.locator("[data-sync-days=lv] rect.bar.bar-fix").count() >= 1
        assert page.locator("[data-sync-days=fi] rect.bar.bar-fix").count() == 0
        rows = page.locator("[data-sync-days-table=lv] tbody tr")
        assert rows.count() == 14
        today = [c.text_content() for c in rows.nth(0).locator("td").all()]
        assert today[3] == "1"  # the one Latvian row waiting to be fixed, at today's end
        page.screenshot(
            path=f"test-artifacts/screenshots/sync-chart-{viewport['width']}.png", full_page=True
        )
