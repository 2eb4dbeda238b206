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

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from integration.identity import Key, firm_keys, key_hash, payload_hashes, phone_key
from integration.normalise.phone import phone_readings

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


def locked_keys(record: Mapping[str, Any], firm: Sequence[Key] | None = None) -> list[Key]:
    """The firm's keys (``firm``, when the caller has them already), and its phone
    number: a phone is no firm key but a tombstone key, so an erasure and a
    write bringing the person's phone in must wait for each other too (before,
    a partner's patch adding the phone while an admin erased the person across
    the network kept it)."""
    phone = phone_key(record.get("phone"))
    keys = firm_keys(record) if firm is None else list(firm)
    return [*keys, *([("phone", phone)] if phone else [])]


def key_buckets(keys: Iterable[Key]) -> list[int]:
    """The lock buckets of ``keys``, ascending, once each."""
    return sorted({int(key_hash(key)[:8], 16) % BUCKETS for key in keys})


def firm_buckets(records: Iterable[Mapping[str, Any]]) -> list[int]:
    """The lock buckets of every key of every record, ascending, once each."""
    return key_buckets(key for record in records for key in locked_keys(record))


def lock_firms(session: Session, records: Iterable[Mapping[str, Any]]) -> None:
    """Hold the locks of every key of ``records`` until the transaction ends
    (PostgreSQL; on SQLite the open write transaction is the lock)."""
    _lock(session, firm_buckets(records))


def lock_keys(session: Session, keys: Iterable[Key]) -> None:
    """:func:`lock_firms` for keys the caller has already (:func:`locked_keys`)."""
    _lock(session, key_buckets(keys))


def lock_payload(session: Session, raw: Mapping[str, Any]) -> None:
    """Hold the locks of the person keys a raw payload or row carries (its
    e-mail addresses and phone numbers wherever they are, read as the tombstone
    look-up reads them (:func:`integration.store.records.erased_in_payload`), its
    lead fields' keys when keyed by field), so an erasure of that person, which
    holds them too (:func:`lock_person`), is either committed before the caller
    looks at tombstones or waits for the caller's commit and then finds what it
    kept."""
    _lock(session, _hash_buckets(payload_hashes(raw, phone_readings)))


def lock_person(session: Session, data: Mapping[str, Any], *more: Mapping[str, Any]) -> None:
    """Hold, in one ascending pass, the firm locks of a lead (:func:`lock_firms`)
    and the person locks of its values (:func:`lock_payload`), of ``data`` and
    each of ``more``: what an erasure takes, so every write that could bring the
    person back waits for it or is waited for. A writer that will lock rows an
    erasure also writes (a quarantine entry) takes these first, as the erasure
    does: the other order deadlocks."""
    everything = [data, *more]
    buckets = set(firm_buckets(everything))
    for one in everything:
        buckets |= set(_hash_buckets(payload_hashes(one, phone_readings)))
    _lock(session, sorted(buckets))


def _hash_buckets(hashes: Iterable[str]) -> list[int]:
    return sorted({int(h[:8], 16) % BUCKETS for h in hashes})


def _lock(session: Session, buckets: list[int]) -> None:
    if not buckets or session.get_bind().dialect.name != "postgresql":
        return
    session.connection().execute(_LOCK_BUCKETS, {"space": LOCK_SPACE, "buckets": buckets})
