"""Throw-away PostgreSQL databases: one per test session, fault campaign or
benchmark run, dropped afterwards (its connections ended first, so a leaked
connection cannot keep it alive)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine, text

from integration.store import migrate
from integration.store.db import Store

#: The PostgreSQL server the tests and benchmarks make their databases on.
PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextlib.contextmanager
def temporary_pg_database(
    admin_url: str, prefix: str = "lefcrm_campaign", *, migrated: bool = True
) -> Iterator[str]:
    """A fresh PostgreSQL database beside ``admin_url``'s (migrated unless told
    otherwise); yields its URL and drops it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        if migrated:
            store = Store(url)
            migrate.upgrade(store)
            store.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
