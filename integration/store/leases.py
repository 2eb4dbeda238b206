"""Leases: one holder per resource across processes and machines.

A lease is a row with an expiry. Taking it is one atomic upsert that succeeds
only when the row is absent, expired, or already ours, so two schedulers on two
machines never sync one spreadsheet at once, and a holder that was killed stops
blocking others when its lease runs out.

A holder that cannot let go because the store is down (a sync that died with
it) does not leave the lease to run out: the release is kept and done before
this process's next :func:`acquire`, so the next sync starts as soon as the
store is back, not a lease's length later.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from integration.store.db import Store, rows_affected
from integration.store.models import Lease, utcnow

#: store URL -> leases (name, holder) this process could not release yet
_unreleased: dict[str, set[tuple[str, str]]] = {}
_unreleased_lock = threading.Lock()


def make_holder_id() -> str:
    """A holder id that says where it runs (for people reading the table)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def spreadsheet_lease_name(spreadsheet_id: str) -> str:
    return f"sync:{spreadsheet_id}"


def acquire(store: Store, name: str, holder: str, ttl_seconds: float) -> bool:
    """Take or renew the lease ``name`` for ``holder``; False when someone else holds it."""
    release_pending(store)
    now = utcnow()
    expires = now + timedelta(seconds=ttl_seconds)
    insert = pg_insert if store.dialect == "postgresql" else sqlite_insert
    new = insert(Lease).values(name=name, holder=holder, acquired_at=now, expires_at=expires)
    stmt = new.on_conflict_do_update(
        index_elements=[Lease.name],
        set_={"holder": holder, "acquired_at": now, "expires_at": expires},
        where=(Lease.expires_at < now) | (Lease.holder == holder),
    ).returning(Lease.holder)
    with store.session() as session:
        got = session.execute(stmt).scalar_one_or_none()
    return got == holder


def renew(store: Store, name: str, holder: str, ttl_seconds: float) -> bool:
    """Extend a lease we hold; False when it was lost (expired and taken)."""
    expires = utcnow() + timedelta(seconds=ttl_seconds)
    with store.session() as session:
        result = session.execute(
            update(Lease)
            .where(Lease.name == name, Lease.holder == holder)
            .values(expires_at=expires)
        )
        return rows_affected(result) == 1


def release(store: Store, name: str, holder: str) -> None:
    """Let go of a lease; when the store cannot be written now, keep the release
    for :func:`release_pending` instead of raising."""
    try:
        _delete(store, name, holder)
    except SQLAlchemyError:
        with _unreleased_lock:
            _unreleased.setdefault(store.url, set()).add((name, holder))


def release_pending(store: Store) -> None:
    """Do the releases that failed while ``store`` was unreachable (quietly
    keeping those that still fail)."""
    with _unreleased_lock:
        pending = list(_unreleased.get(store.url, ()))
    for name, holder in pending:
        try:
            _delete(store, name, holder)
        except SQLAlchemyError:
            return
        with _unreleased_lock:
            _unreleased.get(store.url, set()).discard((name, holder))


def _delete(store: Store, name: str, holder: str) -> None:
    with store.session() as session:
        session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


def current_holder(store: Store, name: str) -> str | None:
    """Who holds ``name`` now (None when free or expired)."""
    with store.session() as session:
        lease = session.get(Lease, name)
        if lease is None or lease.expires_at < utcnow():
            return None
        return lease.holder
