"""The central store on SQLite and PostgreSQL: migrations, ids, records, leases."""

from __future__ import annotations

import threading
import time

from concurrently import run_concurrently
from seeding import stored_lead
from sqlalchemy import func, inspect, select, text

from integration.identity import key_hash, natural_key
from integration.store import lead_create, leases, migrate, records
from integration.store.db import Store
from integration.store.models import AuditEntry, Lead, SyncRun, Tombstone, utcnow


def _lead(**extra):  # type: ignore[no-untyped-def]
    data = {
        "partner": "lv",
        "company_name": "SIA Ābeļzieds",
        "country": "LV",
        "registration_code": "40003032949",
        "sector": "ict",
        "email": "Anna.Berzina@example.lv",
        "contact_name": "Anna Bērziņa",
    }
    data.update(extra)
    return data


def test_migrations_upgrade_and_downgrade(db_url: str) -> None:
    store = Store(db_url)
    assert migrate.is_current(store)
    assert "leads" in inspect(store.engine).get_table_names()
    migrate.downgrade(store, "base")
    assert migrate.current_revision(store) is None
    assert "leads" not in inspect(store.engine).get_table_names()
    migrate.upgrade(store)
    assert migrate.is_current(store)
    assert {"leads", "agreements", "audit_log", "sync_shadow", "leases"} <= set(
        inspect(store.engine).get_table_names()
    )
    store.dispose()


def test_migration_0006_adds_the_header_report_and_takes_it_back(db_url: str) -> None:
    """Runs made before 0006 keep their rows and read as having no report; a
    downgrade drops only the column."""
    store = Store(db_url)
    migrate.downgrade(store, "0005")
    assert "header_report" not in {
        c["name"] for c in inspect(store.engine).get_columns("sync_runs")
    }
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sync_runs (partner, tab, trigger, started_at, outcome, dry_run,"
                " counts, api_calls, cells_written) VALUES ('lv', 'leads', 'nightly',"
                " :at, 'completed', false, '{}', 2, 0)"
            ),
            {"at": utcnow()},
        )
    migrate.upgrade(store)
    assert migrate.is_current(store)
    report = {
        "row": 3,
        "mapped": [
            {"column": "A", "header": "Ärinimi", "field": "company_name", "source": "alias"}
        ],
        "unrecognised": [{"column": "B", "header": 'Kood "äri"', "suggestion": None}],
        "missing": ["registration_code"],
    }
    with store.session() as s:
        (old,) = s.scalars(select(SyncRun)).all()
        assert old.header_report is None and old.api_calls == 2
        s.add(SyncRun(partner="lv", tab="leads", trigger="cli", header_report=report))
    with store.session() as s:
        stored = s.scalars(select(SyncRun).where(SyncRun.header_report.is_not(None))).all()
        assert [r.header_report for r in stored] == [report]
    migrate.downgrade(store, "0005")
    assert "header_report" not in {
        c["name"] for c in inspect(store.engine).get_columns("sync_runs")
    }
    with store.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM sync_runs")) == 2
    migrate.upgrade(store)
    store.dispose()


def test_ids_are_unique_under_concurrent_inserts(store: Store) -> None:
    issued: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(10):
            with store.session() as session:
                lead = stored_lead(
                    session,
                    _lead(registration_code=None, email=f"w{n}-{i}@x.lv", company_name=f"W{n}-{i}"),
                    source="api",
                )
                session.flush()
            with lock:
                issued.append(lead.id)

    errors = run_concurrently(worker, range(6), timeout=None)
    assert not errors, errors
    assert len(issued) == 60
    assert len(set(issued)) == 60
    assert all(i.startswith("L-") and len(i) == 8 for i in issued)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 60


def test_create_update_archive_are_audited(store: Store) -> None:
    with store.session() as session:
        lead = stored_lead(session, _lead(), source="sheet:lv")
        lead_id = lead.id
    assert lead_id == "L-000001"
    with store.session() as session:
        lead = session.get(Lead, lead_id)
        assert lead.registration_code == "40003032949"
        assert lead.email == "anna.berzina@example.lv"
        diff = records.update_record(session, lead, {"stage": "contacted"}, source="api")
        assert diff == {"stage": [None, "contacted"]}
        assert records.update_record(session, lead, {"stage": "contacted"}, source="api") == {}
        assert records.archive_record(session, lead, source="sheet:lv")
    with store.session() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.record_id == lead_id).order_by(AuditEntry.id)
        ).all()
        assert actions == ["create", "update", "archive"]
        lead = session.get(Lead, lead_id)
        assert lead.version == 3
        assert lead.archived_at is not None


