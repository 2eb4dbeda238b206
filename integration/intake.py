"""Accepting a lead from outside the sheets (form webhooks, quarantine replays).

One path for every such lead: normalise and validate (messages in English and
the partner's language), refuse erased persons, and, holding the firm's locks,
merge into the existing firm when any of its keys is already known
(registration code, e-mail, company name: :mod:`integration.identity`), filling
blank fields only, so a form can never overwrite what a partner typed;
otherwise create. In every accepted
case record a sync request so the partner's sheet shows the change within the
debounce window. Callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from integration.config import AppConfig
from integration.domain import IntakeOutcome
from integration.issues import duplicate_problem, for_readers
from integration.kinds import STORE_FIELDS
from integration.messages import FALLBACK
from integration.store import records
from integration.store.firm_locks import lock_payload
from integration.store.lead_create import create_lead
from integration.store.models import Lead, QuarantineEntry
from integration.validation import check_row
from schemas import load_schema

#: Fields a submission may not set: the partner comes from the URL, the rest
#: belong to the store.
_NOT_FROM_OUTSIDE = frozenset({*STORE_FIELDS, "partner"})


@dataclass
class LeadIntake:
    """What happened to one submitted lead."""

    outcome: IntakeOutcome
    lead: Lead | None = None
    record: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    #: The created or merged lead's id (set even when ``lead`` was not loaded).
    lead_id: str | None = None
    #: outcome ``duplicate``: another partner's lead with the same natural key,
    #: and the quarantine entry keeping the input for the sending partner
    duplicate_of: str | None = None
    entry: QuarantineEntry | None = None


def lead_fields() -> frozenset[str]:
    return frozenset(load_schema("lead")["properties"])


def record_errors(
    kind: str,
    raw: Mapping[str, Any],
    locale: str,
    partner: str,
    partners: Iterable[str] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``(record, errors)``: each error is a problem as data (field, code, params),
    rendered in each reader's language where it is shown.
    ``partners``: the configured partner codes (see :func:`check_row`)."""
    record, found = check_row(kind, raw, locale, partner=partner, partners=partners)
    return record, [item.as_data() for item in found]


