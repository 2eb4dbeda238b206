"""Fixtures for the dashboard tests: a seeded store, the app served over real
HTTP (werkzeug in a thread) and Debian's headless Chromium via Playwright.

Browser tests are marked ``browser``. Without /usr/bin/chromium they are skipped
locally but fail on CI (``CI`` set), so a missing browser never passes silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from live_server import serving
from seeding import Seeded, seed

from integration.config import load_config
from integration.store import migrate
from integration.store.db import Store
from integration.store.setup import sync_partner_rows

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@dataclass
class LiveApp:
    url: str
    app: object
    store: Store
    seeded: Seeded


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The app on a seeded SQLite store, served on a free port over HTTP."""
    from integration import create_app

    folder = tmp_path_factory.mktemp("dashboard-live")
    environ = {"CRM_INSTANCE_PATH": str(folder), "CRM_SECRET_KEY": "dashboard-test-key"}
    config = load_config(ROOT / "partners.example.toml", environ=environ)
    store = Store(f"sqlite:///{folder / 'store.sqlite'}")
    migrate.upgrade(store)
    sync_partner_rows(store, config)
    seeded = seed(store)
    config = replace(config, database_url=store.url)
    app = create_app(config, store=store)
    with serving(app) as url:
        # "localhost" is a secure context for Chromium, so the Secure cookie works
        # over plain HTTP exactly as it will behind TLS.
        yield LiveApp(url.replace("127.0.0.1", "localhost"), app, store, seeded)
    store.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (required on CI: apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
