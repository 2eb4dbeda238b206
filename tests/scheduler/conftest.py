"""Fixtures for the scheduler's tests (real gspread, real engine, real store)."""

from __future__ import annotations

import pytest
from scheduler_helpers import Setup, make_setup


@pytest.fixture
def setup(emulator, db_url, tmp_path) -> Setup:
    s = make_setup(emulator, db_url, tmp_path)
    yield s
    s.store.dispose()
