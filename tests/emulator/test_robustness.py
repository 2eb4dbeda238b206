"""Concurrency, latency and random garbage: the server stays correct and answers fast."""

from __future__ import annotations

import json
import random
import statistics
import string
import time

import requests
from concurrently import run_concurrently


def test_concurrent_appends_lose_nothing(emulator, sh) -> None:
    sh.sheet1.update([["who", "n"]], "A1")

    def worker(k: int) -> None:
        gc = emulator.client()
        mine = gc.open_by_key(sh.id)
        for n in range(10):
            mine.values_append(
                "Sheet1",
                params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                body={"values": [[f"w{k}", n]]},
            )

    assert run_concurrently(worker, range(6), timeout=30) == []
    rows = sh.sheet1.get_all_values()[1:]
    assert len(rows) == 60
    assert sorted(map(tuple, rows)) == sorted(
        (f"w{k}", str(n)) for k in range(6) for n in range(10)
    )


def test_calls_do_not_wait_for_nagle(emulator, sh) -> None:
    """With Nagle on, every small answer waits for the client's delayed ACK: at
    least 40 ms a call, whatever the machine's speed (a write and a read: 80 ms).
    The median pair stays under half that floor; a stall of a loaded machine
    slows single calls, not the median."""
    pairs = []
    for i in range(20):
        t0 = time.perf_counter()
        sh.values_update("A1", params={"valueInputOption": "RAW"}, body={"values": [[i]]})
        sh.values_get("A1")
        pairs.append(time.perf_counter() - t0)
    assert statistics.median(pairs) < 0.040, pairs


def test_keep_alive_reuses_one_connection(emulator, sh) -> None:
    s = requests.Session()
    s.headers["Authorization"] = "Bearer t"
    url = f"{emulator.base_url}/v4/spreadsheets/{sh.id}/values/A1"
    first = s.get(url, timeout=5)
    assert first.headers.get("Connection", "keep-alive").lower() != "close"
    sock_ids = set()
    for _ in range(5):
        r = s.get(url, timeout=5, stream=True)
        sock_ids.add(id(r.raw._connection.sock))
        r.content  # noqa: B018 - read the body so the connection returns to the pool
    assert len(sock_ids) == 1


def _random_json(rnd: random.Random, depth: int = 0):
    kind = rnd.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rnd.choice([True, False, 0, -1, 10**9, 1.5])
    if kind == 2:
        return rnd.choice(["", "A1", "Sheet1!A1:B2", "'x'!A", "=1/0", "ROWS", "RAW", "*"])
    if kind == 3:
        return "".join(rnd.choice(string.printable) for _ in range(rnd.randint(0, 8)))
    if kind == 4:
        return rnd.random()
    if kind == 5:
        return [_random_json(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
    keys = [
        "range",
        "values",
        "majorDimension",
        "data",
        "valueInputOption",
        "requests",
        "sheetId",
        "properties",
        "fields",
        "title",
        "gridProperties",
        "rowCount",
        "startIndex",
        "endIndex",
        "dimension",
        "length",
        "ranges",
        "name",
        "mimeType",
        "addSheet",
        "deleteSheet",
        "appendDimension",
        "insertDimension",
        "updateCells",
        "repeatCell",
        "rows",
    ]
    return {rnd.choice(keys): _random_json(rnd, depth + 1) for _ in range(rnd.randint(0, 4))}


def test_random_bodies_never_cause_a_server_error(emulator, sh) -> None:
    rnd = random.Random(20260101)
    s = requests.Session()
    s.headers["Authorization"] = "Bearer t"
    endpoints = [
        ("PUT", f"/v4/spreadsheets/{sh.id}/values/Sheet1!A1?valueInputOption=RAW"),
        ("POST", f"/v4/spreadsheets/{sh.id}/values/Sheet1:append?valueInputOption=USER_ENTERED"),
        ("POST", f"/v4/spreadsheets/{sh.id}/values:batchUpdate"),
        ("POST", f"/v4/spreadsheets/{sh.id}/values:batchClear"),
        ("POST", f"/v4/spreadsheets/{sh.id}:batchUpdate"),
        ("POST", "/drive/v3/files"),
    ]
    for _ in range(400):
        method, path = rnd.choice(endpoints)
        body = _random_json(rnd)
        if path.endswith(":batchUpdate") and "/values" not in path and rnd.random() < 0.6:
            kind = rnd.choice(
                [
                    "addSheet",
                    "updateSheetProperties",
                    "appendDimension",
                    "sortRange",
                    "insertDimension",
                    "deleteDimension",
                    "updateCells",
                    "mergeCells",
                ]
            )
            body = {"requests": [{kind: _random_json(rnd, 1) if rnd.random() < 0.3 else {}}]}
        r = s.request(method, emulator.base_url + path, data=json.dumps(body), timeout=10)
        assert r.status_code < 500, (method, path, body, r.text)
        if r.status_code >= 400:
            assert r.json()["error"]["code"] == r.status_code
