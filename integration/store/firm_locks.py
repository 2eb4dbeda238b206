"""Locks that let one writer at a time decide whether a firm is new.

Two writers that each look for a firm, find none and create it leave two leads
of one firm: a form webhook and a sheet row typed at the same moment, or two
forms. Every path that creates a lead (webhook intake, the API, the sync's bulk
create) first takes these locks on every key of the firm, then looks again,
inside the same transaction, and only then inserts. The phone number, a
tombstone key, is locked with them, so an erasure and a write of the same
person's phone run one after the other.

- PostgreSQL: transaction-scoped advisory locks, one per key *bucket* (a hash of
  the key modulo :data:`BUCKETS`). Two records that can be one firm share a key
  (:func:`integration.identity.first_match` only matches on a shared key), so
  they share a bucket and the second waits for the first to commit; at READ
  COMMITTED its next query sees the first one's lead. Buckets bound how many
  locks a sync creating thousands of leads holds (the lock table is shared and
  small); an unrelated firm in the same bucket only waits a moment. Buckets are
  taken in ascending order, by every writer, so two writers never deadlock.
- SQLite: every write transaction starts with ``BEGIN IMMEDIATE``
  (:mod:`integration.store.db`), which holds the database's one write lock from
  the first statement, look-ups included; nothing more is needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from integration.identity import firm_keys, key_hash, phone_key

#: Advisory-lock key space of firm locks (the first of the two int4 lock keys), so
#: they never collide with another use of advisory locks.
LOCK_SPACE = 0x4649524D  # "FIRM"
#: Buckets the keys hash into: the most locks one transaction holds.
BUCKETS = 1024

# The subquery's order is the order the locks are taken in.
_LOCK_BUCKETS = text(
    "SELECT pg_advisory_xact_lock(:space, b) "
    "FROM (SELECT b FROM unnest(CAST(:buckets AS integer[])) AS b ORDER BY b) AS ordered"
)


def _locked_keys(record: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """The firm's keys, and its phone number: a phone is no firm key but a
    tombstone key, so an erasure and a write bringing the person's phone in
    must wait for each other too (before, a partner's patch adding the phone
    while an admin erased the person across the network kept it)."""
    phone = phone_key(record.get("phone"))
    return [*firm_keys(record), *([("phone", phone)] if phone else [])]


def firm_buckets(records: Iterable[Mapping[str, Any]]) -> list[int]:
    """The lock buckets of every key of every record, ascending, once each."""
    return sorted(
        {int(key_hash(key)[:8], 16) % BUCKETS for record in records for key in _locked_keys(record)}
    )


def lock_firms(session: Session, records: Iterable[Mapping[str, Any]]) -> None:
    """Hold the locks of every key of ``records`` until the transaction ends
    (PostgreSQL; on SQLite the open write transaction is the lock)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    buckets = firm_buckets(records)
    if buckets:
        session.connection().execute(_LOCK_BUCKETS, {"space": LOCK_SPACE, "buckets": buckets})
