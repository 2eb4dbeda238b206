"""Fault injection, quotas, stats and reset: the controls other tests rely on."""

from __future__ import annotations

import threading
import time
from typing import Any

import gspread
import pytest
import requests


def _fault_rules(emulator) -> int:  # type: ignore[no-untyped-def]
    """How many fault rules the emulator still holds (one-shot rules go when used)."""
    r = requests.get(
        emulator.base_url + "/_emulator/faults",
        headers={"Authorization": f"Bearer {emulator.token}"},
        timeout=5,
    )
    r.raise_for_status()
    return int(r.json()["faults"])


def test_stats_count_requests_by_endpoint(emulator, sh) -> None:
    emulator.reset_stats()
    sh.values_batch_get(["Sheet1"])
    sh.values_batch_update(
        {"valueInputOption": "RAW", "data": [{"range": "A1", "values": [["x"]]}]}
    )
    sh.values_append("Sheet1", params={"valueInputOption": "RAW"}, body={"values": [["y"]]})
    sh.fetch_sheet_metadata()
    stats = emulator.stats()
    assert stats["by_endpoint"] == {
        "values.batchGet": 1,
        "values.batchUpdate": 1,
        "values.append": 1,
        "spreadsheets.get": 1,
    }
    assert stats["total"] == 4


def test_a_request_held_over_a_stats_reset_is_not_counted_after_it(emulator, sh) -> None:
    """A straggler (delayed past its client's patience in an earlier test) must
    not show up in the counts of the next test, which reset the stats."""
    emulator.inject_fault(endpoint="values.get", delay=3.0, times=1)
    straggler = threading.Thread(target=sh.values_get, args=("Sheet1!A1",))
    straggler.start()
    # the one-shot fault is used up when the straggler arrives: it is held from then on
    deadline = time.monotonic() + 30
    while _fault_rules(emulator):
        assert time.monotonic() < deadline, "the straggler never reached the emulator"
        time.sleep(0.02)
    emulator.reset_stats()
    straggler.join()
    assert emulator.stats()["total"] == 0
    sh.values_get("Sheet1!A1")
    assert emulator.stats()["by_endpoint"] == {"values.get": 1}


def test_next_n_matching_requests_fail_with_the_given_status(emulator, sh) -> None:
    emulator.inject_fault(endpoint="values.get", status=503, times=2)
    for _ in range(2):
        with pytest.raises(gspread.exceptions.APIError) as err:
            sh.values_get("Sheet1!A1")
        body = err.value.response.json()["error"]
        assert (body["code"], body["status"]) == (503, "UNAVAILABLE")
    assert sh.values_get("Sheet1!A1")["range"] == "Sheet1!A1"
    sh.fetch_sheet_metadata()  # other endpoints were never affected


def test_faults_match_on_method_and_path(emulator, sh) -> None:
    emulator.inject_fault(method="PUT", path=r"/values/.*B2", status=429)
    sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW"}, body={"values": [["ok"]]})
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.values_update("Sheet1!B2", params={"valueInputOption": "RAW"}, body={"values": [["no"]]})
    assert err.value.response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"


def test_delay_slows_the_answer(emulator, sh) -> None:
    emulator.inject_fault(endpoint="spreadsheets.get", delay=0.3)
    t0 = time.perf_counter()
    sh.fetch_sheet_metadata()
    assert time.perf_counter() - t0 >= 0.3
    t0 = time.perf_counter()
    sh.fetch_sheet_metadata()
    assert time.perf_counter() - t0 < 0.3


def test_drop_closes_the_connection_without_an_answer(emulator, sh) -> None:
    emulator.inject_fault(endpoint="values.batchGet", drop=True)
    with pytest.raises(requests.ConnectionError):
        sh.values_batch_get(["Sheet1"])
    assert sh.values_batch_get(["Sheet1"])["valueRanges"][0]["range"] == "Sheet1!A1:Z1000"


def test_after_status_applies_the_write_and_loses_the_answer(emulator, sh) -> None:
    """Google's worst answer to a write: an error, though the write landed."""
    emulator.inject_fault(endpoint="values.batchUpdate", status=503, after=True)
    body = {"valueInputOption": "RAW", "data": [{"range": "A1", "values": [["landed"]]}]}
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.values_batch_update(body)
    assert err.value.response.json()["error"]["status"] == "UNAVAILABLE"
    assert sh.values_get("Sheet1!A1")["values"] == [["landed"]]


