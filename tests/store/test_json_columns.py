"""The store's JSON columns (orjson, with the standard library for what orjson
refuses) read back what was written, on SQLite and PostgreSQL: text orjson will
not encode (a lone surrogate, an integer past 64 bits) and rows written by the
standard library before (``\\ud800`` escapes, spaced separators)."""

from __future__ import annotations

import json

from sqlalchemy import text

from integration.store.db import Store, json_text, json_value
from integration.store.models import AuditEntry, utcnow

SAMPLES = [
    {"company_name": "SIA Ščūka 𝄞", "n": 1e16, "big": 2**63 - 1, "tiny": 1e-7},
    {"notes": "half a pair \ud800 here", "big": 10**25},
    {"nested": {"1": [None, True, 0.1 + 0.2]}},
]


def test_json_text_and_json_value_round_trip_what_either_library_writes() -> None:
    for value in SAMPLES:
        assert json_value(json_text(value)) == value
        assert json_value(json.dumps(value)) == value  # rows stored before orjson


def test_json_columns_read_back_what_was_stored(store: Store) -> None:
    with store.session() as session:
        for i, changes in enumerate(SAMPLES):
            session.add(
                AuditEntry(
                    at=utcnow(), record_id=f"L-{i:06d}", kind="lead", action="update",
                    source="api", partner="lv", changes=changes,
                )
            )  # fmt: skip
    with store.session() as session:
        # and a row as the standard library wrote it before: escapes and spaces
        session.execute(
            text("UPDATE audit_log SET changes = :old WHERE record_id = 'L-000000'"),
            {"old": json.dumps(SAMPLES[0])},
        )
    with store.session() as session:
        got = {e.record_id: e.changes for e in session.query(AuditEntry)}
    assert got == {f"L-{i:06d}": value for i, value in enumerate(SAMPLES)}
