"""Loading what one tab's plan needs from the store, in a handful of queries.

Everything is read as plain column tuples (not ORM objects) and in bulk, so a tab
of 100,000 rows costs the same few round trips as a tab of ten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from integration.kinds import record_kind
from integration.store import records
from integration.store.ids import issued_max
from integration.store.models import (
    Agreement,
    Conflict,
    Lead,
    QuarantineEntry,
    SyncShadow,
    SyncTab,
    Tombstone,
)
from integration.store.queries import MODELS, owner_column

from .plan import Shadow, StoreRecord, StoreState

CHUNK = 5000


class _NotLoaded(Mapping[str, Any]):
    """Record data / a base not loaded (see :func:`fill_details`): touching it is a
    bug, and failing loudly beats merging against an empty record."""

    def _fail(self, *_: Any) -> Any:
        raise RuntimeError("sync state: record data or base used without being loaded")

    __getitem__ = _fail
    __iter__ = _fail
    __len__ = _fail
    get = _fail


_NOT_LOADED = _NotLoaded()


def _chunks(items: list[str], size: int = CHUNK) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sheet_source(partner: str) -> str:
    return f"sheet:{partner}"


def _record_rows(session: Session, kind: str, where: Any, data: bool = False) -> Iterable[Any]:
    """The columns a plan needs of each lead or agreement matching ``where``, in
    one shape for both: the owner second, ``data`` only when asked (it is the
    large column), ``erased_at`` always None for a kind that holds no persons
    (only people are erased)."""
    model = MODELS[kind]
    erased_at = (
        model.erased_at  # type: ignore[union-attr]  # (a kind holding persons has it)
        if record_kind(kind).holds_persons
        else literal(None).label("erased_at")
    )
    return session.execute(
        select(
            model.id,
            owner_column(kind),
            model.data if data else literal(None).label("data"),
            model.version,
            model.updated_at,
            model.archived_at,
            erased_at,
        ).where(where)
    )


def load_state(
    session: Session, kind: str, partner: str, tab: str, sheet_ids: Iterable[str] = ()
) -> StoreState:
    """The store side of one tab: the partner's records (and any other record the
    sheet names by id), the base, dedup keys, tombstones, conflicts, quarantine."""
    state = StoreState(kind=kind, partner=partner, tab=tab)
    _load_records(session, state, sheet_ids)
    _load_shadows(session, state)
    state.issued_max = issued_max(session, kind)
    _load_conflicts(session, state)
    _load_quarantine(session, state)
    if record_kind(kind).party_columns:
        _load_parties(session, state)
    snapshot = session.get(SyncTab, (partner, tab))
    state.previous_columns = dict(snapshot.columns) if snapshot is not None else None
    return state


def _load_records(session: Session, state: StoreState, sheet_ids: Iterable[str]) -> None:
    """The partner's records and any other the sheet names by id, without their
    data (:func:`fill_details` reads it for the few rows that need it)."""

    def add(row: Any) -> None:
        state.records[row.id] = StoreRecord(
            id=row.id,
            data=row.data if row.data is not None else _NOT_LOADED,
            version=row.version,
            owner=row[1],
            updated_at=row.updated_at,
            archived=row.archived_at is not None,
            erased=row.erased_at is not None,
        )

    kind = state.kind
    for row in _record_rows(session, kind, owner_column(kind) == state.partner):
        add(row)
    extra = sorted({i for i in sheet_ids if i not in state.records})
    for chunk in _chunks(extra):
        for row in _record_rows(session, kind, MODELS[kind].id.in_(chunk)):
            add(row)


def _load_shadows(session: Session, state: StoreState) -> None:
    """What the tab showed at its last sync, row by row, without the bases (read
    by :func:`fill_details` only where a row changed)."""
    for record_id, row_hash, version, pending_stamp, row_number in session.execute(
        select(
            SyncShadow.record_id,
            SyncShadow.row_hash,
            SyncShadow.record_version,
            SyncShadow.pending_base_stamp,
            SyncShadow.row_number,
        ).where(SyncShadow.partner == state.partner, SyncShadow.tab == state.tab)
    ):
        state.shadows[record_id] = Shadow(
            _NOT_LOADED,
            row_hash,
            version,
            pending_base=_NOT_LOADED if pending_stamp else None,
            pending_base_stamp=pending_stamp,
            row=row_number,
        )


def _load_conflicts(session: Session, state: StoreState) -> None:
    """The tab's open field conflicts, oldest first, by record."""
    for record_id, field, winner in session.execute(
        select(Conflict.record_id, Conflict.field, Conflict.winner)
        .where(
            Conflict.partner == state.partner,
            Conflict.tab == state.tab,
            Conflict.resolved_at.is_(None),
        )
        .order_by(Conflict.id)
    ):
        state.open_conflicts.setdefault(record_id, []).append((field, winner))