def test_after_drop_applies_the_write_and_closes_the_connection(emulator, sh) -> None:
    emulator.inject_fault(endpoint="values.batchUpdate", drop=True, after=True)
    body = {"valueInputOption": "RAW", "data": [{"range": "B2", "values": [["landed"]]}]}
    with pytest.raises(requests.ConnectionError):
        sh.values_batch_update(body)
    assert sh.values_get("Sheet1!B2")["values"] == [["landed"]]


def test_after_delay_answers_late_with_what_was_read_before(emulator, sh) -> None:
    """A read applied at once whose answer comes late: a write made meanwhile is
    not in it (the reader holds a stale copy, as with Google's slow answers)."""
    sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW"}, body={"values": [["old"]]})
    emulator.inject_fault(endpoint="values.get", delay=0.5, after=True)
    got: list[Any] = []
    reader = threading.Thread(target=lambda: got.append(sh.values_get("Sheet1!A1")))
    reader.start()
    deadline = time.monotonic() + 10
    while emulator.stats()["faults_fired"]["total"] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW"}, body={"values": [["new"]]})
    reader.join(10)
    assert got[0]["values"] == [["old"]]
    assert sh.values_get("Sheet1!A1")["values"] == [["new"]]


def test_a_fault_before_the_request_leaves_the_sheet_alone(emulator, sh) -> None:
    emulator.inject_fault(endpoint="values.batchUpdate", status=500)
    body = {"valueInputOption": "RAW", "data": [{"range": "C3", "values": [["never"]]}]}
    with pytest.raises(gspread.exceptions.APIError):
        sh.values_batch_update(body)
    assert "values" not in sh.values_get("Sheet1!C3")


def test_stats_count_the_faults_that_fired_not_those_installed(emulator, sh) -> None:
    emulator.reset_stats()
    emulator.inject_fault(endpoint="values.get", status=500, times=3)
    emulator.inject_fault(endpoint="values.batchUpdate", drop=True, after=True)
    emulator.inject_fault(endpoint="drive.files.delete", status=503)  # never matched
    with pytest.raises(gspread.exceptions.APIError):
        sh.values_get("Sheet1!A1")
    with pytest.raises(requests.ConnectionError):
        sh.values_batch_update(
            {"valueInputOption": "RAW", "data": [{"range": "A1", "values": [["x"]]}]}
        )
    assert emulator.stats()["faults_fired"] == {
        "total": 2,
        "by_kind": {"500": 1, "after:drop": 1},
    }
    emulator.reset_stats()
    assert emulator.stats()["faults_fired"] == {"total": 0, "by_kind": {}}


def _outcomes(emulator, sh, n: int) -> list[bool]:
    out = []
    for _ in range(n):
        try:
            sh.values_get("Sheet1!A1")
            out.append(True)
        except gspread.exceptions.APIError:
            out.append(False)
    return out


def test_probability_faults_are_reproducible_with_a_seed(emulator, sh) -> None:
    emulator.inject_fault(endpoint="values.get", status=500, probability=0.5, seed=7)
    first = _outcomes(emulator, sh, 30)
    emulator.clear_faults()
    emulator.inject_fault(endpoint="values.get", status=500, probability=0.5, seed=7)
    second = _outcomes(emulator, sh, 30)
    emulator.clear_faults()
    assert first == second
    assert 5 < first.count(False) < 25
    assert all(_outcomes(emulator, sh, 5))