def test_duplicate_lookup_by_natural_key(store: Store) -> None:
    with store.session() as session:
        first = stored_lead(session, _lead(), source="api")
        other = stored_lead(
            session,
            _lead(registration_code=None, email="info@firma.ee", country="EE", partner="ee"),
            source="api",
        )
    with store.session() as session:
        dup = records.find_duplicate_lead(
            session, {"registration_code": "LV 4000-3032949", "country": "LV"}
        )
        assert dup is not None and dup.id == first.id
        assert records.find_duplicate_lead(session, {"email": "INFO@firma.ee "}).id == other.id
        assert records.find_duplicate_lead(session, {"company_name": "x"}) is None


def test_erasure_leaves_no_personal_data_and_a_tombstone(store: Store) -> None:
    with store.session() as session:
        lead = stored_lead(session, _lead(phone="+37120000000"), source="webhook:lv")
        lead_id = lead.id
    with store.session() as session:
        lead = session.get(Lead, lead_id)
        records.erase_lead(session, lead, source="api", scope=None)
    with store.session() as session:
        lead = session.get(Lead, lead_id)
        assert lead.erased_at is not None
        for field in records.PERSONAL_FIELDS:
            assert field not in lead.data
        assert lead.email is None
        dump = repr([e.changes for e in session.scalars(select(AuditEntry))])
        assert "Anna" not in dump and "example.lv" not in dump and "37120000000" not in dump
        tomb = session.scalars(select(Tombstone)).all()
        assert key_hash(natural_key(_lead())) in {t.key_hash for t in tomb}
        assert records.is_tombstoned(session, _lead(registration_code=None), "lv")
        assert records.is_tombstoned(session, _lead(), "ee")  # network-wide: blocks everyone


def test_a_partners_tombstone_blocks_only_that_partner(store: Store) -> None:
    with store.session() as session:
        lead_id = stored_lead(session, _lead(), source="webhook:lv").id
    with store.session() as session:
        records.erase_lead(session, session.get(Lead, lead_id), source="api", scope="lv")
    with store.session() as session:
        assert records.is_tombstoned(session, _lead(), "lv")
        assert not records.is_tombstoned(session, _lead(), "ee")
        assert records.is_tombstoned(session, _lead(), None)  # an admin sees every tombstone
        assert lead_create.lookup_lead_key(session, _lead(), "lv")[0] is True
        erased, found = lead_create.lookup_lead_key(session, _lead(), "ee")
        assert not erased and found is None  # the erased lead is no firm to match


def _wait_until_free(store: Store, name: str, timeout: float = 30.0) -> None:
    """Poll until the lease ``name`` has expired; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while leases.current_holder(store, name) is not None:
        assert time.monotonic() < deadline, f"lease {name} did not expire within {timeout} s"
        time.sleep(0.05)


def test_lease_excludes_others_until_expiry(store: Store) -> None:
    # a lease far longer than the test: exclusion cannot pass by the lease running out
    assert leases.acquire(store, "sync:abc", "a", ttl_seconds=600)
    assert not leases.acquire(store, "sync:abc", "b", ttl_seconds=5)
    assert leases.acquire(store, "sync:abc", "a", ttl_seconds=600)  # renewal by the holder
    assert leases.current_holder(store, "sync:abc") == "a"
    assert not leases.acquire(store, "sync:abc", "b", ttl_seconds=5)
    # the holder renews for a moment only; once that has passed, the lease is free
    assert leases.acquire(store, "sync:abc", "a", ttl_seconds=0.2)
    _wait_until_free(store, "sync:abc")
    assert leases.acquire(store, "sync:abc", "b", ttl_seconds=5)
    assert not leases.renew(store, "sync:abc", "a", 5)
    leases.release(store, "sync:abc", "b")
    assert leases.acquire(store, "sync:abc", "c", ttl_seconds=5)


def test_lease_has_one_winner_under_contention(store: Store) -> None:
    winners: list[str] = []
    lock = threading.Lock()

    def grab(name: str) -> None:
        if leases.acquire(store, "sync:race", name, ttl_seconds=30):
            with lock:
                winners.append(name)

    assert run_concurrently(grab, [f"h{i}" for i in range(8)], timeout=None) == []
    assert len(winners) == 1


def test_migration_0009_adds_dashboard_sessions_and_token_expiry_and_takes_them_back(
    db_url: str,
) -> None:
    store = Store(db_url)
    migrate.downgrade(store, "0006")
    assert "dashboard_sessions" not in inspect(store.engine).get_table_names()
    assert "expires_at" not in {c["name"] for c in inspect(store.engine).get_columns("api_tokens")}
    migrate.upgrade(store)
    assert "dashboard_sessions" in inspect(store.engine).get_table_names()
    assert "expires_at" in {c["name"] for c in inspect(store.engine).get_columns("api_tokens")}
    store.dispose()
