"""Store operations on leads and agreements shared by sync, webhooks and the API.

Every change goes through here so that ids are issued one way, indexed columns
stay in step with the JSON data, and every create, update, archive and erasure
lands in the append-only audit log with its source (``sheet:lv``,
``webhook:lv``, ``api``, ...). A lead is created in one place only,
:mod:`integration.store.lead_create`; listing and searching is
:mod:`integration.store.queries`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, true, update
from sqlalchemy.orm import Session

from integration.identity import (
    Key,
    company_key,
    email_key,
    firm_keys,
    first_match,
    payload_hashes,
    registration_key,
    tombstone_hashes,
)
from integration.issues import issue
from integration.kinds import STORE_FIELDS, Kind, record_kind
from integration.normalise.phone import phone_readings
from integration.store.db import rows_affected
from integration.store.firm_locks import lock_firms, lock_payload
from integration.store.ids import issue_id
from integration.store.models import (
    Agreement,
    AuditEntry,
    Lead,
    MergeRequest,
    QuarantineEntry,
    SyncRequest,
    SyncShadow,
    Tombstone,
    utcnow,
)
from integration.vocabulary import fold, vocabulary

#: Personal data of a lead, blanked by a GDPR erasure. Firms are not persons.
PERSONAL_FIELDS = ("contact_name", "email", "phone", "notes", "gdpr_consent_date")

Record = Lead | Agreement


def clean_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without the fields the store sets itself and without empty values."""
    return {k: v for k, v in data.items() if k not in STORE_FIELDS and v is not None}


def lead_columns(data: Mapping[str, Any]) -> dict[str, Any]:
    """The indexed column values of a lead's data (as :func:`apply_lead_columns` sets them)."""
    code = data.get("registration_code")
    cols = {
        "company_name": data.get("company_name"),
        "company_key": company_key(data["company_name"]) if data.get("company_name") else None,
        "country": data.get("country"),
        "registration_code": (registration_key(code, data.get("country")) if code else None),
        "email": email_key(data.get("email")),
        "sector": data.get("sector"),
        "stage": data.get("stage"),
    }
    if data.get("partner"):
        cols["partner"] = data["partner"]
    return cols


def apply_lead_columns(lead: Lead) -> None:
    """Copy the indexed fields of ``lead.data`` into their columns."""
    for name, value in lead_columns(lead.data).items():
        setattr(lead, name, value)


def apply_agreement_columns(agreement: Agreement) -> None:
    d = agreement.data
    agreement.seller_id = d.get("seller_id")
    agreement.buyer_id = d.get("buyer_id")
    agreement.status = d.get("status")
    agreement.sector = d.get("sector")
    signed = d.get("signed_date")
    agreement.signed_date = date.fromisoformat(signed) if isinstance(signed, str) else signed
    value = d.get("value")
    agreement.value = float(value) if isinstance(value, int | float) else None
    agreement.currency = d.get("currency")
    if d.get("reporting_partner"):
        agreement.reporting_partner = d["reporting_partner"]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def to_dict(record: Record) -> dict[str, Any]:
    """The record as schema values, with its id and store timestamps."""
    out: dict[str, Any] = {"id": record.id, **record.data}
    out["created_at"] = _iso(record.created_at)
    out["updated_at"] = _iso(record.updated_at)
    if record.archived_at:
        out["archived_at"] = _iso(record.archived_at)
    if isinstance(record, Lead) and record.erased_at:
        out["erased_at"] = _iso(record.erased_at)
    return out


def kind_of(record: Record) -> Kind:
    """The kind of ``record``, by its model (the one place a model names its kind)."""
    return Kind.LEAD if isinstance(record, Lead) else Kind.AGREEMENT


def partner_of(record: Record) -> str:
    """The partner that owns ``record`` (its kind's owner field)."""
    owner: str = getattr(record, record_kind(kind_of(record)).owner_field)
    return owner


#: Who the current request acts as (the API or dashboard token's name), set
#: where a request is authenticated and cleared around every request: the
#: history of every change the request makes names it, whichever path writes
#: the entry (a merge, an erasure, a create, a review action), without each
#: caller having to pass it along.
ACTING_AS: ContextVar[str | None] = ContextVar("acting_as", default=None)


