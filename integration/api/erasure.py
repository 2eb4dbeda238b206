"""The part of a GDPR erasure beyond the lead row: quarantined payloads that
carry the same person (an earlier invalid form submission, a rejected sheet
row) and the conflicts on its personal fields are emptied too, so no copy of
the personal data survives in review."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.store.models import Conflict, Lead, QuarantineEntry, WebhookDelivery, utcnow
from integration.store.records import PERSONAL_FIELDS


def _needles(lead: Lead) -> set[str]:
    """Values that identify the person, compared case-insensitively."""
    values = set()
    for name in (*PERSONAL_FIELDS, "registration_code"):
        value = lead.data.get(name)
        if isinstance(value, str) and len(value.strip()) >= 3:
            values.add(value.strip().casefold())
    return values


def _mentions(raw: Any, needles: set[str]) -> bool:
    if isinstance(raw, dict):
        return any(_mentions(v, needles) for v in raw.values())
    if isinstance(raw, list):
        return any(_mentions(v, needles) for v in raw)
    if isinstance(raw, str):
        text = raw.strip().casefold()
        return any(n == text or (len(n) >= 6 and n in text) for n in needles)
    return False


def scrub_quarantine(session: Session, lead: Lead) -> int:
    """Empty every quarantine entry whose raw values mention ``lead``'s person
    (call before :func:`integration.store.records.erase_lead`); returns how many."""
    needles = _needles(lead)
    if not needles:
        return 0
    count = 0
    for entry in session.scalars(select(QuarantineEntry)):
        if entry.raw and _mentions(entry.raw, needles):
            entry.raw = {}
            entry.errors = [
                {"field": e.get("field", ""), "code": e.get("code", ""), "message": "[erased]"}
                for e in (entry.errors or [])
            ]
            entry.resolved_at = entry.resolved_at or utcnow()
            entry.resolution = entry.resolution or "erased"
            count += 1
    return count


def scrub_conflicts(session: Session, lead: Lead) -> int:
    """Blank the personal values kept in ``lead``'s field conflicts."""
    count = 0
    query = select(Conflict).where(
        Conflict.record_id == lead.id, Conflict.field.in_(PERSONAL_FIELDS)
    )
    for conflict in session.scalars(query):
        conflict.base_value = conflict.sheet_value = conflict.store_value = None
        conflict.resolved_value = None
        conflict.resolved_at = conflict.resolved_at or utcnow()
        conflict.resolution = conflict.resolution or "erased"
        count += 1
    return count


def scrub_deliveries(session: Session, lead: Lead) -> int:
    """Remembered webhook answers quote rejected values (a mistyped phone number,
    say); those mentioning the person keep only their status."""
    needles = _needles(lead)
    if not needles:
        return 0
    count = 0
    for delivery in session.scalars(select(WebhookDelivery)):
        if delivery.response and _mentions(delivery.response, needles):
            body = delivery.response
            delivery.response = {
                k: body[k] for k in ("type", "title", "status", "id", "partner") if k in body
            } | ({"detail": "[erased]"} if "detail" in body else {})
            count += 1
    return count


def scrub_everything(session: Session, lead: Lead) -> None:
    """All of the above; call before ``records.erase_lead``."""
    scrub_quarantine(session, lead)
    scrub_conflicts(session, lead)
    scrub_deliveries(session, lead)


def erase_person(session: Session, lead: Lead, *, source: str) -> bool:
    """The whole GDPR erasure of ``lead``'s person, for the API and the dashboard:
    review copies scrubbed, the lead erased with a tombstone, and a sync requested
    so the sheet cells are blanked. Returns False when it was erased already."""
    from integration.store import records

    if lead.erased_at is not None:
        return False
    scrub_everything(session, lead)
    records.erase_lead(session, lead, source=source)
    records.request_sync(
        session, lead.partner, trigger="api", reason=f"erasure {lead.id}", tab="leads"
    )
    return True
