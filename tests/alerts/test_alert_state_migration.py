"""Migration 0011 adds ``alert_states`` and its downgrade takes only it back."""

from __future__ import annotations

from sqlalchemy import inspect

from integration.store import migrate
from integration.store.db import Store
from integration.store.models import AlertState


def test_0011_adds_and_removes_the_alert_states(db_url: str) -> None:
    store = Store(db_url)
    with store.session() as s:
        s.add(AlertState(key="tab_stopped:lv:leads", kind="tab_stopped", partner="lv",
                         detail={"tab": "leads"}, fingerprint="f"))  # fmt: skip
    migrate.downgrade(store, "0006")
    tables = set(inspect(store.engine).get_table_names())
    assert "alert_states" not in tables and {"leads", "sync_runs"} <= tables
    migrate.upgrade(store)
    assert migrate.is_current(store)
    with store.session() as s:
        assert s.get(AlertState, "tab_stopped:lv:leads") is None
        s.add(AlertState(key="k", kind="digest", fingerprint=""))
    with store.session() as s:
        stored = s.get(AlertState, "k")
        assert stored is not None and stored.opened_at.tzinfo is not None
    store.dispose()
