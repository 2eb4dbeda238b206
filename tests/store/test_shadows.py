"""The one shadow upsert (``INSERT ... ON CONFLICT DO UPDATE`` through the
SQLite and PostgreSQL dialects), on both stores."""

from __future__ import annotations

from sqlalchemy import func, select

from integration.store.db import Store
from integration.store.models import SyncShadow
from integration.store.shadows import CHUNK, upsert_shadows


def _shadows(store: Store) -> dict[str, SyncShadow]:
    with store.session() as s:
        return {row.record_id: row for row in s.scalars(select(SyncShadow))}


def test_upsert_inserts_new_shadows_and_sets_only_the_named_columns(store: Store) -> None:
    key = {"partner": "lv", "tab": "leads"}
    with store.session() as s:
        upsert_shadows(
            s,
            [
                {**key, "record_id": "L-000001", "base": {"stage": "new"}, "row_hash": "a",
                 "record_version": 1, "pending_base": {"stage": "won"},
                 "pending_base_stamp": "2026-12-07 10:00"},
                {**key, "record_id": "L-000002", "base": {}, "row_hash": "b", "record_version": 1},
            ],
        )  # fmt: skip
    with store.session() as s:
        upsert_shadows(
            s,
            [
                # moves the base, leaves the pending base alone (not named)
                {**key, "record_id": "L-000001", "base": {"stage": "met"}, "record_version": 2},
                # a row naming the pending columns clears them
                {**key, "record_id": "L-000002", "base": {"x": 1}, "pending_base": None},
                {**key, "record_id": "L-000003", "base": {}, "row_hash": "c"},
            ],
        )
    rows = _shadows(store)
    assert sorted(rows) == ["L-000001", "L-000002", "L-000003"]
    one = rows["L-000001"]
    assert (one.base, one.record_version, one.row_hash) == ({"stage": "met"}, 2, "a")
    assert one.pending_base == {"stage": "won"} and one.pending_base_stamp == "2026-12-07 10:00"
    assert rows["L-000002"].base == {"x": 1} and rows["L-000002"].row_hash == "b"
    assert rows["L-000003"].row_hash == "c"


def test_upsert_writes_more_rows_than_one_statement_takes(store: Store) -> None:
    count = CHUNK + 7
    rows = [
        {"partner": "ee", "tab": "leads", "record_id": f"L-{n:06d}", "base": {"n": n}}
        for n in range(count)
    ]
    with store.session() as s:
        upsert_shadows(s, rows[: CHUNK // 2])
    with store.session() as s:
        upsert_shadows(s, ({**r, "row_hash": "h"} for r in rows))
    with store.session() as s:
        stored = s.scalar(select(func.count()).select_from(SyncShadow))
        hashed = s.scalar(select(func.count()).where(SyncShadow.row_hash == "h"))
    assert stored == count and hashed == count
