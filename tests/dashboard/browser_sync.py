"""For the dashboard's browser tests that drive a real sync: the sync
environment on its own SQLite store (the emulator's spreadsheets beside it)
and signing in to the dashboard in Chromium with a token."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))

from sync_env import SyncEnv, sync_env_on

from integration.config import AppConfig


@pytest.fixture
def env(sqlite_url: str, base_config: AppConfig, emulator: Any) -> Iterator[SyncEnv]:
    with sync_env_on(sqlite_url, base_config, emulator) as sync_env:
        yield sync_env


def sign_in(browser: Any, url: str, secret: str, path: str, locale: str = "lv-LV") -> Any:
    """A new phone-sized browser context signed in with ``secret``, at ``path``."""
    context = browser.new_context(
        base_url=url, locale=locale, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(path)
    page.get_by_label(re.compile("Access token|Piekļuves|Juurdepääsu|Käyttöavain")).fill(secret)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda u: "/dashboard/signin" not in u)
    return page