def _load_quarantine(session: Session, state: StoreState) -> None:
    """The tab's quarantined rows by fingerprint: the open ones (kept open while
    unchanged) and those a person merged or dismissed (so the row says so)."""
    for entry_id, fp, row_number, resolved_at, resolution, duplicate_of in session.execute(
        select(
            QuarantineEntry.id,
            QuarantineEntry.fingerprint,
            QuarantineEntry.row_number,
            QuarantineEntry.resolved_at,
            QuarantineEntry.resolution,
            QuarantineEntry.duplicate_of,
        )
        .where(
            QuarantineEntry.partner == state.partner,
            QuarantineEntry.tab == state.tab,
            QuarantineEntry.source == sheet_source(state.partner),
            QuarantineEntry.fingerprint.is_not(None),
        )
        .order_by(QuarantineEntry.id)
    ):
        if fp is None:  # (the query excludes them; the column is nullable)
            continue
        if resolved_at is None:
            state.quarantine_open[fp] = (entry_id, row_number)
        elif resolution in ("merged", "dismissed"):
            state.quarantine_closed[fp] = (resolution, duplicate_of)


_PARTY_FIELDS = ("company_name", "country", "registration_code", "email")


def _load_parties(session: Session, state: StoreState) -> None:
    """Each of the partner's agreements' parties, with the fields that name them
    (so a renamed party's new name reaches the sheet)."""
    reported = Agreement.reporting_partner == state.partner
    for agreement_id, seller, buyer in session.execute(
        select(Agreement.id, Agreement.seller_id, Agreement.buyer_id).where(reported)
    ):
        state.parties[agreement_id] = (seller, buyer)
    for lead_id, data in session.execute(
        select(Lead.id, Lead.data).where(
            Lead.id.in_(select(Agreement.seller_id).where(reported))
            | Lead.id.in_(select(Agreement.buyer_id).where(reported))
        )
    ):
        state.party_names[lead_id] = {k: data.get(k) for k in _PARTY_FIELDS if data.get(k)}


def fill_details(session: Session, state: StoreState, ids: set[str], *, lookups: bool) -> None:
    """Load record data and bases for ``ids`` (see :func:`.plan.detail_needed`) and,
    when any row needs normalising (``lookups``), the dedup keys, tombstones and the
    leads agreements may name."""
    for chunk in _chunks(sorted(ids)):
        _fill_records(session, state, chunk)
        _fill_bases(session, state, chunk)
    if not lookups:
        return
    spec = record_kind(state.kind)
    if spec.is_firm:
        _load_firm_keys(session, state)
    if spec.holds_persons:
        _load_tombstones(session, state)
    if spec.party_columns:
        _load_party_leads(session, state)


def _fill_records(session: Session, state: StoreState, chunk: list[str]) -> None:
    """The data of the records ``chunk`` names, kept with what was loaded of them."""
    for row in _record_rows(session, state.kind, MODELS[state.kind].id.in_(chunk), data=True):
        old = state.records[row.id]
        state.records[row.id] = StoreRecord(
            id=old.id,
            data=row.data or {},
            version=row.version,
            owner=old.owner,
            updated_at=row.updated_at,
            archived=old.archived,
            erased=old.erased,
        )


def _fill_bases(session: Session, state: StoreState, chunk: list[str]) -> None:
    """The bases (and pending bases) of the rows showing the records ``chunk`` names."""
    for record_id, base, pending_base in session.execute(
        select(SyncShadow.record_id, SyncShadow.base, SyncShadow.pending_base).where(
            SyncShadow.partner == state.partner,
            SyncShadow.tab == state.tab,
            SyncShadow.record_id.in_(chunk),
        )
    ):
        known = state.shadows[record_id]
        state.shadows[record_id] = Shadow(
            base or {},
            known.row_hash,
            known.version,
            pending_base=pending_base if known.pending_base_stamp else None,
            pending_base_stamp=known.pending_base_stamp,
            row=known.row,
        )


def _load_firm_keys(session: Session, state: StoreState) -> None:
    """Every firm key from the indexed columns that hold it (no lead data read):
    live leads, and another partner's archived ones (archiving does not give a
    firm away: the store refuses their firm as it refuses a live one)."""
    for row in session.execute(
        select(*records.FIRM_COLUMNS)
        .where(Lead.erased_at.is_(None), records.firm_held_against(state.partner))
        .order_by(Lead.id)
    ):
        state.add_lead(row.id, row.partner, records.stored_firm_keys(row))


def _load_tombstones(session: Session, state: StoreState) -> None:
    """The key hashes of the people erased in the partner's scope, so a row
    typing one in again is erased, not imported."""
    state.tombstones = frozenset(
        session.scalars(
            select(Tombstone.key_hash).where(records.tombstones_blocking(state.partner))
        )
    )


def _load_party_leads(session: Session, state: StoreState) -> None:
    """The leads the tab's rows may name as a party, with the fields that name
    them (:func:`referable_leads`)."""
    state.party_leads = [
        {"id": lead_id, **{k: data.get(k) for k in _PARTY_FIELDS if data.get(k)}}
        for lead_id, data in session.execute(
            select(Lead.id, Lead.data)
            .where(Lead.archived_at.is_(None), referable_leads(state.partner))
            .order_by(Lead.id)
        )
    ]


def referable_leads(partner: str) -> Any:
    """The leads a partner's agreements tab may name as a party, as a condition
    on :class:`Lead`: its own, and those its agreements name already (an
    agreement may keep a party another partner owns) -- the rule the API's
    ``ScopedLeads`` applies to a partner's token. A firm of another partner is
    never found by its code or name, so no sheet can attach an agreement to it
    or show its name."""
    reported = Agreement.reporting_partner == partner
    return (
        (Lead.partner == partner)
        | Lead.id.in_(select(Agreement.seller_id).where(reported))
        | Lead.id.in_(select(Agreement.buyer_id).where(reported))
    )