def audit(
    session: Session,
    record: Record,
    action: str,
    source: str,
    changes: Mapping[str, Any] | None = None,
    *,
    by: str | None = None,
) -> None:
    """One history entry of ``record``; ``by`` names who made the change (the
    API or dashboard token's name; by default the request's, :data:`ACTING_AS`),
    None for a sheet, a form or the sync."""
    by = by or ACTING_AS.get()
    session.add(
        AuditEntry(
            record_id=record.id,
            kind=kind_of(record),
            action=action,
            source=source,
            partner=partner_of(record),
            changes=dict(changes or {}),
            actor=by[:200] if by else None,
        )
    )


def create_agreement(session: Session, data: Mapping[str, Any], *, source: str) -> Agreement:
    clean = clean_data(data)
    now = utcnow()
    agreement = Agreement(
        id=issue_id(session, "agreement"),
        reporting_partner=clean["reporting_partner"],
        data=clean,
    )
    agreement.created_at = agreement.updated_at = now
    apply_agreement_columns(agreement)
    session.add(agreement)
    audit(session, agreement, "create", source, {k: [None, v] for k, v in clean.items()})
    return agreement


def update_record(
    session: Session,
    record: Record,
    changes: Mapping[str, Any],
    *,
    source: str,
    by: str | None = None,
) -> dict[str, list[Any]]:
    """Apply field changes (``None`` removes a field); return ``{field: [old, new]}``
    of what really changed. No change, no audit entry, no version bump."""
    data = dict(record.data)
    diff: dict[str, list[Any]] = {}
    for field, new in changes.items():
        if field in STORE_FIELDS:
            continue
        old = data.get(field)
        if old == new:
            continue
        diff[field] = [old, new]
        if new is None:
            data.pop(field, None)
        else:
            data[field] = new
    if not diff:
        return diff
    if isinstance(record, Lead):
        owner = data.get("partner") or record.partner
        check_lead_values(session, record.data, data, partner=owner, lead_id=record.id)
    record.data = data
    record.version += 1
    record.updated_at = utcnow()
    if isinstance(record, Lead):
        apply_lead_columns(record)
        if "partner" in diff:
            # asked of the old owner: it can no longer answer, and the asker
            # must be free to ask the new one
            end_merge_requests(session, lead_id=record.id)
    else:
        apply_agreement_columns(record)
    audit(session, record, "update", source, diff, by=by)
    return diff


def archive_record(session: Session, record: Record, *, source: str, by: str | None = None) -> bool:
    if record.archived_at is not None:
        return False
    record.archived_at = utcnow()
    record.updated_at = record.archived_at
    record.version += 1
    audit(session, record, "archive", source, by=by)
    return True


def restore_record(session: Session, record: Record, *, source: str, by: str | None = None) -> bool:
    """Un-archive ``record``; False when it was not archived. Every restore passes
    here (the dashboard's and the API's, a sync's row that came back): an archived
    lead whose firm another partner holds now (an admin moved a lead of that
    firm; a new row or form cannot take it, :func:`firm_held_against`) is
    refused, :class:`Refused` ``duplicate`` naming that lead, so a restore never
    gives a firm two owners."""
    if record.archived_at is None:
        return False
    if isinstance(record, Lead):
        # judged under the firm's locks, as every path deciding whether a firm
        # is someone's: a sync creating the firm for another partner waits
        lock_firms(session, [record.data])
        other = foreign_firm(session, record.data, partner=record.partner, exclude_id=record.id)
        if other is not None:
            raise Refused("duplicate", other.id, other.partner)
    record.archived_at = None
    record.updated_at = utcnow()
    record.version += 1
    audit(session, record, "restore", source, by=by)
    return True


#: The personal fields that identify a person (a tombstone keeps their hashes).
IDENTIFYING_FIELDS = ("email", "phone")


