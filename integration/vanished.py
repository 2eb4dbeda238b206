"""Rows that vanished from a partner's sheet, and what staff do about them.

A record's row leaves its tab when staff delete or clear it (the sync then
archives the record) or when so many left at once that the deletion stop holds
the tab (:mod:`integration.sync.plan.valve`). Either way staff need to see which
records those were and decide, per record:

- **restore**: the record goes back into the sheet. It is un-archived if the sync
  archived it, and its base for the tab is forgotten, so the next sync appends it
  as a row through the normal sheet write (the web process never calls Google)
  and keeps it from then on, like any row it wrote;
- **archive**: the record is archived in the store; it is not written to the
  sheet again and no longer counts as held by the deletion stop.

The sync keeps the list (:func:`record_archived`, :func:`record_stop`,
:func:`release_held`); the dashboard and the API list it and act through
:func:`restore` and :func:`archive`, which check that the actor may change that
partner's records, audit the change and ask for a sync of the tab.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from integration.domain import Trigger
from integration.kinds import KINDS, Kind
from integration.ownership import Actor, check_review
from integration.store import records
from integration.store.models import Agreement, Lead, SyncShadow, VanishedRow
from integration.store.queries import get_record

#: The tab a record kind's rows live in.

#: How many vanished rows a list shows at most.
LIMIT = 1000


class VanishedError(Exception):
    """An action on a vanished row that cannot be done (``reason``: ``gone`` when
    the record no longer exists, ``erased`` after a GDPR erasure)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class VanishedItem:
    """One vanished row as staff see it."""

    record_id: str
    kind: str
    partner: str
    tab: str
    #: the firm (a lead) or the subject (an agreement), None when it has none
    name: str | None
    row_number: int | None
    vanished_at: datetime
    #: True: held by the deletion stop (the record is live); False: archived
    held: bool


# -- kept by the sync -----------------------------------------------------------


def record_archived(
    session: Session,
    partner: str,
    tab: str,
    kind: str,
    archived: Mapping[str, int | None],
    restored: Iterable[str],
    now: datetime,
) -> None:
    """In the sync's store transaction: records it archived because their rows
    vanished (id -> the row last seen on) are listed, as archived; records whose
    rows came back (``restored``) leave the list."""
    restored = list(restored)
    if restored:
        session.execute(delete(VanishedRow).where(VanishedRow.record_id.in_(restored)))
    _upsert(session, partner, tab, kind, archived, held=False, now=now)


def record_stop(
    session: Session,
    partner: str,
    tab: str,
    kind: str,
    held: Mapping[str, int | None],
    now: datetime,
) -> None:
    """A deletion stop of the tab holds exactly ``held`` (id -> the row last seen
    on): they are listed as held; held rows of the tab that came back leave."""
    session.execute(
        delete(VanishedRow).where(
            VanishedRow.partner == partner,
            VanishedRow.tab == tab,
            VanishedRow.held.is_(True),
            VanishedRow.record_id.not_in(list(held) or [""]),
        )
    )
    _upsert(session, partner, tab, kind, held, held=True, now=now)


def release_held(session: Session, partner: str, tab: str) -> None:
    """The tab synced again after a stop: nothing of it is held any more (each
    row came back, was restored or archived)."""
    session.execute(
        delete(VanishedRow).where(
            VanishedRow.partner == partner, VanishedRow.tab == tab, VanishedRow.held.is_(True)
        )
    )


def _upsert(
    session: Session,
    partner: str,
    tab: str,
    kind: str,
    rows: Mapping[str, int | None],
    *,
    held: bool,
    now: datetime,
) -> None:
    if not rows:
        return
    ids = sorted(rows)
    existing: dict[str, VanishedRow] = {}
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for entry in session.scalars(select(VanishedRow).where(VanishedRow.record_id.in_(chunk))):
            existing[entry.record_id] = entry
    for rid in ids:
        known = existing.get(rid)
        if known is None:
            session.add(
                VanishedRow(
                    record_id=rid,
                    partner=partner,
                    tab=tab,
                    kind=kind,
                    row_number=rows[rid],
                    held=held,
                    vanished_at=now,
                )
            )
        else:  # still the same disappearance: when it vanished stays
            known.held = held
            known.row_number = rows[rid] if rows[rid] is not None else known.row_number


# -- listed and resolved by staff -----------------------------------------------