def test_bad_fault_specs_are_refused(emulator) -> None:
    for spec in (
        {"status": 200},
        {"path": "("},
        {"endpoint": "values.get"},
        {"status": 500, "bogus": 1},
        {"after": True},
        {"status": 500, "after": "yes"},
    ):
        r = requests.post(emulator.base_url + "/_emulator/faults", json=spec, timeout=5)
        assert r.status_code == 400
        assert r.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_quotas_limit_reads_and_writes_per_user_per_minute(emulator, sh) -> None:
    emulator.set_quotas(read_per_user=3, write_per_user=2)
    for _ in range(3):
        sh.values_get("Sheet1!A1")
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.values_get("Sheet1!A1")
    body = err.value.response.json()["error"]
    assert (err.value.response.status_code, body["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert "Read requests" in body["message"]
    for _ in range(2):  # writes have their own bucket
        sh.values_update("A1", params={"valueInputOption": "RAW"}, body={"values": [[1]]})
    with pytest.raises(gspread.exceptions.APIError):
        sh.values_update("A1", params={"valueInputOption": "RAW"}, body={"values": [[1]]})


def test_project_quota_spans_users(emulator, sh) -> None:
    emulator.set_quotas(read_per_user=100, read_per_project=4)
    other = requests.Session()
    other.headers["Authorization"] = "Bearer another-user"
    url = f"{emulator.base_url}/v4/spreadsheets/{sh.id}/values/A1"
    for _ in range(2):
        sh.values_get("A1")
        assert other.get(url, timeout=5).status_code == 200
    assert other.get(url, timeout=5).status_code == 429


def test_quotas_are_off_by_default(emulator, sh) -> None:
    """Past Google's 60 reads and 60 writes per user per minute, every call is
    still answered, because an emulator started without quotas enforces none."""
    quotas = requests.get(emulator.base_url + "/_emulator/quotas", timeout=5).json()
    assert quotas["enabled"] is False
    emulator.reset_stats()
    for i in range(70):
        body = {"values": [[f"write {i}"]]}
        sh.values_update("A1", params={"valueInputOption": "RAW"}, body=body)
        assert sh.values_get("A1")["values"] == [[f"write {i}"]]
    assert emulator.stats()["by_endpoint"] == {"values.update": 70, "values.get": 70}


def test_reset_drops_everything(emulator, gc, sh) -> None:
    emulator.inject_fault(endpoint="values.get", status=500, times=5)
    emulator.reset()
    assert gc.openall() == []
    assert emulator.stats() == {
        "total": 1,
        "by_endpoint": {"drive.files.list": 1},
        "faults_fired": {"total": 0, "by_kind": {}},
    }
    new = gc.create("after reset")
    assert new.values_get("A1")["range"] == "Sheet1!A1"  # the fault is gone too


def test_injected_statuses_use_googles_status_names(emulator, sh) -> None:
    emulator.inject_fault(endpoint="values.get", status=403)
    with pytest.raises(gspread.exceptions.APIError) as err:
        sh.values_get("A1")
    body = err.value.response.json()["error"]
    assert body == {
        "code": 403,
        "message": "The caller does not have permission",
        "status": "PERMISSION_DENIED",
    }


def test_an_unshared_spreadsheet_is_simulated_with_a_lasting_403(emulator, gc, sh) -> None:
    other = gc.create("Shared")
    emulator.inject_fault(path=sh.id, probability=1, status=403)
    for _ in range(3):
        with pytest.raises(gspread.exceptions.APIError) as err:
            sh.values_batch_get(["Sheet1"])
        assert err.value.response.json()["error"]["status"] == "PERMISSION_DENIED"
    assert other.values_batch_get(["Sheet1"])["valueRanges"]
    emulator.clear_faults()
    assert sh.values_batch_get(["Sheet1"])["valueRanges"]


def test_refused_requests_are_counted_too(emulator, sh) -> None:
    emulator.set_quotas(read_per_user=1)
    emulator.inject_fault(endpoint="values.get", status=500)
    emulator.reset_stats()
    with pytest.raises(gspread.exceptions.APIError):
        sh.values_get("A1")  # the injected 500
    sh.values_get("A1")  # the one read the quota allows
    with pytest.raises(gspread.exceptions.APIError):
        sh.values_get("A1")  # refused by the quota
    assert emulator.stats()["by_endpoint"] == {"values.get": 3}


def test_reset_puts_quotas_back_as_at_start(emulator, sh) -> None:
    emulator.set_quotas(read_per_user=1)
    emulator.reset()
    quotas = requests.get(emulator.base_url + "/_emulator/quotas", timeout=5).json()
    assert quotas == {
        "enabled": False,
        "read_per_user": 60,
        "write_per_user": 60,
        "read_per_project": 300,
        "write_per_project": 300,
    }


def test_started_with_quotas_google_limits_apply() -> None:
    from emulator_fixtures import run_emulator

    with run_emulator(quotas=True) as emu:
        sh = emu.client().create("quota")  # Drive create (no quota) + one metadata read
        for _ in range(59):
            sh.values_get("A1")
        with pytest.raises(gspread.exceptions.APIError) as err:
            sh.values_get("A1")
        assert err.value.response.status_code == 429
