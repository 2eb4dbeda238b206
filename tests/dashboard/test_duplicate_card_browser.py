"""Cross-partner duplicates in headless Chromium over real HTTP, against real
sheets (gspread on the emulator) and a real sync (#23): EE's sheet row is a
firm LV holds; EE's staff see the minimal card of LV's lead (name, chamber, id
and nothing else) instead of a 404, ask LV to merge; LV's staff see both rows
side by side in their queue and accept; both read the outcome, and the next
sync writes the merged value into LV's sheet and tells EE's row where it went.
FI sees no card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_sync import env, sign_in
from live_server import serving
from sync_env import LV_LEADS_HEADER, SyncEnv

from integration.store.models import MergeRequest, QuarantineEntry

pytestmark = pytest.mark.browser
__all__ = ["env"]  # the fixture, used by name

LV1 = "40003000002"
EE_HEADER = ["Ettevõte", "Riik", "Registrikood", "Sektor", "Märkused"]


def _sign_in(browser: Any, url: str, secret: str, path: str) -> Any:
    """Signed in, the page in English (the assertions read English words)."""
    page = sign_in(browser, url, secret, path, locale="en-GB")
    page.goto("/dashboard/language?lang=en")
    page.goto(path)
    return page


def test_card_request_and_accept_in_the_browser(
    env: SyncEnv, browser: Any, screenshots: Path
) -> None:
    from integration import create_app
    from integration.auth import create_token

    env.sheet(
        "lv",
        [
            LV_LEADS_HEADER,
            ["SIA Alfa", "LV", LV1, "IKT", "Anna Bērziņa", "anna@alfa.lv", "+37129111222", "", ""],
        ],
    )
    env.sheet("ee", [EE_HEADER, ["Alfa SIA", "Läti", LV1, "IKT", "Kohtusime Tallinnas"]])
    assert env.sync("lv", tab="leads").ok
    (lv_id,) = env.leads()
    assert env.sync("ee", tab="leads").tabs[0].counts["duplicates"] == 1
    with env.store.session() as s:
        lv = create_token(s, "lv staff", "lv")[1]
        ee = create_token(s, "ee staff", "ee")[1]
        fi = create_token(s, "fi staff", "fi")[1]
    app = create_app(env.config, store=env.store)
    with serving(app) as url:
        url = url.replace("127.0.0.1", "localhost")  # a secure context: the Secure cookie works
        # EE: the card, not a 404, and nothing else of LV's record
        other = _sign_in(browser, url, ee, f"/dashboard/leads/{lv_id}")
        card = other.locator(f'[data-duplicate-card="{lv_id}"]')
        assert card.count() == 1
        assert other.locator("[data-card-company]").inner_text() == "SIA Alfa"
        assert other.locator("[data-card-owner]").get_attribute("data-card-owner") == "lv"
        shown = other.locator("main").inner_text()
        for secret_value in ("Anna", "anna@alfa.lv", "29111222", LV1):
            assert secret_value not in shown, secret_value
        assert other.locator("#history-table").count() == 0
        other.screenshot(path=str(screenshots / "duplicate-card.png"))
        other.locator("[data-ask-merge]").first.click()
        other.wait_for_load_state()
        other.goto("/dashboard/fix")
        assert other.locator('[data-merge-status="open"]').count() >= 1

        # FI: no card for a firm no row of FI's names
        third = _sign_in(browser, url, fi, "/dashboard/")
        assert third.goto(f"/dashboard/leads/{lv_id}").status == 404

        # LV: both rows side by side, then accept
        page = _sign_in(browser, url, lv, "/dashboard/fix")
        item = page.locator("[data-merge-request]")
        assert item.count() == 1
        notes = item.locator('[data-side-by-side] tr[data-field="notes"]')
        assert notes.locator('[data-side="entry"]').inner_text() == "Kohtusime Tallinnas"
        assert notes.locator('[data-side="lead"]').inner_text() == "–"
        email = item.locator('[data-side-by-side] tr[data-field="email"]')
        assert email.locator('[data-side="lead"]').inner_text() == "anna@alfa.lv"
        assert item.locator('tr[data-field="partner"]').count() == 0  # not a field to merge
        page.screenshot(path=str(screenshots / "merge-queue.png"))
        item.locator("[data-accept-merge]").click()
        page.wait_for_load_state()
        assert lv_id in page.locator("main").inner_text()  # the notice names what was merged
        assert page.locator("[data-merge-request]").count() == 0
        assert page.locator('[data-merge-status="accepted"]').count() == 1

        other.goto("/dashboard/fix")
        assert other.locator('[data-merge-status="accepted"]').count() == 1
        for p in (page, other, third):
            p.context.close()

    lead = env.leads()[lv_id]
    assert lead.partner == "lv" and lead.data["notes"] == "Kohtusime Tallinnas"
    assert lead.data["email"] == "anna@alfa.lv"
    with env.store.session() as s:
        (request,) = s.query(MergeRequest).all()
        assert request.status == "accepted"
        assert s.get(QuarantineEntry, request.entry_id).resolution == "merged"
    env.synced_tab("lv")
    assert env.records("lv")[lv_id]["Piezīmes"] == "Kohtusime Tallinnas"
    # EE's sheet row says where it went, and the sync keeps no new entry of it
    env.synced_tab("ee")
    (row,) = env.records("ee").values()
    assert row["Sünkroonimise olek"] == f"Ühendatud kirjega {lv_id}"
    assert env.count(QuarantineEntry) == 1
