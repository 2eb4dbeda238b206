"""Fixtures for the emulator's own tests: one server per session, reset per test."""

from __future__ import annotations

import pytest

from connectors.sheets_emulator.testing import EmulatorHandle, emulator, sheets_emulator  # noqa: F401


@pytest.fixture
def gc(emulator: EmulatorHandle):  # noqa: F811
    """A real gspread client talking to the emulator over HTTP."""
    return emulator.client()


@pytest.fixture
def sh(gc):
    """A fresh spreadsheet with the default Sheet1 (1000 x 26)."""
    return gc.create("Test spreadsheet")
