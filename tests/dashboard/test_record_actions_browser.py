"""Acting from a record's page in headless Chromium over real HTTP, against a
real sheet (gspread on the emulator) and a real sync: LV staff, reading
Latvian, edit a lead (a mistyped e-mail first: the form comes back with the
problem named by its field and everything typed still there), see the change
in the history under their token's name, archive and restore it with the
confirmation step, and the next sync writes the edit into the partner's row."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_sync import env as env
from browser_sync import sign_in
from live_server import serving
from sync_env import LV_LEADS_HEADER, SyncEnv

pytestmark = pytest.mark.browser


def test_edit_archive_and_restore_a_lead_in_the_browser(env: SyncEnv, browser: Any) -> None:
    from integration import create_app
    from integration.auth import create_token

    env.sheet(
        "lv", [LV_LEADS_HEADER, ["SIA Ozols", "LV", "", "IKT", "Jānis", "j@ozols.lv", "", "", ""]]
    )
    assert env.sync("lv", tab="leads").ok
    (lead_id,) = env.records("lv")
    with env.store.session() as s:
        lv = create_token(s, "Līga (LV)", "lv")[1]
    app = create_app(env.config, store=env.store)
    with serving(app) as url:
        url = url.replace("127.0.0.1", "localhost")
        page = sign_in(browser, url, lv, f"/dashboard/leads/{lead_id}")
        page.locator("[data-edit]").click()
        page.wait_for_url(re.compile(f"/dashboard/leads/{lead_id}/edit$"))
        # a choice is a dropdown of Latvian words, not a code box
        stage = page.locator("select[name='field:stage']")
        assert stage.locator("option[value=meeting]").inner_text() == "Tikšanās"
        stage.select_option("meeting")
        page.locator("select[name='field:sector']").select_option("green_tech")
        page.locator("textarea[name='field:notes']").fill("Tikšanās Baku")
        page.locator("input[name='field:email']").fill("nav e-pasts")
        page.locator("[data-save]").click()
        page.wait_for_load_state()
        problems = page.locator("[data-edit-errors]")
        assert "E-pasts" in problems.inner_text() and "Nav saglabāts" in problems.inner_text()
        # nothing typed is lost
        assert page.locator("textarea[name='field:notes']").input_value() == "Tikšanās Baku"
        assert page.locator("select[name='field:stage']").input_value() == "meeting"
        assert page.locator("input[name='field:email']").input_value() == "nav e-pasts"
        page.locator("input[name='field:email']").fill("janis@ozols.lv")
        page.locator("[data-save]").click()
        page.wait_for_url(re.compile(f"/dashboard/leads/{lead_id}$"))
        assert lead_id in page.locator(".flashes").inner_text()
        history = page.locator("#history-table tbody tr").first
        assert "Līga (LV)" in history.inner_text()
        assert "Tikšanās Baku" in history.inner_text()

        page.locator("[data-archive-open]").click()
        page.locator("[data-archive-confirm]").click()
        page.wait_for_url(re.compile(f"/dashboard/leads/{lead_id}$"))
        assert page.locator("main h1 .tag").count() == 1  # archived
        page.locator("[data-restore-open]").click()
        page.locator("[data-restore-confirm]").click()
        page.wait_for_url(re.compile(f"/dashboard/leads/{lead_id}$"))
        assert page.locator("main h1 .tag").count() == 0
        rows = page.locator("#history-table tbody tr")
        assert [rows.nth(i).locator("[data-actor]").inner_text() for i in range(3)] == [
            "Līga (LV)"
        ] * 3
        page.context.close()

    assert env.synced_tab().outcome == "completed"
    row = env.records("lv")[lead_id]
    assert row["Piezīmes"] == "Tikšanās Baku" and row["E-pasts"] == "janis@ozols.lv"
    assert row["Nozare"] == "Zaļās tehnoloģijas"  # the new sector, in the partner's words
    assert env.synced_tab().cells_written == 0
