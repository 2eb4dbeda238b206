"""A row link pointed at the emulator (the demo's "Open sheet" and "row in the
sheet" links) opens the emulator's view in Chromium with that tab's row marked,
as Google's ``#gid=…&range=A<row>`` does."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from integration.config import load_config

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[2] / "partners.example.toml"


def test_a_row_link_opens_the_emulators_view_with_the_row_marked(browser: Any, emulator) -> None:  # type: ignore[no-untyped-def]
    gc = emulator.client()
    sh = gc.create("Kontakti LV")
    sh.sheet1.update([["Uzņēmums"], ["Alfa SIA"], ["Beta SIA"]], "A1")
    agreements = sh.add_worksheet("Līgumi", rows=5, cols=2)
    agreements.update([["Līgums"], ["A-1"]], "A1")
    lv = load_config(EXAMPLE, environ={}).partners["lv"]
    lv = dataclasses.replace(
        lv,
        spreadsheet_id=sh.id,
        spreadsheet_url=f"http://{emulator.host_port}/spreadsheets/d/{sh.id}",
    )
    page = browser.new_page()
    try:
        page.goto(lv.sheet_url(gid=sh.sheet1.id, row=3))
        marked = page.locator("tr.marked")
        assert marked.count() == 1 and "Beta SIA" in marked.inner_text()
        page.goto(lv.sheet_url(gid=agreements.id))
        assert page.locator(f"section#gid-{agreements.id}.marked h2").inner_text() == "Līgumi"
        assert page.locator("tr.marked").count() == 0  # the hash changed: marks move
        page.goto(lv.sheet_url())  # "Open sheet": every tab, nothing marked
        assert page.locator("section h2").all_inner_texts() == ["Sheet1", "Līgumi"]
        assert page.locator(".marked").count() == 0
    finally:
        page.close()
