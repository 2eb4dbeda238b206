"""Pure parts without servers: the three-way merge, planning across syncs (each
planning rule has its table in test_plan_rules.py), cell formatting, and the
connector's retry, rate budget and request batching."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from gspread.exceptions import APIError

from connectors.google_sheets.batch_requests import coalesce, write_batches
from connectors.google_sheets.errors import PermissionDenied, QuotaExceeded, TransientError
from connectors.google_sheets.ratelimit import RateLimiter
from connectors.google_sheets.retry import RetryPolicy, call_with_retry, parse_retry_after
from integration.sync import sheet_rows
from integration.sync.merge import merge_record
from integration.sync.plan import (
    NewId,
    Plan,
    Settings,
    Shadow,
    StoreRecord,
    StoreState,
    plan_tab,
)

HEADER = ["Company", "Country", "Sector", "E-mail", "CRM ID", "Sync status", "Last synced"]
NOW = datetime(2026, 1, 1, tzinfo=UTC)


# -- merge -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("base", "sheet", "store", "policy", "value", "conflict"),
    [
        ("a", "b", "a", "store_wins", "b", False),  # sheet changed only
        ("a", "a", "c", "sheet_wins", "c", False),  # store changed only
        ("a", "b", "b", "sheet_wins", "b", False),  # same change on both sides
        ("a", "b", "c", "sheet_wins", "b", True),
        ("a", "b", "c", "store_wins", "c", True),
        ("a", None, "c", "sheet_wins", None, True),  # cleared in the sheet vs edited
        (None, None, "c", "sheet_wins", "c", False),  # new in the store
    ],
)
def test_three_way_merge(base, sheet, store, policy, value, conflict) -> None:  # type: ignore[no-untyped-def]
    result = merge_record({"f": base}, {"f": sheet}, {"f": store}, ["f"], policy)
    assert result.merged["f"] == value
    assert bool(result.conflicts) is conflict
    if conflict:
        c = result.conflicts[0]
        assert (c.base, c.sheet, c.store, c.resolved) == (base, sheet, store, value)


def test_newest_wins_and_no_base() -> None:
    r = merge_record({"f": 1}, {"f": 2}, {"f": 3}, ["f"], "newest_wins", sheet_newer=False)
    assert r.merged["f"] == 3 and r.conflicts[0].winner == "store"
    r = merge_record(None, {"f": None, "g": 1}, {"f": 2, "g": 1}, ["f", "g"], "store_wins")
    assert r.merged == {"f": 2, "g": 1} and not r.conflicts and r.to_sheet == {"f": 2}
    with pytest.raises(ValueError, match="unknown conflict policy"):
        merge_record(None, {}, {}, ["f"], "coin_flip")


def test_merge_is_deterministic_and_bool_is_not_one() -> None:
    r = merge_record({"f": 1}, {"f": True}, {"f": 1}, ["f"], "sheet_wins")
    assert r.merged["f"] is True and r.to_store == {"f": True}


# -- planning --------------------------------------------------------------------
def _settings(**kw) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(partner="lv", tab="leads", locale="en", now=NOW, **kw)


def _plan(rows: list[list[Any]], state: StoreState) -> Plan:
    """The plan of ``rows`` read as the tab (its snapshot) against ``state``."""
    settings = _settings()
    return plan_tab(settings.read(rows), state, settings)


def _rec(i: int, **data) -> StoreRecord:  # type: ignore[no-untyped-def]
    d = {
        "partner": "lv",
        "company_name": f"Firm {i}",
        "country": "LV",
        "sector": "ict",
        "email": f"f{i}@x.lv",
        **data,
    }
    return StoreRecord(id=f"L-{i:06d}", data=d, version=1, owner="lv", updated_at=NOW)


def _state(n: int) -> StoreState:
    state = StoreState(kind="lead")
    for i in range(1, n + 1):
        rec = _rec(i)
        state.records[rec.id] = rec
        base = {k: v for k, v in rec.data.items() if k != "partner"}
        state.shadows[rec.id] = Shadow(base)
    return state


def _rows(ids: list[int]) -> list[list[object]]:
    return [HEADER] + [[f"Firm {i}", "LV", "ICT", f"f{i}@x.lv", f"L-{i:06d}", "OK"] for i in ids]


def test_new_rows_deduplicated_against_each_other_and_store() -> None:
    state = _state(1)
    state.lead_keys[("email", "f1@x.lv")] = ("L-000001", "ee")
    rows = [
        *_rows([1]),
        ["New A", "LV", "ICT", "new@x.lv"],
        ["New A again", "LV", "ICT", "NEW@x.lv "],
        ["Copy of 1", "LV", "ICT", "f1@x.lv"],
    ]
    plan = _plan(rows, state)
    assert [c.data["company_name"] for c in plan.creates] == ["New A"]
    assert plan.cells[(3, 4)] == NewId(0)
    assert plan.counts["duplicates"] == 2
    dup = [q for q in plan.quarantine if q.duplicate_of == "L-000001"]
    assert dup and plan.cells[(5, 5)] == "Duplicate of L-000001 (EE)"


def test_unchanged_rows_are_skipped_without_work() -> None:
    state = _state(3)
    first = _plan(_rows([1, 2, 3]), state)
    # the first plan records row fingerprints; with them a re-plan does nothing
    for rid, shadow in first.shadows.items():
        state.shadows[rid] = Shadow(shadow.base, shadow.row_hash, 1)
    again = _plan(_rows([1, 2, 3]), state)
    assert again.counts["unchanged"] == 3 and not again.cells and not again.has_store_changes


def test_to_cell_round_trips_in_each_language() -> None:
    from integration.normalise import normalise_record

    for locale in ("en", "lv", "et", "fi"):
        for field, value in (
            ("sector", "green_tech"),
            ("gdpr_consent", False),
            ("stage", "won"),
            ("country", "AZ"),
            ("gdpr_consent_date", "2025-03-12"),
        ):
            cell = sheet_rows.to_cell("lead", field, value, locale)
            record, _ = normalise_record("lead", {field: cell}, locale)
            assert record[field] == value, (locale, field, cell)


# -- connector ---------------------------------------------------------------------
def _api_error(status: int, headers: dict[str, str] | None = None) -> APIError:
    resp = requests.Response()
    resp.status_code = status
    resp._content = json.dumps({"error": {"code": status, "message": "m", "status": "X"}}).encode()
    resp.headers.update(headers or {})
    return APIError(resp)


def test_retry_backs_off_exponentially_honours_retry_after_and_gives_up() -> None:
    waits: list[float] = []
    policy = RetryPolicy(
        base=1,
        maximum=8,
        jitter=0,
        budget_seconds=100,
        max_attempts=6,
        sleep=waits.append,
        rng=random.Random(1),
    )
    outcomes = iter(
        [
            _api_error(503),
            _api_error(429, {"Retry-After": "3"}),
            _api_error(500),
            requests.Timeout(),
            requests.ConnectionError(),
            _api_error(502),
        ]
    )

    def call() -> str:
        raise next(outcomes)

    with pytest.raises(TransientError):
        call_with_retry(call, policy)
    assert waits == [1, 3, 4, 8, 8]  # 2^n truncated at 8; Retry-After wins
    with pytest.raises(PermissionDenied):
        call_with_retry(lambda: (_ for _ in ()).throw(_api_error(403)), policy)
    with pytest.raises(QuotaExceeded):
        call_with_retry(
            lambda: (_ for _ in ()).throw(_api_error(429)),
            RetryPolicy(max_attempts=1, sleep=waits.append),
        )
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("2.5") == 2.5


def test_a_key_google_refuses_is_a_stop_a_token_endpoint_not_reached_is_not() -> None:
    """The connector wraps google-auth's errors as one NoAccessToken (one wording);
    the stop reason still tells a refused key (a person must act) from an endpoint
    that was not reached (the next run may work)."""
    from google.auth.exceptions import RefreshError, TransportError

    from connectors.google_sheets.errors import NoAccessToken
    from integration.sync.stop_reasons import CREDENTIALS_REFUSED, stop_reason_of

    policy = RetryPolicy(max_attempts=3, sleep=lambda s: None)
    found = {}
    for google in (RefreshError("invalid_grant: Invalid JWT Signature."), TransportError("down")):
        with pytest.raises(NoAccessToken) as caught:
            call_with_retry(lambda google=google: (_ for _ in ()).throw(google), policy)
        assert caught.value.__cause__ is None  # one line, no google-auth traceback
        found[type(google).__name__] = stop_reason_of(caught.value)
    assert found == {"RefreshError": CREDENTIALS_REFUSED, "TransportError": None}


def test_rate_limiter_sliding_minute() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        clock[0] += s

    limiter = RateLimiter(3, clock=lambda: clock[0], sleep=sleep)
    for _ in range(3):
        assert limiter.acquire() == 0
    clock[0] = 10.0
    assert limiter.acquire() == 50.0  # waits until the first request is a minute old
    limiter.acquire()
    limiter.acquire()
    with pytest.raises(QuotaExceeded):
        limiter.acquire(max_wait=1.0)
    assert RateLimiter(0).acquire() == 0  # unlimited


def test_cells_coalesce_into_blocks_and_large_writes_split() -> None:
    cells = {(r, c): f"{r}:{c}" for r in range(2, 6) for c in (7, 8, 9)}
    cells[(3, 0)] = "x"
    blocks = coalesce(cells)
    assert blocks == [
        (2, 7, [[f"{r}:{c}" for c in (7, 8, 9)] for r in range(2, 6)]),
        (3, 0, [["x"]]),
    ]

    def batches(**kw: Any) -> list[Any]:
        kw.setdefault("cells", {})
        return write_batches(7, row_count=1000, column_count=26, limit=600, **kw)

    scattered = batches(cells={(r, 0): "v" * 50 for r in range(2, 40, 2)})
    assert len(scattered) > 1
    assert all(len(json.dumps(b.requests)) < 1200 for b in scattered)
    starts = [r["updateCells"]["start"]["rowIndex"] for b in scattered for r in b.requests]
    assert starts == list(range(1, 39, 2))  # 0-based rows 2, 4, ... 38
    tall = batches(cells={(r, 0): "v" * 20 for r in range(2, 200)})
    assert len(tall) > 1
    rows = [r["updateCells"] for b in tall for r in b.requests]
    assert rows[0]["start"]["rowIndex"] == 1
    assert sum(len(r["rows"]) for r in rows) == 198
    assert all(r["fields"] == "userEnteredValue" for r in rows)

    # appended rows: each batch inserts rows and fills them (atomic for its rows),
    # the next batch inserts right below the previous one's rows
    appended = batches(append_at=50, append_rows=[[f"L-{i:06d}", "x" * 40] for i in range(30)])
    assert len(appended) > 1
    at = 49
    for b in appended:
        insert, fill = b.requests[0]["insertDimension"], b.requests[1]["updateCells"]
        assert insert["range"]["startIndex"] == at == fill["start"]["rowIndex"]
        assert insert["range"]["endIndex"] - at == len(fill["rows"])
        assert b.marker is not None and b.marker[0] == f"L-{at - 49:06d}"
        at = insert["range"]["endIndex"]
    assert at == 79


def test_service_columns_go_right_of_every_used_cell() -> None:
    rows = [
        ["Company", "Country", "Sector", "E-mail"],
        ["A", "LV", "ICT", "a@x.lv", "", "loose note"],
    ]
    plan = _plan(rows, StoreState(kind="lead"))
    assert plan.cells[(1, 6)] == "CRM ID" and plan.cells[(1, 7)] == "Sync status"
    assert (2, 5) not in plan.cells and plan.cells[(2, 6)] == NewId(0)


def test_pending_appends_are_resolved_by_the_stamp_they_wrote() -> None:
    """A sync died between appending rows and committing: the bases were stored as
    pending with the append's Last synced stamp."""
    stamp = "2026-01-01T00:00:00Z"

    def state() -> StoreState:
        st = _state(1)
        rec = _rec(2, notes="edited in the CRM since")
        st.records[rec.id] = StoreRecord(rec.id, rec.data, 2, "lv", NOW)
        base = {k: v for k, v in _rec(2).data.items() if k != "partner"}
        st.shadows[rec.id] = Shadow(base, "pending:" + stamp, 1)
        return st

    header = [*HEADER, "Notes"]
    row1 = ["Firm 1", "LV", "ICT", "f1@x.lv", "L-000001", "OK", "2025-12-31T00:00:00Z"]
    # the append never landed: nothing carries its stamp, so it is appended again
    plan = _plan([header, row1], state())
    assert [rid for rid, _ in plan.appends] == ["L-000002"] and not plan.archives
    # it landed (another row of that sync carries the stamp) and was deleted since
    landed = [*row1[:6], stamp]
    plan = _plan([header, landed], state())
    assert plan.archives == ["L-000002"] and not plan.appends
    # the row is there: the pending base makes the CRM edit win without a conflict
    row2 = ["Firm 2", "LV", "ICT", "f2@x.lv", "L-000002", "OK", stamp]
    plan = _plan([header, row1, row2], state())
    assert not plan.conflicts and plan.cells[(3, 7)] == "edited in the CRM since"


