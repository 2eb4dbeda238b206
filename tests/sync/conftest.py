"""Fixtures for the sync tests (see :mod:`sync_env`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from sync_env import SyncEnv, sync_env_on

from integration.config import AppConfig
from integration.store.db import Store


@pytest.fixture
def env(config: AppConfig, store: Store, emulator: Any) -> Iterator[SyncEnv]:
    cfg = dataclasses.replace(config, emulator_host=emulator.host_port)
    yield SyncEnv(cfg, store, emulator)


@pytest.fixture
def sqlite_env(sqlite_url: str, base_config: AppConfig, emulator: Any) -> Iterator[SyncEnv]:
    """Like ``env`` but on SQLite only (for the larger fault matrix)."""
    with sync_env_on(sqlite_url, base_config, emulator) as sqlite:
        yield sqlite