def past_identities(session: Session, lead: Lead) -> list[dict[str, Any]]:
    """Every e-mail and phone number the lead's history says it carried, other
    than its current ones, each as ``{field: value, "country": ...}``. An erasure
    must reach them too: a sheet row still showing the phone the person had
    before a patch is the person's as much as the current one (the concurrency
    campaign found such a row kept in quarantine after the erasure)."""
    current = {f: lead.data.get(f) for f in IDENTIFYING_FIELDS}
    seen: set[tuple[str, str]] = set()
    out: list[dict[str, Any]] = []
    changes = session.scalars(select(AuditEntry.changes).where(AuditEntry.record_id == lead.id))
    for change in changes:
        for name in IDENTIFYING_FIELDS:
            values = (change or {}).get(name)
            if not isinstance(values, list):
                continue
            for value in values:
                if not isinstance(value, str) or not value or value == current[name]:
                    continue
                if value == "[erased]" or (name, value) in seen:
                    continue
                seen.add((name, value))
                out.append({name: value, "country": lead.data.get("country")})
    return [identity for identity in out if not _held_elsewhere(session, lead, identity)]


def _held_elsewhere(session: Session, lead: Lead, identity: Mapping[str, Any]) -> bool:
    """Whether another live lead carries this earlier e-mail or phone now: then it
    is that lead's (a value typed into this lead and taken back is no proof it
    was the person's), and erasing this person must not tombstone or scrub it."""
    others = select(Lead.id).where(Lead.id != lead.id, Lead.erased_at.is_(None))
    if "email" in identity:
        others = others.where(func.lower(Lead.email) == str(identity["email"]).lower())
    else:
        others = others.where(Lead.data["phone"].as_string() == identity["phone"])
    return session.scalar(others.limit(1)) is not None


def erase_lead(
    session: Session,
    lead: Lead,
    *,
    source: str,
    scope: str | None,
    past: Iterable[Mapping[str, Any]] = (),
) -> None:
    """GDPR erasure: personal fields removed, a hashed tombstone kept, and the
    audit log keeps only the fact (field names, never values). Earlier audit
    entries of this lead lose their personal values too.

    ``scope`` is the partner whose sheet, forms and API the tombstone blocks,
    None for the whole network (see :mod:`integration.ownership`). ``past``
    (:func:`past_identities`, read before the history is scrubbed): the
    person's earlier e-mails and phones, tombstoned as well."""
    hashes = set(tombstone_hashes(lead.data))
    for identity in past:
        hashes.update(tombstone_hashes(identity))
    for h in sorted(hashes):
        session.add(Tombstone(record_id=lead.id, key_hash=h, partner=scope))
    erased = [f for f in PERSONAL_FIELDS if f in lead.data]
    lead.data = {k: v for k, v in lead.data.items() if k not in PERSONAL_FIELDS}
    lead.erased_at = utcnow()
    lead.updated_at = lead.erased_at
    lead.version += 1
    apply_lead_columns(lead)
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.record_id == lead.id)):
        entry.changes = {
            f: (["[erased]", "[erased]"] if f in PERSONAL_FIELDS else v)
            for f, v in (entry.changes or {}).items()
        }
    linked = select(QuarantineEntry).where(QuarantineEntry.duplicate_of == lead.id)
    if scope is not None:  # another partner's copy is that partner's data
        linked = linked.where(QuarantineEntry.partner == scope)
    for q in session.scalars(linked):
        q.raw = {}
        q.resolved_at = q.resolved_at or utcnow()
        q.resolution = q.resolution or "erased"
    # The sync's base (the values sheet and store last agreed on) must not keep them either.
    for shadow in session.scalars(select(SyncShadow).where(SyncShadow.record_id == lead.id)):
        shadow.base = {k: v for k, v in (shadow.base or {}).items() if k not in PERSONAL_FIELDS}
        shadow.row_hash = None
    end_merge_requests(session, lead_id=lead.id)
    audit(session, lead, "erase", source, {f: "[erased]" for f in erased})


@cache
def _service_headers() -> frozenset[str]:
    """The service's own columns' header texts in every language, folded: the
    sync writes them (status, when last synced), the requester does not."""
    headers = vocabulary()["headers"]["service"]
    return frozenset(
        fold(text)
        for per_locale in headers.values()
        for texts in per_locale.values()
        for text in texts
    )


