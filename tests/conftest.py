"""Shared fixtures: the store on SQLite and PostgreSQL, the configuration, the
Flask app, and the Sheets emulator (real gspread over HTTP).

PostgreSQL runs at 127.0.0.1:5432 on development and CI machines. Where it is
unreachable, store tests are skipped locally but fail on CI (``CI=true``), so
a missing server can never turn into a green run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from emulator_fixtures import emulator, sheets_emulator  # noqa: F401
from live_server import serving
from pg_databases import PG_ADMIN_URL, temporary_pg_database
from sqlalchemy import create_engine, text

from integration.config import AppConfig, load_config
from integration.store import migrate
from integration.store.db import Store
from integration.store.models import Base
from integration.store.setup import sync_partner_rows

EXAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "partners.example.toml"


def _skips_fail() -> bool:
    """On CI (``CI=true``) a test that would be skipped fails instead: a missing
    program or server must never turn into a green run."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and _skips_fail():
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped on CI, which must run every test: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):  # type: ignore[no-untyped-def]
    """The same for a whole module skipped while collecting (``importorskip``,
    ``pytest.skip(allow_module_level=True)``)."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _skips_fail():
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped on CI, which must run every test: {reason}"


def _pg_reachable() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def _require_postgres() -> None:
    if not _pg_reachable():
        if _skips_fail():
            pytest.fail(f"PostgreSQL is unreachable at {PG_ADMIN_URL} (required on CI)")
        pytest.skip("PostgreSQL is unreachable")


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test session (per xdist worker)."""
    _require_postgres()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with temporary_pg_database(PG_ADMIN_URL, f"lefcrm_test_{worker}", migrated=False) as url:
        yield url


@pytest.fixture(scope="session")
def pg_migrated_url(pg_database_url: str) -> str:
    store = Store(pg_database_url)
    migrate.upgrade(store)
    store.dispose()
    return pg_database_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite"
    store = Store(f"sqlite:///{path}")
    migrate.upgrade(store)
    store.dispose()
    return path


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty store URL: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "store.sqlite"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_migrated_url")
    _truncate_all(url)
    return url


@pytest.fixture
def pg_url(pg_migrated_url: str) -> str:
    """The session's PostgreSQL store, emptied (for tests that start processes)."""
    _truncate_all(pg_migrated_url)
    return pg_migrated_url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated, empty SQLite store URL (for tests that need only one engine)."""
    path = tmp_path / "store.sqlite"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def base_config(tmp_path: Path) -> AppConfig:
    """The shipped example partners file (LV, EE, FI), with test secrets."""
    environ = {
        "LV_WEBHOOK_SECRET": "whsec_" + "bHYtc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
        "EE_WEBHOOK_SECRET": "whsec_" + "ZWUtc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
        "FI_WEBHOOK_SECRET": "whsec_" + "Zmktc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
        "CRM_INSTANCE_PATH": str(tmp_path / "instance"),
        "CRM_SECRET_KEY": "test-secret-key",
    }
    return load_config(EXAMPLE_CONFIG, environ=environ)


@pytest.fixture
def store(db_url: str, base_config: AppConfig) -> Iterator[Store]:
    """A migrated, empty store on each engine, with the partner rows present."""
    s = Store(db_url)
    sync_partner_rows(s, base_config)
    yield s
    s.dispose()


@pytest.fixture
def config(base_config: AppConfig, store: Store) -> AppConfig:
    """The example configuration pointing at the test store."""
    from dataclasses import replace

    return replace(base_config, database_url=store.url)


@pytest.fixture
def app(config: AppConfig, store: Store):  # type: ignore[no-untyped-def]
    from integration import create_app

    application = create_app(config, store=store)
    application.config.update(TESTING=True)
    return application


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def live_url(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app behind a real threaded HTTP server on loopback."""
    with serving(app) as url:
        yield url


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A requests session for ``live_url`` that ignores proxy settings (the app
    is on loopback)."""
    session = requests.Session()
    session.trust_env = False
    yield session
    session.close()
