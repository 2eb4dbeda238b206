"""Changing one stored lead or agreement: edit (a JSON merge patch), archive,
restore. The one place the API (``PATCH /api/v1/leads/<id>``, ...) and the
dashboard's record pages both call, so the two judge a change the same way:

- :func:`ownership.check_change` first (owner or admin; only an admin moves a
  record to another partner): :class:`~integration.ownership.Denied`;
- the merged record against its JSON Schema and, for an agreement, the
  cross-record rules over the leads the caller may see: :class:`Invalid`;
- a lead under its firm's locks: no erased person's identifier, no personal
  field set again on an erased lead, never another stored firm:
  :class:`~integration.store.records.Refused`;
- a restore never gives a firm two owners, nor brings an erased record back
  (:func:`integration.vanished.check_restorable`):
  :class:`~integration.vanished.VanishedError`.

Each change is audited with its channel (``source``) and who made it (``by``,
the token's name) and asks for a sync of the partner's tab, which carries it to
the sheet as the typed value it is (never a formula). Callers find the record
within what the caller may see (another partner's is a 404 before this), and
run these inside :func:`integration.store.guarded.run_guarded`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from integration import vanished
from integration.auth import scope_leads
from integration.config import AppConfig
from integration.domain import Trigger
from integration.kinds import tab_of
from integration.kpi import project_today
from integration.ownership import OWNER_FIELD, Actor, check_change
from integration.store import records
from integration.store.firm_locks import lock_firms
from integration.store.models import Agreement, ApiToken, Lead
from integration.store.records import PERSONAL_FIELDS, Refused
from integration.validation import ValidationIssue, validate_record
from integration.validation.cross_rules import Key, check_agreement

Record = Lead | Agreement


class Invalid(Exception):
    """The changed record is not valid: ``issues`` name each field and problem
    (as data, worded by the caller in its reader's language)."""

    def __init__(self, kind: str, issues: list[ValidationIssue]) -> None:
        super().__init__("The record is not valid.")
        self.kind = kind
        self.issues = issues

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [issue.as_data() for issue in self.issues]


class ScopedLeads:
    """The cross-record rules' lead lookup over the store, limited to what the
    token may see (an agreement cannot name a party the caller cannot see)."""

    def __init__(self, session: Session, token: ApiToken, named: frozenset[str] = frozenset()):
        self.session = session
        self.token = token
        #: parties the record names already: a change to another field does not
        #: need them to be the caller's (an agreement may have another partner's party)
        self.named = named

    def lead(self, lead_id: str) -> Mapping[str, Any] | None:
        query = select(Lead).where(Lead.id == lead_id)
        if lead_id not in self.named:
            query = scope_leads(query, self.token)
        lead = self.session.scalars(query).first()
        if lead is None or lead.archived_at is not None:
            return None
        return {"id": lead.id, **lead.data}

    def lead_id_by_key(self, key: Key) -> str | None:
        return None


def agreement_issues(
    session: Session,
    config: AppConfig,
    record: Mapping[str, Any],
    token: ApiToken,
    named: frozenset[str] = frozenset(),
) -> list[ValidationIssue]:
    """The cross-record problems of an agreement's values (its parties exist, are
    leads the token may see or already named, the dates fit)."""
    return check_agreement(record, ScopedLeads(session, token, named), today=project_today(config))


def _sync(session: Session, record: Record, kind: str, reason: str) -> None:
    records.request_sync(
        session, records.partner_of(record), trigger=Trigger.API, reason=reason, tab=tab_of(kind)
    )


def check_may_change(actor: Actor, kind: str, record: Record) -> None:
    """Raise :class:`~integration.ownership.Denied` unless ``actor`` may change
    ``record`` at all (what a form for it is offered on)."""
    check_change(actor, kind, record, {})


def edit(
    session: Session,
    config: AppConfig,
    kind: str,
    record: Record,
    patch: Mapping[str, Any],
    *,
    actor: Actor,
    token: ApiToken,
    source: str,
    by: str | None = None,
    check_version: Callable[[Record], None] | None = None,
) -> dict[str, list[Any]]:
    """Apply a merge patch (field -> value, ``None`` removes it) to ``record``,
    judged as described above; return ``{field: [old, new]}`` of what changed
    (nothing: no audit entry, no version bump, no sync). ``check_version`` is
    asked once the caller is known to own the record (the API's ``If-Match``)."""
    owner_field = OWNER_FIELD[kind]
    check_change(actor, kind, record, dict(patch))
    if check_version is not None:
        check_version(record)
    merged = dict(record.data)
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    found = validate_record(kind, merged, partners=config.partners)
    if found:
        raise Invalid(kind, found)
    if isinstance(record, Lead):
        # an erasure or a create of the same firm holds these until it commits
        lock_firms(session, [merged])
        _check_lead_patch(session, record, patch, merged)
    else:
        named = frozenset(filter(None, (record.seller_id, record.buyer_id)))
        found = agreement_issues(session, config, merged, token, named)
        if found:
            raise Invalid(kind, found)
    old_owner = records.partner_of(record)
    changes = records.update_record(session, record, patch, source=source, by=by)
    if changes:
        reason = f"{source} changed {record.id}"
        _sync(session, record, kind, reason)
        if owner_field in changes and old_owner and old_owner != records.partner_of(record):
            records.request_sync(
                session, old_owner, trigger=Trigger.API, reason=reason, tab=tab_of(kind)
            )
    return changes


def _check_lead_patch(session: Session, lead: Lead, patch: Mapping[str, Any], merged: dict) -> None:
    if lead.erased_at is not None and any(patch.get(f) is not None for f in PERSONAL_FIELDS):
        raise Refused("erased_lead")
    other = records.find_duplicate_lead(session, merged, exclude_id=lead.id)
    if other is not None:
        raise Refused("duplicate", other.id, other.partner)


def archive(
    session: Session, kind: str, record: Record, *, actor: Actor, source: str, by: str | None = None
) -> bool:
    """Archive ``record`` (owner or admin): it leaves the lists and the KPI, its
    row stays in the sheet marked archived. False: it was archived already.
    A record whose row vanished is archived as the Vanished rows page does."""
    check_may_change(actor, kind, record)
    found = vanished.entry(session, record.id)
    if found is not None:
        vanished.archive(session, found, actor=actor, source=source, by=by)
        return True
    if not records.archive_record(session, record, source=source, by=by):
        return False
    _sync(session, record, kind, f"{source} archived {record.id}")
    return True


def restore(
    session: Session, kind: str, record: Record, *, actor: Actor, source: str, by: str | None = None
) -> bool:
    """Bring an archived ``record`` back (owner or admin), unless
    :func:`vanished.check_restorable` refuses. A record whose row vanished goes
    back into the sheet as the Vanished rows page's restore does. False: it
    was not archived."""
    check_may_change(actor, kind, record)
    found = vanished.entry(session, record.id)
    if found is not None:
        vanished.restore(session, found, actor=actor, source=source, by=by)
        return True
    if record.archived_at is None:
        return False
    vanished.check_restorable(session, record)
    records.restore_record(session, record, source=source, by=by)
    _sync(session, record, kind, f"{source} restored {record.id}")
    return True