def split_known(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(lead fields, everything else)``: extra form questions are kept aside,
    not rejected (forms often ask more than the CRM stores)."""
    known = lead_fields() - _NOT_FROM_OUTSIDE
    inside = {k: v for k, v in raw.items() if k in known}
    outside = {k: v for k, v in raw.items() if k not in known}
    return inside, outside


def fill_blanks(existing: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``record`` that ``existing`` lacks (merge never overwrites)."""
    return {
        k: v
        for k, v in record.items()
        if k not in _NOT_FROM_OUTSIDE and v not in (None, "") and existing.get(k) in (None, "")
    }


@dataclass
class Candidate:
    """A submitted lead after normalisation and validation (pure, no store)."""

    partner: str
    record: dict[str, Any]
    errors: list[dict[str, Any]]
    locale: str = "en"


def check_lead(config: AppConfig, partner: str, raw: Mapping[str, Any]) -> Candidate:
    """Normalise and validate ``raw`` (keyed by lead field) for ``partner``.

    Pure, so callers run it before opening a transaction and the write lock is
    held only for the store work."""
    locale = config.partner(partner).locale
    fields, _extra = split_known(raw)
    record, errors = record_errors("lead", fields, locale, partner, config.partners)
    return Candidate(partner, record, errors, locale)


def keep_cross_partner_duplicate(
    session: Session,
    *,
    partner: str,
    other_id: str,
    owner: str,
    locale: str,
    source: str,
    raw: Mapping[str, Any],
) -> tuple[QuarantineEntry, dict[str, Any]]:
    """Keep ``partner``'s input that matches ``owner``'s firm ``other_id`` as a
    duplicate for ``partner``'s review, never written into that lead.

    Returns the quarantine entry and the body every channel answers with (202):
    the same status text a sheet row gets ("Duplicate of L-000123 (EE)")."""
    error = duplicate_problem(other_id, owner)
    entry = records.quarantine(
        session,
        kind="lead",
        source=source,
        raw=dict(raw),
        errors=[error],
        partner=partner,
        duplicate_of=other_id,
    )
    session.flush()
    return entry, duplicate_body(partner, other_id, entry, error, locale)


def duplicate_body(
    partner: str, other_id: str, entry: QuarantineEntry, error: Mapping[str, Any], locale: str
) -> dict[str, Any]:
    """The answer to input kept as a duplicate of another partner's lead (in
    English, and in ``locale``, the sender's language)."""
    (shown,) = for_readers([error], "lead", FALLBACK, locale)
    return {
        "status": "duplicate",
        "duplicate_of": other_id,
        "partner": partner,
        "quarantine_id": entry.id,
        "message": shown["message"],
        "messages": shown["messages"],
    }


@dataclass(frozen=True)
class _Keeper:
    """Keeps input that is not stored as a lead in quarantine, as sent, for the
    sending partner's review (unless the caller asked for no quarantine)."""

    session: Session
    partner: str
    source: str
    raw: Mapping[str, Any]
    enabled: bool
    record: dict[str, Any]

    def keep(self, errors: list[dict[str, Any]], duplicate_of: str | None = None) -> Any:
        """The quarantine entry of the input, or None when quarantine is off."""
        if not self.enabled:
            return None
        return records.quarantine(
            self.session,
            kind="lead",
            source=self.source,
            raw=dict(self.raw),
            errors=errors,
            partner=self.partner,
            duplicate_of=duplicate_of,
        )

    def duplicate(self, other_id: str, other_owner: str) -> LeadIntake:
        """Another partner's firm: never written into, kept for this partner."""
        errors = [duplicate_problem(other_id, other_owner)]
        entry = self.keep(errors, other_id)
        return LeadIntake(
            IntakeOutcome.DUPLICATE,
            record=self.record,
            errors=errors,
            duplicate_of=other_id,
            entry=entry,
        )


def _invalid(keep: _Keeper, errors: list[dict[str, Any]]) -> LeadIntake:
    """Input that failed validation: kept for review, except an erased person's,
    which is refused, valid or not (an erasure of the person holds these locks,
    so it is seen or waits)."""
    payload = {**keep.raw, **keep.record}
    lock_payload(keep.session, payload)
    if records.erased_in_payload(keep.session, payload, keep.partner):
        return LeadIntake(IntakeOutcome.ERASED, record={})
    keep.keep(errors)
    return LeadIntake(IntakeOutcome.INVALID, record=keep.record, errors=errors)


def store_lead(
    session: Session,
    candidate: Candidate,
    *,
    source: str,
    trigger: str,
    quarantine_raw: Mapping[str, Any],
    quarantine_invalid: bool = True,
    load_lead: bool = True,
) -> LeadIntake:
    """The store half of :func:`accept_lead`.

    ``load_lead=False`` leaves ``lead`` unset for a created lead (callers that
    need only ``lead_id`` save a query); a merged lead is always loaded."""
    record = candidate.record
    keep = _Keeper(session, candidate.partner, source, quarantine_raw, quarantine_invalid, record)
    if candidate.errors:
        return _invalid(keep, candidate.errors)
    # The store's one create takes the firm's locks (two forms, or a form and the
    # sync creating the same firm, wait there for each other) and refuses an
    # erased person or a firm it holds already, in one look-up.
    # The sync request names the record's partner, which is ``candidate.partner``: the
    # normaliser sets it from the URL and a submission may not override it.
    try:
        lead_id = create_lead(
            session, record, source=source, sync_trigger=trigger, sync_tab="leads"
        )
    except records.Refused as exc:
        if exc.reason == "erased" or exc.other_id is None:
            return LeadIntake(IntakeOutcome.ERASED, record={})
        if not exc.mergeable:
            return keep.duplicate(exc.other_id, exc.other_partner or "")
        return merge_into(
            session, exc.other_id, record, source=source, trigger=trigger, duplicate=keep.duplicate
        )
    lead = session.get(Lead, lead_id) if load_lead else None
    return LeadIntake(IntakeOutcome.CREATED, lead=lead, record=record, lead_id=lead_id)


def merge_into(
    session: Session,
    lead_id: str,
    record: Mapping[str, Any],
    *,
    source: str,
    trigger: str,
    duplicate: Callable[[str, str], LeadIntake],
) -> LeadIntake:
    """Fill the blanks of the own lead ``lead_id`` that is ``record``'s firm
    (merge never overwrites); ``duplicate`` answers when the filled values would
    make it another partner's firm."""
    existing = session.get(Lead, lead_id)
    assert existing is not None  # found under the firm's locks a moment ago
    fill = fill_blanks(existing.data, record)
    if fill:
        try:
            records.update_record(session, existing, fill, source=source)
        except records.Refused as exc:
            # the blanks would make the own lead another partner's firm
            if exc.reason == "erased" or exc.other_id is None:
                return LeadIntake(IntakeOutcome.ERASED, record={})
            return duplicate(exc.other_id, exc.other_partner or "")
    records.audit(session, existing, "merge", source, {"filled": sorted(fill)})
    records.request_sync(
        session, existing.partner, trigger=trigger, reason=f"merged into {existing.id}", tab="leads"
    )
    return LeadIntake(
        IntakeOutcome.MERGED,
        lead=existing,
        record=dict(record),
        filled=sorted(fill),
        lead_id=existing.id,
    )


def accept_lead(
    session: Session,
    config: AppConfig,
    partner: str,
    raw: Mapping[str, Any],
    *,
    source: str,
    trigger: str,
    quarantine_raw: Mapping[str, Any] | None = None,
    quarantine_invalid: bool = True,
) -> LeadIntake:
    """Validate and store one submitted lead of ``partner`` (see module doc).

    ``raw`` is keyed by lead field (values as typed). An invalid lead is
    quarantined with ``quarantine_raw`` (default ``raw``) unless
    ``quarantine_invalid`` is false (a replay updates its own entry instead).
    """
    return store_lead(
        session,
        check_lead(config, partner, raw),
        source=source,
        trigger=trigger,
        quarantine_raw=quarantine_raw if quarantine_raw is not None else raw,
        quarantine_invalid=quarantine_invalid,
    )
