"""The backup and restore commands of ``docs/deployment.md``, run as written,
on both stores: a backup taken while the store is in use, a change made after
it, and a restore that brings back exactly what the backup held (records,
tokens, the schema revision), so the restored store serves at once."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pg_databases import PG_ADMIN_URL, temporary_pg_database
from seeding import seed
from sqlalchemy import func, select, update

from integration.auth import verify_token
from integration.store import migrate
from integration.store.db import Store
from integration.store.models import Lead
from integration.store.setup import sync_partner_rows


def _state(store: Store) -> tuple[int, list[str], str | None]:
    with store.session() as s:
        count = s.scalar(select(func.count()).select_from(Lead)) or 0
        names = list(s.scalars(select(Lead.company_name).order_by(Lead.id)))
    return count, names, migrate.current_revision(store)


def _libpq(url: str) -> str:
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def test_sqlite_backup_and_restore(sqlite_url: str, base_config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert shutil.which("sqlite3"), "the sqlite3 program is needed for the documented backup"
    store = Store(sqlite_url)
    sync_partner_rows(store, base_config)
    seeded = seed(store, leads_per_partner=10)
    before = _state(store)
    live = sqlite_url.removeprefix("sqlite:///")
    backup = tmp_path / "crm-backup.sqlite"
    # docs: sqlite3 instance/crm.sqlite ".backup '/var/backups/crm/crm.sqlite'"
    subprocess.run(["sqlite3", live, f".backup '{backup}'"], check=True)
    with store.session() as s:
        s.execute(update(Lead).values(company_name="changed after the backup"))
    store.dispose()
    # docs: stop web and clock, put the backup in place, remove the WAL files
    for suffix in ("-wal", "-shm"):
        Path(live + suffix).unlink(missing_ok=True)
    shutil.copy(backup, live)
    restored = Store(sqlite_url)
    assert _state(restored) == before
    with restored.session() as s:
        assert verify_token(s, seeded.tokens["lv"]) is not None
    assert migrate.is_current(restored)
    restored.dispose()


@pytest.mark.usefixtures("pg_migrated_url")
def test_postgresql_backup_and_restore(base_config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert shutil.which("pg_dump") and shutil.which("pg_restore")
    dump = tmp_path / "crm.dump"
    with temporary_pg_database(PG_ADMIN_URL, "lefcrm_backup") as url:
        store = Store(url)
        sync_partner_rows(store, base_config)
        seeded = seed(store, leads_per_partner=10)
        before = _state(store)
        # docs: pg_dump --format=custom --no-owner --file=crm.dump "$DATABASE_URL"
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", _libpq(url)],
            check=True,
        )
        with store.session() as s:
            s.execute(update(Lead).values(company_name="changed after the backup"))
        store.dispose()
        with temporary_pg_database(PG_ADMIN_URL, "lefcrm_restore", migrated=False) as fresh:
            # docs: pg_restore --no-owner --dbname="$NEW_DATABASE_URL" crm.dump
            subprocess.run(
                ["pg_restore", "--no-owner", f"--dbname={_libpq(fresh)}", str(dump)], check=True
            )
            restored = Store(fresh)
            assert _state(restored) == before
            with restored.session() as s:
                assert verify_token(s, seeded.tokens["admin"]) is not None
            assert migrate.is_current(restored)
            restored.dispose()
