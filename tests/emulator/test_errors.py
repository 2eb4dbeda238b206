"""Bad input gets Google's error shape and status, never a traceback or a 500."""

from __future__ import annotations

import http.client
import json
from urllib.parse import quote

import gspread
import pytest
import requests
from emulator_fixtures import run_emulator

AUTH = {"Authorization": "Bearer t"}


def call(emulator, method: str, path: str, **kw) -> requests.Response:
    kw.setdefault("headers", AUTH)
    return requests.request(method, emulator.base_url + path, timeout=10, **kw)


def assert_google_error(r: requests.Response, code: int, status: str) -> dict:
    assert r.status_code == code, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    err = r.json()["error"]
    assert err["code"] == code
    assert err["status"] == status
    assert err["message"] and "Traceback" not in err["message"]
    return err


def test_missing_bearer_token_is_unauthenticated(emulator, sh) -> None:
    r = call(emulator, "GET", f"/v4/spreadsheets/{sh.id}", headers={})
    assert_google_error(r, 401, "UNAUTHENTICATED")


def test_a_configured_token_must_match() -> None:
    with run_emulator(token="s3cret") as emu:
        assert_google_error(
            requests.get(
                emu.base_url + "/drive/v3/files",
                headers={"Authorization": "Bearer nope"},
                timeout=5,
            ),
            401,
            "UNAUTHENTICATED",
        )
        gc = emu.client()
        assert gc.create("ok").title == "ok"


def test_unknown_spreadsheet_is_not_found(gc, emulator) -> None:
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open_by_key("doesnotexist")
    err = assert_google_error(
        call(emulator, "GET", "/v4/spreadsheets/nope/values/A1"), 404, "NOT_FOUND"
    )
    assert err["message"] == "Requested entity was not found."


@pytest.mark.parametrize("rng", ["Nope!A1", "Sheet1!1A", "Sheet1!A1:B2:C3", "''!A1", "Sheet1!"])
def test_bad_ranges_are_invalid_argument(emulator, sh, rng: str) -> None:
    path = f"/v4/spreadsheets/{sh.id}/values/{quote(rng, safe='')}"
    r = call(emulator, "GET", path)
    if rng == "Sheet1!":  # a bare "Sheet1!" reads the whole sheet at Google too
        assert r.status_code == 200
        return
    err = assert_google_error(r, 400, "INVALID_ARGUMENT")
    assert "Unable to parse range" in err["message"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "Invalid JSON payload"),
        (b'{"values": "A1:D4"}', "Invalid value at 'data.values'"),
        (b'{"values": [["ok"], "row"]}', "Invalid value at 'data.values[1]'"),
        (b'{"values": [[{"nested": 1}]]}', "Invalid value at 'data.values[0][0]'"),
        (b'{"values": [["x"]], "colour": "red"}', 'Unknown name "colour"'),
        (b"[1, 2]", "Expected an object"),
        ('{"values": [["\udcff"]]}'.encode("utf-8", "surrogatepass"), "Invalid JSON payload"),
    ],
)
def test_malformed_bodies_are_rejected_clearly(emulator, sh, body: bytes, fragment: str) -> None:
    r = call(
        emulator,
        "PUT",
        f"/v4/spreadsheets/{sh.id}/values/A1?valueInputOption=RAW",
        data=body,
        headers={**AUTH, "Content-Type": "application/json"},
    )
    err = assert_google_error(r, 400, "INVALID_ARGUMENT")
    assert fragment in err["message"]


def test_missing_or_unknown_options(emulator, sh) -> None:
    base = f"/v4/spreadsheets/{sh.id}/values/A1"
    err = assert_google_error(
        call(emulator, "PUT", base, json={"values": [["x"]]}), 400, "INVALID_ARGUMENT"
    )
    assert "valueInputOption" in err["message"]
    assert_google_error(
        call(emulator, "PUT", base + "?valueInputOption=LOUD", json={}), 400, "INVALID_ARGUMENT"
    )
    assert_google_error(
        call(emulator, "GET", base + "?valueRenderOption=PRETTY"), 400, "INVALID_ARGUMENT"
    )
    assert_google_error(
        call(emulator, "GET", f"/v4/spreadsheets/{sh.id}?includeGridData=maybe"),
        400,
        "INVALID_ARGUMENT",
    )


