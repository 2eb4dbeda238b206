"""Fixtures of the alert tests: a real SMTP server and the world of :mod:`alert_world`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alert_world import World, world_config
from smtp_inbox import Inbox, smtp_server

from integration.demo import data
from integration.demo.sheets import create_spreadsheets
from integration.scheduler.service import SchedulerService
from integration.store.db import Store
from integration.store.setup import sync_partner_rows


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def world(emulator, db_url, tmp_path, smtp) -> Iterator[World]:  # type: ignore[no-untyped-def]
    ids = create_spreadsheets(emulator.client(), data.generate(10, seed=5))
    config = world_config(emulator, db_url, tmp_path, smtp, ids)
    store = Store(db_url)
    sync_partner_rows(store, config)
    service = SchedulerService(config, store, catch_up=False)
    yield World(config, store, smtp, service, ids, emulator)
    store.dispose()