def entry_digest(raw: Mapping[str, Any] | None) -> str:
    """A digest of a quarantine entry's values as a merge request pins them:
    what the requester typed, not the service's own status and stamp cells (a
    sync rewriting those must not end the request)."""
    kept = {k: v for k, v in (raw or {}).items() if fold(str(k)) not in _service_headers()}
    text = json.dumps(kept, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def end_merge_requests(session: Session, *, lead_id: str | None = None) -> int:
    """End the open merge requests nobody can answer any more: those about
    ``lead_id`` (its lead is being erased or moved to another partner), those
    whose requesting row is closed (erased, dismissed, applied or merged
    elsewhere) and those whose row changed since it was asked (the owner would
    merge values it never reviewed; the requester may ask again). Called by
    every path that closes, changes or moves what a request names (erasure, a
    move, review actions, the sync's quarantine write); returns how many ended."""
    session.flush()
    closed = select(QuarantineEntry.id).where(QuarantineEntry.resolved_at.is_not(None))
    gone: ColumnElement[bool] = MergeRequest.entry_id.in_(closed)
    if lead_id is not None:
        gone = or_(gone, MergeRequest.lead_id == lead_id)
    pinned = session.execute(
        select(MergeRequest.id, MergeRequest.entry_digest, QuarantineEntry.raw)
        .join(QuarantineEntry, QuarantineEntry.id == MergeRequest.entry_id)
        .where(MergeRequest.status == "open")
    )
    changed = []
    for rid, digest, raw in pinned:
        if digest is None:
            # filed before requests pinned their row: pinned as the row is now
            session.execute(
                update(MergeRequest)
                .where(MergeRequest.id == rid)
                .values(entry_digest=entry_digest(raw))
                .execution_options(synchronize_session=False)
            )
        elif entry_digest(raw) != digest:
            changed.append(rid)
    if changed:
        gone = or_(gone, MergeRequest.id.in_(changed))
    ended = session.execute(
        update(MergeRequest)
        .where(MergeRequest.status == "open", gone)
        .values(status="ended", decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return rows_affected(ended)


def tombstones_blocking(partner: str | None) -> Any:
    """WHERE clause: tombstones that block ``partner``'s input (its own and the
    network's); every tombstone when ``partner`` is None (an admin asking)."""
    if partner is None:
        return true()
    return or_(Tombstone.partner.is_(None), Tombstone.partner == partner)


def is_tombstoned(session: Session, record: Mapping[str, Any], partner: str | None) -> bool:
    """True when ``record`` is a person erased in ``partner``'s scope (by natural key)."""
    hashes = tombstone_hashes(record)
    if not hashes:
        return False
    query = select(Tombstone.id).where(Tombstone.key_hash.in_(hashes), tombstones_blocking(partner))
    return session.scalar(query.limit(1)) is not None


def erased_in_payload(session: Session, raw: Mapping[str, Any], partner: str | None) -> bool:
    """Whether a raw payload or row (keyed by anything) carries an identifier of a
    person erased in ``partner``'s scope."""
    hashes = payload_hashes(raw, phone_readings)
    if not hashes:
        return False
    query = select(Tombstone.id).where(Tombstone.key_hash.in_(hashes), tombstones_blocking(partner))
    return session.scalar(query.limit(1)) is not None


def kept_payload(
    session: Session,
    raw: Mapping[str, Any],
    errors: Iterable[Mapping[str, Any]],
    partner: str | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What a quarantine entry may keep of ``raw`` and its ``errors``: nothing of
    a payload that identifies a person erased in ``partner``'s scope, with an
    error that says so; everything otherwise."""
    if erased_in_payload(session, raw, partner):
        return {}, [issue("erased", "").as_data()]
    return dict(raw), [dict(e) for e in errors]


class Refused(Exception):
    """A lead's new values the store does not take, whichever path brought them:
    ``reason`` ``erased`` (an identifier of a person erased in the owner's scope)
    or ``duplicate`` (a stored firm: ``other_id``, ``other_partner``; an update
    is refused only for another partner's firm, a create for any stored one,
    ``mergeable`` when the owner may fill that lead's blanks instead)."""

    def __init__(
        self,
        reason: str,
        other_id: str | None = None,
        other_partner: str | None = None,
        *,
        mergeable: bool = False,
    ):
        super().__init__(reason)
        self.reason = reason
        self.other_id = other_id
        self.other_partner = other_partner
        self.mergeable = mergeable


def check_lead_values(
    session: Session,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    partner: str,
    lead_id: str | None = None,
) -> None:
    """Raise :class:`Refused` when the change from ``before`` to ``after`` brings
    an erased person's identifier into ``partner``'s lead, or makes it another
    partner's firm. Only what the change adds is judged, so an erased lead's
    own firm keys (tombstoned with it) never block editing its other fields."""
    added = set(tombstone_hashes(after)) - set(tombstone_hashes(before))
    added_keys = set(firm_keys(after)) - set(firm_keys(before))
    if added or added_keys:
        # Judge under the firm's locks, as a create and an erasure do: without
        # them a partner's merge or conflict resolution racing another partner's
        # create of the same firm (or an erasure of the person) passed this check
        # and left one firm with two owners (or the erased person in a lead).
        lock_firms(session, [after])
    if added:
        query = select(Tombstone.id).where(
            Tombstone.key_hash.in_(sorted(added)), tombstones_blocking(partner)
        )
        if session.scalar(query.limit(1)) is not None:
            raise Refused("erased")
    if not added_keys:
        return
    other = foreign_firm(session, after, partner=partner, exclude_id=lead_id)
    if other is not None:
        raise Refused("duplicate", other.id, other.partner)


def foreign_firm(
    session: Session, record: Mapping[str, Any], *, partner: str, exclude_id: str | None = None
) -> Any | None:
    """Another partner's stored lead that is ``record``'s firm (identity's rule,
    ``partner``'s own lead first), or None."""
    rows = firm_candidates(session, [record])
    other = match_firm(record, rows, partner=partner, exclude_id=exclude_id)
    return other if other is not None and other.partner != partner else None


#: The columns a firm match needs of a stored lead (:func:`firm_candidates`).
FIRM_COLUMNS = (
    Lead.id,
    Lead.partner,
    Lead.country,
    Lead.registration_code,
    Lead.email,
    Lead.company_key,
)


def firm_clause(records: Iterable[Mapping[str, Any]]) -> Any:
    """WHERE clause: leads sharing any firm key (:func:`firm_keys`) with ``records``,
    each condition on an indexed column (registration code, e-mail, company key)."""
    return firm_keys_clause(key for record in records for key in firm_keys(record))


def firm_keys_clause(keys: Iterable[Key]) -> Any:
    """:func:`firm_clause` of firm keys the caller has already."""
    codes: set[str] = set()
    emails: set[str] = set()
    names: set[str] = set()
    for key in keys:
        if key[0] == "reg":
            codes.add(key[2])
        elif key[0] == "email":
            emails.add(key[1])
        else:
            names.add(key[2])
    conditions = []
    if codes:
        conditions.append(Lead.registration_code.in_(sorted(codes)))
    if emails:
        conditions.append(Lead.email.in_(sorted(emails)))
    if names:
        conditions.append(Lead.company_key.in_(sorted(names)))
    return or_(*conditions) if conditions else false()


def firm_held_against(partner: str) -> ColumnElement[bool]:
    """WHERE clause: the leads whose firm is not free for ``partner``'s new rows:
    live leads, and other partners' archived ones (an archive is reversible and
    does not hand the firm to whoever holds a copy of it; a partner's own
    archived lead comes back through its row, by the row's identity)."""
    return or_(Lead.archived_at.is_(None), Lead.partner != partner)


def firm_candidates(
    session: Session,
    records: Iterable[Mapping[str, Any]] = (),
    *,
    held_against: str | None = None,
    keys: Iterable[Key] | None = None,
) -> list[Any]:
    """Stored, not erased leads that share a key with any of ``records`` (``id,
    partner, country, registration_code, email, company_key`` rows, by id), or
    with ``keys`` when the caller has the records' firm keys already;
    ``held_against``: only those whose firm a new row of that partner may not
    take (:func:`firm_held_against`). Narrow it to one record's firm with
    :func:`match_firm`."""
    clause = firm_clause(records) if keys is None else firm_keys_clause(keys)
    query = select(*FIRM_COLUMNS).where(Lead.erased_at.is_(None), clause)
    if held_against is not None:
        query = query.where(firm_held_against(held_against))
    return list(session.execute(query.order_by(Lead.id)))


def stored_firm_keys(row: Any) -> list[Key]:
    """:func:`firm_keys` of a stored lead from its indexed columns, which hold the
    keys already (compact registration code, folded e-mail, company key), so
    thousands of leads are keyed without reading their data."""
    keys: list[Key] = []
    country = (row.country or "").upper()
    if row.registration_code and country:
        keys.append(("reg", country, row.registration_code))
    if row.email:
        keys.append(("email", row.email))
    if row.company_key and country:
        keys.append(("name", country, row.company_key))
    return keys


class FirmIndex:
    """Rows of :func:`firm_candidates` by firm key, to find one record's firm
    among them by identity's rule (strongest key first, never across two
    different registration codes); index once, match many records."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self._by_key: dict[Key, list[Any]] = {}
        self._regs: dict[str, Key] = {}
        for row in rows:
            for key in stored_firm_keys(row):
                self._by_key.setdefault(key, []).append(row)
                if key[0] == "reg":
                    self._regs[row.id] = key

    def match(
        self,
        record: Mapping[str, Any],
        *,
        partner: str | None = None,
        exclude_id: str | None = None,
        keys: list[Key] | None = None,
    ) -> Any | None:
        """The row that is ``record``'s firm: ``partner``'s own lead first, then
        the lowest id; None when there is none. ``keys``: the record's
        :func:`firm_keys`, when the caller has them already."""

        def candidates(key: Key) -> list[Any]:
            rows = [r for r in self._by_key.get(key, ()) if r.id != exclude_id]
            return sorted(rows, key=lambda r: (r.partner != partner, r.id))

        match = first_match(
            firm_keys(record) if keys is None else keys,
            candidates,
            lambda r: self._regs.get(r.id),
            foreign=None if partner is None else (lambda r: r.partner != partner),
        )
        return match[1] if match is not None else None


def match_firm(
    record: Mapping[str, Any],
    rows: Iterable[Any],
    *,
    partner: str | None = None,
    exclude_id: str | None = None,
) -> Any | None:
    """The row of ``rows`` (from :func:`firm_candidates`) that is ``record``'s firm."""
    return FirmIndex(rows).match(record, partner=partner, exclude_id=exclude_id)


def find_duplicate_lead(
    session: Session, record: Mapping[str, Any], *, exclude_id: str | None = None
) -> Lead | None:
    """The live lead that is ``record``'s firm by any of its keys, if any."""
    if not firm_keys(record):
        return None
    row = match_firm(record, firm_candidates(session, [record]), exclude_id=exclude_id)
    return session.get(Lead, row.id) if row is not None else None


def request_sync(
    session: Session,
    partner: str,
    *,
    trigger: str,
    reason: str | None = None,
    tab: str | None = None,
) -> SyncRequest:
    """Record that ``partner``'s spreadsheet should be synced soon (debounced by
    the scheduler). Never calls Google."""
    req = SyncRequest(partner=partner, trigger=trigger, reason=reason, tab=tab)
    session.add(req)
    return req


def quarantine(
    session: Session,
    *,
    kind: str,
    source: str,
    raw: Mapping[str, Any],
    errors: Iterable[Mapping[str, Any]],
    partner: str | None = None,
    tab: str | None = None,
    row_number: int | None = None,
    fingerprint: str | None = None,
    duplicate_of: str | None = None,
) -> QuarantineEntry:
    """Keep a row or payload for review. One that carries an identifier of a
    person erased in ``partner``'s scope keeps nothing of its values (the
    erasure would be undone by a merge or a replay of it) and says so."""
    # The person's firm locks first: an erasure racing this write has either
    # committed its tombstone before the look-up below or finds this entry when
    # it scrubs the person's review copies (it holds the same locks).
    lock_payload(session, raw)
    kept, problems = kept_payload(session, raw, errors, partner)
    entry = QuarantineEntry(
        partner=partner,
        kind=kind,
        source=source,
        tab=tab,
        row_number=row_number,
        fingerprint=fingerprint,
        raw=kept,
        errors=problems,
        duplicate_of=duplicate_of,
    )
    session.add(entry)
    return entry
