"""A sync that dies with the store lets go of the spreadsheet's lease once the
store is back: the partner's next sync runs at once, not a lease's length (600 s
by default) later. The store (PostgreSQL) is reached through a TCP forwarder
that the test cuts in the middle of a sync, as a database restart would."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sync_env import SyncEnv
from tcp_proxy import TcpProxy

from integration.store import leases
from integration.store.db import Store
from integration.store.setup import sync_partner_rows


def test_the_next_sync_starts_as_soon_as_the_store_is_back(
    pg_url: str, base_config: Any, emulator: Any
) -> None:
    real = make_url(pg_url)
    with TcpProxy((real.host or "127.0.0.1", real.port or 5432)) as proxy:
        url = real.set(port=proxy.port).render_as_string(hide_password=False)
        store = Store(url)
        config = dataclasses.replace(
            base_config, database_url=url, emulator_host=emulator.host_port
        )
        sync_partner_rows(store, config)
        env = SyncEnv(config, store, emulator)
        sid = env.sheet("lv", [["Company", "Country", "Sector"], ["Outage SIA", "LV", "ICT"]])

        def store_goes_away(tab: str, stage: str) -> None:
            if stage == "start":
                proxy.cut()

        with pytest.raises(SQLAlchemyError):
            env.sync("lv", progress=store_goes_away)
        proxy.start()  # the database is back
        report = env.sync("lv")
        assert [t.outcome for t in report.tabs] == ["completed", "completed"], [
            t.error for t in report.tabs
        ]
        assert leases.current_holder(store, leases.spreadsheet_lease_name(sid)) is None
        store.dispose()
