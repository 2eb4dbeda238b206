"""Drive v3 file calls as gspread makes them."""

from __future__ import annotations

import gspread
import pytest
import requests

SHEET_MIME = "application/vnd.google-apps.spreadsheet"


def test_create_get_and_delete(gc, emulator) -> None:
    sh = gc.create("Budget")
    assert len(sh.id) == 44
    info = gc.http_client.request(
        "get",
        f"https://www.googleapis.com/drive/v3/files/{sh.id}",
        params={"fields": "id,name,mimeType,createdTime,modifiedTime"},
    ).json()
    assert info["id"] == sh.id and info["name"] == "Budget" and info["mimeType"] == SHEET_MIME
    assert info["createdTime"].endswith("Z") and info["modifiedTime"] >= info["createdTime"]
    plain = gc.http_client.request(
        "get", f"https://www.googleapis.com/drive/v3/files/{sh.id}"
    ).json()
    assert plain == {"kind": "drive#file", "id": sh.id, "name": "Budget", "mimeType": SHEET_MIME}
    gc.del_spreadsheet(sh.id)
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open_by_key(sh.id)
    r = requests.delete(
        f"{emulator.base_url}/drive/v3/files/{sh.id}",
        headers={"Authorization": "Bearer t"},
        timeout=5,
    )
    assert r.status_code == 404


def test_open_by_title_uses_the_name_query(gc) -> None:
    gc.create("Leads LV")
    gc.create("Leads EE")
    assert gc.open("Leads EE").title == "Leads EE"
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open("Leads FI")
    assert sorted(s.title for s in gc.openall()) == ["Leads EE", "Leads LV"]
    assert [s.title for s in gc.openall("Leads LV")] == ["Leads LV"]


def test_list_pages_with_next_page_token(gc) -> None:
    for i in range(5):
        gc.create(f"File {i}")
    seen, token, pages = [], None, 0
    while True:
        params = {
            "q": f"mimeType='{SHEET_MIME}'",
            "pageSize": 2,
            "fields": "nextPageToken,files(id,name)",
        }
        if token:
            params["pageToken"] = token
        page = gc.http_client.request(
            "get", "https://www.googleapis.com/drive/v3/files", params=params
        ).json()
        pages += 1
        seen += [f["name"] for f in page["files"]]
        token = page.get("nextPageToken")
        if not token:
            break
    assert pages == 3
    assert sorted(seen) == [f"File {i}" for i in range(5)]


def test_name_contains_and_not_equal(gc) -> None:
    gc.create("Alpha report")
    gc.create("Beta report")
    gc.create("Gamma")

    def names(q: str) -> list[str]:
        res = gc.http_client.request(
            "get", "https://www.googleapis.com/drive/v3/files", params={"q": q}
        ).json()
        return sorted(f["name"] for f in res["files"])

    assert names("name contains 'report'") == ["Alpha report", "Beta report"]
    assert names("name != 'Gamma' and trashed = false") == ["Alpha report", "Beta report"]


def test_copy_keeps_values_and_is_independent(gc) -> None:
    sh = gc.create("Original")
    sh.sheet1.update([["a", "b"]], "A1")
    copy = gc.copy(sh.id, title="Copied", copy_comments=False)
    assert copy.title == "Copied"
    assert copy.sheet1.get_all_values() == [["a", "b"]]
    copy.sheet1.update([["changed"]], "A1")
    assert sh.sheet1.acell("A1").value == "a"


def test_import_csv_replaces_the_sheets(gc) -> None:
    target = gc.create("Imported")
    gc.import_csv(target.id, "h1,h2\n1,x\n")
    target = gc.open_by_key(target.id)
    assert target.sheet1.title == "Imported"
    assert target.sheet1.get_all_values() == [["h1", "h2"], ["1", "x"]]


def test_only_spreadsheets_can_be_created(emulator) -> None:
    r = requests.post(
        f"{emulator.base_url}/drive/v3/files",
        json={"name": "doc", "mimeType": "application/vnd.google-apps.document"},
        headers={"Authorization": "Bearer t"},
        timeout=5,
    )
    assert r.status_code == 400
    assert r.json()["error"]["status"] == "INVALID_ARGUMENT"