def test_wrong_types_in_batch_update_requests(emulator, sh) -> None:
    path = f"/v4/spreadsheets/{sh.id}:batchUpdate"
    for body in (
        {"requests": "addSheet"},
        {"requests": []},
        {"requests": [{"addSheet": "x"}]},
        {"requests": [{"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": "many"}}]},
        {
            "requests": [
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": 0, "title": ""},
                        "fields": "title",
                    }
                }
            ]
        },
        {
            "requests": [
                {
                    "insertDimension": {
                        "range": {
                            "sheetId": 0,
                            "dimension": "DIAGONAL",
                            "startIndex": 0,
                            "endIndex": 1,
                        }
                    }
                }
            ]
        },
    ):
        assert_google_error(call(emulator, "POST", path, json=body), 400, "INVALID_ARGUMENT")


def test_oversized_request_is_refused_before_reading_it(emulator) -> None:
    host, port = emulator.host_port.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.putrequest("POST", "/drive/v3/files")
    conn.putheader("Authorization", "Bearer t")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(10**9))
    conn.endheaders()
    resp = conn.getresponse()
    body = json.loads(resp.read())
    assert resp.status == 400
    assert body["error"]["code"] == 400
    assert body["error"]["status"] == "INVALID_ARGUMENT"
    assert body["error"]["message"] == "Request payload size exceeds the limit: 10485760 bytes."
    conn.close()


def test_unknown_paths_and_methods_are_not_found(emulator) -> None:
    assert_google_error(call(emulator, "GET", "/v4/nothing/here"), 404, "NOT_FOUND")
    assert_google_error(call(emulator, "DELETE", "/v4/spreadsheets/abc"), 404, "NOT_FOUND")


def test_garbage_never_causes_a_server_error(emulator, sh) -> None:
    paths = [
        f"/v4/spreadsheets/{sh.id}/values/%FF%FE",
        f"/v4/spreadsheets/{sh.id}/values:batchGet?ranges=",
        f"/v4/spreadsheets/{sh.id}/values:batchGet?ranges=%27%27%27",
        f"/v4/spreadsheets/{sh.id}?fields=sheets(properties",
        f"/v4/spreadsheets/{sh.id}?ranges=Nope!A1",
        "/drive/v3/files?q=name%20%3D%3D%20x",
        "/drive/v3/files?pageSize=-1",
        "/drive/v3/files?pageToken=abc",
    ]
    for path in paths:
        r = call(emulator, "GET", path)
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
        assert r.json()["error"]["code"] == r.status_code
    for body in (
        {"data": [{"range": 5, "values": [[1]]}], "valueInputOption": "RAW"},
        {"data": "x", "valueInputOption": "RAW"},
        {
            "valueInputOption": "RAW",
            "data": [{"range": "A1", "values": [[1]], "majorDimension": "SIDEWAYS"}],
        },
    ):
        r = call(emulator, "POST", f"/v4/spreadsheets/{sh.id}/values:batchUpdate", json=body)
        assert r.status_code == 400, (body, r.text)


def test_a_configured_token_also_guards_the_admin_api() -> None:
    with run_emulator(token="s3cret") as emu:
        r = requests.post(emu.base_url + "/_emulator/reset", timeout=5)
        assert_google_error(r, 401, "UNAUTHENTICATED")
        emu.client().create("kept")
        emu.reset()  # the handle sends the token
        assert emu.client().openall() == []


@pytest.mark.parametrize("depth", [101, 400, 100_000])
def test_a_deeply_nested_body_is_googles_400(emulator, sh, depth: int) -> None:
    """Google's transcoder stops at 100 levels: INVALID_ARGUMENT, and the
    emulator keeps serving."""
    body = '{"requests": [' + '{"a": ' * depth + "1" + "}" * depth + "]}"
    r = call(
        emulator,
        "POST",
        f"/v4/spreadsheets/{sh.id}:batchUpdate",
        data=body.encode(),
        headers={**AUTH, "Content-Type": "application/json"},
    )
    err = assert_google_error(r, 400, "INVALID_ARGUMENT")
    assert err["message"].startswith("Invalid JSON payload received. Message too deep")
    values = {"valueInputOption": "RAW", "data": [{"range": "A1", "values": [[[[[1]]]]]}]}
    assert call(emulator, "GET", f"/v4/spreadsheets/{sh.id}").status_code == 200
    ok = call(emulator, "POST", f"/v4/spreadsheets/{sh.id}/values:batchUpdate", json=values)
    assert ok.status_code == 400  # an ordinary bad value, still answered in Google's shape
