"""The Vanished rows page in headless Chromium over real HTTP, against a real
sheet (gspread on the emulator) and a real sync: staff deleted rows, the sync
held them (the deletion stop); LV's staff see them on the page linked from the
Sync page, in Latvian, restore one and archive the rest with the page's own
forms (CSRF and all), and the next sync writes the restored row back and lifts
the stop. EE's staff see none of LV's rows and cannot act on them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_sync import env, sign_in
from live_server import serving
from sync_env import LV_LEADS_HEADER, SyncEnv

pytestmark = pytest.mark.browser
__all__ = ["env"]  # the fixture, used by name


def test_staff_restore_and_archive_vanished_rows_in_the_browser(env: SyncEnv, browser: Any) -> None:
    from integration import create_app
    from integration.auth import create_token

    firms = [[f"SIA Firma {i}", "LV", "", "IKT", "", f"f{i}@firma.lv"] for i in range(8)]
    env.sheet("lv", [LV_LEADS_HEADER, *firms])
    assert env.sync("lv", tab="leads").ok
    ids = {r["Uzņēmums"]: rid for rid, r in env.records("lv").items()}
    rows = env.values("lv")
    env.replace("lv", "Leads", [rows[0], *rows[6:]])  # five of eight rows deleted: a stop
    assert env.sync("lv", tab="leads").tabs[0].outcome == "aborted"
    with env.store.session() as s:
        lv = create_token(s, "lv staff", "lv")[1]
        ee = create_token(s, "ee staff", "ee")[1]
    app = create_app(env.config, store=env.store)
    with serving(app) as url:
        url = url.replace("127.0.0.1", "localhost")  # a secure context: the Secure cookie works
        other = sign_in(browser, url, ee, "/dashboard/sync/vanished")
        assert other.locator("[data-vanished]").count() == 0
        assert other.locator("[data-vanished-none]").count() == 1

        page = sign_in(browser, url, lv, "/dashboard/sync")
        page.locator("[data-vanished-link]").click()
        page.wait_for_url(re.compile("/dashboard/sync/vanished$"))
        assert page.locator("main h1").inner_text() == "Pazudušās rindas"
        items = page.locator("[data-vanished]")
        assert items.count() == 5
        first = page.locator(f'[data-vanished="{ids["SIA Firma 0"]}"]')
        assert "SIA Firma 0" in first.inner_text()
        assert first.locator('[data-state="held"]').inner_text() == "Aiztur dzēšanas apturēšana"
        assert first.locator("[data-row]").get_attribute("data-row") == "2"
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1

        # EE posts to LV's row with its own session and CSRF token: not found
        other.goto("/dashboard/sync")
        token = other.locator("input[name=csrf_token]").first.get_attribute("value")
        answer = other.request.post(
            f"/dashboard/sync/vanished/{ids['SIA Firma 0']}",
            form={"csrf_token": token or "", "action": "archive"},
        )
        assert answer.status == 404

        page.locator(f'[data-restore="{ids["SIA Firma 0"]}"]').click()
        page.wait_for_load_state()
        assert ids["SIA Firma 0"] in page.locator("main").inner_text()  # the notice names it
        for n in range(1, 5):
            page.locator(f'[data-archive="{ids[f"SIA Firma {n}"]}"]').click()
            page.wait_for_load_state()
        assert page.locator("[data-vanished]").count() == 0
        page.context.close()
        other.context.close()

    tab = env.synced_tab()  # the stop is over: the restored row is written back
    assert tab.outcome == "completed" and tab.rows_appended == 1
    sheet = {r["Uzņēmums"]: rid for rid, r in env.records("lv").items()}
    assert sheet == {
        name: ids[name] for name in ("SIA Firma 0", "SIA Firma 5", "SIA Firma 6", "SIA Firma 7")
    }
    leads = env.leads()
    assert [leads[ids[f"SIA Firma {n}"]].archived_at is not None for n in range(8)] == [
        False,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert env.synced_tab().cells_written == 0
