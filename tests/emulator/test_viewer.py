"""The emulator's read-only page of a spreadsheet, at Google's address shape:
what an "Open sheet" link pointed at the emulator shows in a browser."""

from __future__ import annotations

import gspread
import requests

from connectors.google_sheets.transport import EmulatorSession
from sheets_emulator.running import RunningEmulator


def test_the_page_shows_every_tab_as_displayed_and_writes_nothing(emulator, sh) -> None:  # type: ignore[no-untyped-def]
    leads = sh.sheet1
    leads.update_title("Kontakti")
    leads.update([["Uzņēmums", "Valsts"], ["Alfa <SIA>", "Latvija"]], "A1")
    sh.add_worksheet("Līgumi", rows=5, cols=3)
    before = emulator.stats()
    for path in (f"/spreadsheets/d/{sh.id}/edit", f"/spreadsheets/d/{sh.id}"):
        page = requests.get(f"http://{emulator.host_port}{path}", timeout=10)
        assert page.status_code == 200
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "<h2>Kontakti</h2>" in page.text and "<h2>Līgumi</h2>" in page.text
        assert '<tr data-row="2"><th>2</th><td>Alfa &lt;SIA&gt;</td><td>Latvija</td>' in page.text
        assert f'id="gid-{leads.id}"' in page.text  # Google's #gid= fragment marks it
    assert leads.get_all_values() == [["Uzņēmums", "Valsts"], ["Alfa <SIA>", "Latvija"]]
    assert emulator.stats()["total"] - before["total"] <= 3  # only the reads above


def test_an_unknown_spreadsheet_is_googles_404(emulator) -> None:  # type: ignore[no-untyped-def]
    page = requests.get(f"http://{emulator.host_port}/spreadsheets/d/nope/edit", timeout=10)
    assert page.status_code == 404
    assert page.json()["error"]["status"] == "NOT_FOUND"


def test_an_emulator_with_a_token_shows_the_page_only_with_it() -> None:
    with RunningEmulator("127.0.0.1", 0, token="sesame") as guarded:
        gc = gspread.Client(auth=None, session=EmulatorSession(guarded.host_port, token="sesame"))
        url = f"http://{guarded.host_port}/spreadsheets/d/{gc.create('T').id}/edit"
        assert requests.get(url, timeout=10).status_code == 401
        shown = requests.get(url, headers={"Authorization": "Bearer sesame"}, timeout=10)
        assert shown.status_code == 200 and "<h1>T</h1>" in shown.text
