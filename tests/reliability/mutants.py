"""Mutants: each disables one safeguard the sync relies on, so the fault campaign
can show it catches the loss that safeguard prevents (``bench/mutations.py``);
:data:`STORE_MUTANTS` each disable one safeguard of the store's guarded write,
for the concurrency campaign (``bench/concurrency_mutations.py``).

A mutant is applied by patching the running process; the campaign's SIGKILL
subprocess applies the same one when ``CAMPAIGN_MUTANT`` names it, so both halves
of a scenario run the same broken engine. Nothing here is imported by the
service itself.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import Any

from integration.kinds import record_kind
from integration.store import ids, lead_create, leases
from integration.store import records as rec_ops
from integration.sync import apply, carry_out, engine

ENV = "CAMPAIGN_MUTANT"


def _no_pending_bases() -> None:
    """``mark_pending_bases`` returns at once: nothing records what a sheet write
    is about to put into the rows before the write."""
    carry_out.mark_pending_bases = lambda store, plan: None  # type: ignore[assignment]


def _no_landed_bases() -> None:
    """A pending base the row shows landed is not made the base before the next
    write replaces the row's stamp."""
    original = apply.mark_pending_bases

    def mark(store: Any, plan: Any) -> None:
        original(store, dataclasses.replace(plan, landed_bases={}))

    carry_out.mark_pending_bases = mark  # type: ignore[assignment]


def _no_lease_renewal() -> None:
    """Renewing the spreadsheet lease always succeeds: a sync that outlived its
    lease writes anyway."""
    leases.renew = lambda *a, **k: True  # type: ignore[assignment]


def _no_deletion_valve() -> None:
    """No mass-deletion stop: a sheet cleared by mistake archives every record."""
    original = engine.Settings

    def settings(**kwargs: Any) -> Any:
        return original(**{**kwargs, "mass_delete_min_rows": 10**9})

    engine.Settings = settings  # type: ignore[assignment,misc]


def _no_id_reservation() -> None:
    """New ids are not taken before the sheet write, only with the store commit:
    the ids a sheet write carried may be handed out again, or never be known."""
    original_reserve, original_apply = ids.reserve_ids, carry_out.apply_store
    owed: dict[str, int] = {}

    def reserve(store: Any, kind: str, count: int) -> list[str]:
        if count <= 0:
            return []
        with store.session() as session:
            top = ids.issued_max(session, kind)
        owed[kind] = count
        prefix = record_kind(kind).id_prefix
        return [ids.format_id(prefix, top + i + 1) for i in range(count)]

    def apply_store(store: Any, plan: Any, **kwargs: Any) -> Any:
        original_reserve(store, plan.kind, owed.pop(plan.kind, 0))
        return original_apply(store, plan, **kwargs)

    carry_out.reserve_ids = reserve  # type: ignore[assignment]
    carry_out.apply_store = apply_store  # type: ignore[assignment]


def _writes_by_position() -> None:
    """The sheet write goes to the row numbers the tab had when it was read (the
    old behaviour): a row inserted, deleted or sorted meanwhile gets another
    row's id and values."""
    carry_out.follow_rows = lambda connector, spreadsheet_id, title, plan, read: plan  # type: ignore[assignment]


MUTANTS: dict[str, tuple[str, Callable[[], None]]] = {
    "pending_bases": ("pending bases (mark_pending_bases)", _no_pending_bases),
    "landed_bases": ("landed bases", _no_landed_bases),
    "lease_renewal": ("lease renewal", _no_lease_renewal),
    "deletion_valve": ("the deletion valve", _no_deletion_valve),
    "id_reservation": ("id reservation before the sheet write", _no_id_reservation),
    "writes_by_position": ("writes that follow the row", _writes_by_position),
}


def _no_version_check() -> None:
    """ORM updates of leads and agreements no longer say ``AND version = :seen``:
    a writer that read an older version overwrites what was committed since."""
    from integration.store.models import Agreement, Lead

    for model in (Lead, Agreement):
        model.__mapper__.version_id_col = None  # type: ignore[misc]


def _no_store_tombstones() -> None:
    """The store's write of a lead (create, patch, merge, the sync's apply) no
    longer looks at tombstones; other partners' firm keys are still refused."""

    def check(
        session: Any, before: Any, after: Any, *, partner: str, lead_id: str | None = None
    ) -> None:
        if not set(rec_ops.firm_keys(after)) - set(rec_ops.firm_keys(before)):
            return
        other = rec_ops.foreign_firm(session, after, partner=partner, exclude_id=lead_id)
        if other is not None:
            raise rec_ops.Refused("duplicate", other.id, other.partner)

    rec_ops.check_lead_values = check  # type: ignore[assignment]
    # the one lead create (store/lead_create.py) looks at tombstones on its own
    lookup = lead_create.lookup_lead_key
    lead_create.lookup_lead_key = lambda s, c, p: (False, lookup(s, c, p)[1])  # type: ignore[assignment]
    lead_create._erased_hashes = lambda session, cleaned: {}  # type: ignore[assignment]


def _no_payload_tombstones() -> None:
    """Payloads (forms, replays, merges, quarantine entries) are no longer
    compared with tombstones; the store's write of a lead still is."""
    rec_ops.erased_in_payload = lambda session, raw, partner: False  # type: ignore[assignment]


def _no_foreign_firms() -> None:
    """The store's write of a lead (the one create, and every update) no longer
    refuses another partner's firm keys."""
    rec_ops.foreign_firm = lambda session, record, **kwargs: None  # type: ignore[assignment]
    # the one lead create: another partner's stored firm no longer refuses it
    lookup = lead_create.lookup_lead_key

    def own_only(session: Any, clean: Any, partner: str) -> Any:
        erased, found = lookup(session, clean, partner)
        return erased, found if found is None or found.partner == partner else None

    lead_create.lookup_lead_key = own_only  # type: ignore[assignment]


STORE_MUTANTS: dict[str, tuple[str, Callable[[], None]]] = {
    "version_check": ("the version condition of every ORM update", _no_version_check),
    "store_tombstones": ("the tombstone check of the store's lead write", _no_store_tombstones),
    "payload_tombstones": (
        "the tombstone check of payloads (forms, review, quarantine)",
        _no_payload_tombstones,
    ),
    "foreign_firms": ("the other-partner firm check of the store's lead write", _no_foreign_firms),
}


def apply_from_environment() -> str | None:
    """Apply the mutant ``CAMPAIGN_MUTANT`` names, if any; its name."""
    name = os.environ.get(ENV)
    if not name:
        return None
    known = {**MUTANTS, **STORE_MUTANTS}
    if name not in known:
        raise SystemExit(f"unknown mutant {name!r}; known: {', '.join(known)}")
    known[name][1]()
    return name