def items(session: Session, partner_filter: Any = None) -> list[VanishedItem]:
    """The vanished rows ``partner_filter`` (a SQL condition on the partner
    column; None: every partner) lets the reader see, newest first."""
    query = select(VanishedRow).order_by(VanishedRow.vanished_at.desc(), VanishedRow.record_id)
    if partner_filter is not None:
        query = query.where(partner_filter)
    entries = list(session.scalars(query.limit(LIMIT)))
    ids: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for e in entries:
        ids[e.kind].append(e.record_id)
    names: dict[str, str | None] = {}
    for rid, name in session.execute(
        select(Lead.id, Lead.company_name).where(Lead.id.in_(ids[Kind.LEAD] or [""]))
    ):
        names[rid] = name
    for rid, data in session.execute(
        select(Agreement.id, Agreement.data).where(Agreement.id.in_(ids[Kind.AGREEMENT] or [""]))
    ):
        names[rid] = (data or {}).get("subject")
    return [
        VanishedItem(
            record_id=e.record_id,
            kind=e.kind,
            partner=e.partner,
            tab=e.tab,
            name=names.get(e.record_id),
            row_number=e.row_number,
            vanished_at=e.vanished_at,
            held=e.held,
        )
        for e in entries
    ]


def entry(session: Session, record_id: str, partner_filter: Any = None) -> VanishedRow | None:
    """The vanished row of ``record_id`` if the reader may see it."""
    query = select(VanishedRow).where(VanishedRow.record_id == record_id)
    if partner_filter is not None:
        query = query.where(partner_filter)
    return session.scalars(query).first()


def _record(session: Session, found: VanishedRow) -> Lead | Agreement:
    record = get_record(session, found.kind, found.record_id)
    if record is None:
        session.delete(found)
        raise VanishedError("gone", f"{found.record_id} no longer exists.")
    if getattr(record, "erased_at", None) is not None:
        raise VanishedError("erased", f"{found.record_id} was erased; it cannot go back.")
    return record


def check_restorable(session: Session, record: Lead | Agreement) -> None:
    """Raise :class:`VanishedError` when ``record`` must not come back: it was
    erased (``erased``), or it is an archived lead whose firm another partner
    stored while it was archived (``duplicate``: another partner's new row or
    form cannot take an archived lead's firm, but an admin's move of another
    lead can bring it, and two live owners of one firm must not come out of a
    restore). The vanished rows' restore and the record's own restore
    (:mod:`integration.record_changes`) both ask this."""
    if getattr(record, "erased_at", None) is not None:
        raise VanishedError("erased", f"{record.id} was erased; it cannot go back.")
    if isinstance(record, Lead) and record.archived_at is not None:
        other = records.foreign_firm(
            session, record.data, partner=record.partner, exclude_id=record.id
        )
        if other is not None:
            raise VanishedError(
                "duplicate",
                f"{record.id}'s firm is now another partner's lead; it cannot go back.",
            )


def restore(
    session: Session, found: VanishedRow, *, actor: Actor, source: str, by: str | None = None
) -> str:
    """Put the record back into its partner's sheet: un-archived, its base for the
    tab forgotten, so the next sync of the tab appends it; returns its id."""
    check_review(actor, found.partner)
    record = _record(session, found)
    check_restorable(session, record)
    try:
        # the store's own refusal, should another partner store the firm between
        # the check and this write
        restored = records.restore_record(session, record, source=source, by=by)
    except records.Refused as exc:
        raise VanishedError(
            "duplicate",
            f"{record.id}'s firm is now another partner's lead; it cannot go back.",
        ) from exc
    if not restored:
        records.audit(session, record, "restore", source, {"sheet": found.tab}, by=by)
    _forget_base(session, found)
    return _resolved(session, found, f"restore {found.record_id} to the sheet")


def archive(
    session: Session, found: VanishedRow, *, actor: Actor, source: str, by: str | None = None
) -> str:
    """Archive the record: it stays out of the sheet and the deletion stop no
    longer counts it; returns its id."""
    check_review(actor, found.partner)
    record = _record(session, found)
    records.archive_record(session, record, source=source, by=by)
    _forget_base(session, found)
    return _resolved(session, found, f"archived vanished {found.record_id}")


def _forget_base(session: Session, found: VanishedRow) -> None:
    """The record's base for its tab goes: the sync no longer counts its row as
    held, and appends it if it is live (restored)."""
    session.execute(
        delete(SyncShadow).where(
            SyncShadow.partner == found.partner,
            SyncShadow.tab == found.tab,
            SyncShadow.record_id == found.record_id,
        )
    )


def _resolved(session: Session, found: VanishedRow, reason: str) -> str:
    rid = found.record_id
    records.request_sync(session, found.partner, trigger=Trigger.API, reason=reason, tab=found.tab)
    session.delete(found)
    return rid