def test_an_update_written_but_not_committed_is_resolved_by_its_stamp() -> None:
    """A sync wrote a CRM edit (and took a sheet edit) but died before its commit:
    the base it would have moved to was stored as pending under the row's new Last
    synced stamp. Only if the row carries that stamp did the write land."""
    header = [*HEADER, "Notes"]
    old_stamp = "2025-12-31T00:00:00Z"
    row = ["Firm 1 SIA", "LV", "ICT", "f1@x.lv", "L-000001", "OK", old_stamp]
    base = {k: v for k, v in _rec(1).data.items() if k != "partner"}

    def state(notes: str, version: int, pending: Shadow | None = None) -> StoreState:
        st = StoreState(kind="lead")
        st.records["L-000001"] = StoreRecord(
            "L-000001", {**_rec(1).data, "notes": notes}, version, "lv", NOW
        )
        st.shadows["L-000001"] = pending or Shadow(base, "old row", 1)
        return st

    # the killed sync: the CRM edit goes to the sheet, the sheet edit to the store
    killed = _plan([header, row], state("first CRM edit", 2))
    assert killed.cells[(2, 7)] == "first CRM edit" and killed.cells[(2, 6)] == killed.stamp
    assert killed.updates[0].changes == {"company_name": "Firm 1 SIA"}
    pending = killed.pending_bases["L-000001"]
    assert pending == {**base, "notes": "first CRM edit"}  # company_name not agreed yet
    stored = Shadow(base, "old row", 1, pending, killed.stamp)

    # it landed, then the CRM was edited again: the newer edit wins, no conflict,
    # and the sheet edit the killed sync never committed still reaches the store
    landed = [*row[:6], killed.stamp, "first CRM edit"]
    plan = _plan([header, landed], state("second CRM edit", 3, stored))
    assert not plan.conflicts
    assert plan.cells[(2, 7)] == "second CRM edit"
    assert plan.updates[0].changes == {"company_name": "Firm 1 SIA"}
    settled = plan.shadows["L-000001"]
    assert settled.pending_base is None and settled.base["notes"] == "second CRM edit"

    # it never landed: the old base holds, so the sheet's blank Notes is no edit and
    # the CRM value is written again (a pending base taken for landed would erase it)
    plan = _plan([header, row], state("first CRM edit", 2, stored))
    assert not plan.conflicts and plan.cells[(2, 7)] == "first CRM edit"
    assert plan.updates[0].changes == {"company_name": "Firm 1 SIA"}
    assert plan.stamp != killed.stamp  # never the stamp a pending base waits for
    assert plan.shadows["L-000001"].pending_base is None

    # a real conflict is still one: the partner edited the written cell since
    edited = [*landed[:7], "partner note"]
    plan = _plan([header, edited], state("second CRM edit", 3, stored))
    assert [(c.field, c.base, c.winner) for _, c in plan.conflicts] == [
        ("notes", "first CRM edit", "sheet")
    ]
