"""Fixtures for the emulator's own tests.

``emulator`` and ``sheets_emulator`` come from the project's tests/conftest.py
(which imports them from ``tests/emulator_fixtures.py``).
"""

from __future__ import annotations

import pytest


@pytest.fixture
def gc(emulator):
    """A real gspread client talking to the emulator over HTTP."""
    return emulator.client()


@pytest.fixture
def sh(gc):
    """A fresh spreadsheet with the default Sheet1 (1000 x 26)."""
    return gc.create("Test spreadsheet")
