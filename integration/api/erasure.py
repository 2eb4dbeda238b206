"""The part of a GDPR erasure beyond the lead row: quarantined payloads that
carry the same person (an earlier invalid form submission, a rejected sheet
row), remembered webhook and ``Idempotency-Key`` answers and the conflicts on
its personal fields are emptied too, so no copy of the personal data survives in review.

An erasure has a scope (:mod:`integration.ownership`): a partner's reaches only
that partner's lead, review copies and tombstone; an admin's reaches the whole
network, including other partners' leads of the same person. Copies are found
by exact normalised identifiers (e-mail, phone, registration code with its
country), never by substrings of free text, so a word in someone's notes cannot
make another entry lose its row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.domain import Trigger
from integration.identity import leaves, registration_key
from integration.normalise import normalise_phone, parse_country
from integration.ownership import Actor, check_change, erasure_scope, in_scope
from integration.store import records
from integration.store.firm_locks import lock_person
from integration.store.models import (
    ApiToken,
    Conflict,
    IdempotencyKey,
    Lead,
    QuarantineEntry,
    Tombstone,
    WebhookDelivery,
    utcnow,
)
from integration.store.records import PERSONAL_FIELDS

#: The shortest text compared as a phone number or registration code (shorter
#: values, like a sector code or a year, would match by accident).
_MIN_DIGITS = 6


@dataclass(frozen=True)
class Identifiers:
    """The exact, normalised values that identify a lead's person and firm."""

    email: str | None = None
    phone: str | None = None
    country: str | None = None
    registration_code: str | None = None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Identifiers:
        country = data.get("country") if isinstance(data.get("country"), str) else None
        email = data.get("email")
        phone = data.get("phone")
        code = data.get("registration_code")
        return cls(
            email=email.strip().casefold() if isinstance(email, str) and email.strip() else None,
            phone=_phone(phone, country) if phone else None,
            country=country,
            registration_code=(registration_key(str(code), country) if code and country else None),
        )

    def __bool__(self) -> bool:
        return bool(self.email or self.phone or self.registration_code)

    def found_in(self, raw: Any) -> bool:
        """Whether a value of ``raw`` (a payload or row, nested) is one of them.
        The registration code counts only beside a value naming its country."""
        values = [v for v in leaves(raw) if v.strip()]
        for value in values:
            if self.email and value.strip().casefold() == self.email:
                return True
            if self._may_be_phone(value) and _phone(value, self.country) == self.phone:
                return True
        if self.registration_code and self.country:
            codes = [v for v in values if _digits(v) >= _MIN_DIGITS and self._is_code(v)]
            if codes and any(parse_country(v.strip()) == self.country for v in values):
                return True
        return False

    def _may_be_phone(self, value: str) -> bool:
        """Cheap test before parsing: the number's last digits appear in ``value``."""
        if not self.phone:
            return False
        digits = "".join(ch for ch in value if ch.isdigit())
        return len(digits) >= _MIN_DIGITS and self.phone[-_MIN_DIGITS:] in digits

    def _is_code(self, value: str) -> bool:
        return registration_key(value, self.country) == self.registration_code


def _phone(value: Any, country: str | None) -> str | None:
    found = normalise_phone(value, country)
    return found if isinstance(found, str) and found.startswith("+") else None


def _digits(value: str) -> int:
    return sum(ch.isdigit() for ch in value)


def _scoped(query: Any, column: Any, scope: str | None) -> Any:
    return query if scope is None else query.where(column == scope)


def scrub_quarantine(session: Session, who: Identifiers, scope: str | None) -> int:
    """Empty every quarantine entry within ``scope`` whose raw values carry one
    of ``who``'s identifiers (call before ``records.erase_lead``); returns how many."""
    if not who:
        return 0
    count = 0
    query = _scoped(select(QuarantineEntry), QuarantineEntry.partner, scope)
    for entry in session.scalars(query):
        if entry.raw and who.found_in(entry.raw):
            entry.raw = {}
            entry.errors = [
                {"field": e.get("field", ""), "code": e.get("code", ""), "message": "[erased]"}
                for e in (entry.errors or [])
            ]
            entry.resolved_at = entry.resolved_at or utcnow()
            entry.resolution = entry.resolution or "erased"
            count += 1
    return count


def scrub_conflicts(session: Session, lead: Lead, scope: str | None) -> int:
    """Blank the personal values kept in ``lead``'s field conflicts within ``scope``."""
    count = 0
    query = select(Conflict).where(
        Conflict.record_id == lead.id, Conflict.field.in_(PERSONAL_FIELDS)
    )
    query = _scoped(query, Conflict.partner, scope)
    for conflict in session.scalars(query):
        conflict.base_value = conflict.sheet_value = conflict.store_value = None
        conflict.resolved_value = None
        conflict.resolved_at = conflict.resolved_at or utcnow()
        conflict.resolution = conflict.resolution or "erased"
        count += 1
    return count


def scrub_deliveries(session: Session, lead: Lead, who: Identifiers, scope: str | None) -> int:
    """Remembered webhook answers within ``scope`` that concern the person (its
    lead's, or quoting one of its identifiers) keep only their status."""
    count = 0
    query = _scoped(select(WebhookDelivery), WebhookDelivery.partner, scope)
    for delivery in session.scalars(query):
        if not delivery.response:
            continue
        if delivery.record_id == lead.id or (who and who.found_in(delivery.response)):
            body = delivery.response
            delivery.response = {
                k: body[k] for k in ("type", "title", "status", "id", "partner") if k in body
            } | ({"detail": "[erased]"} if "detail" in body else {})
            count += 1
    return count


def scrub_idempotency_outcomes(
    session: Session, lead: Lead, who: Identifiers, scope: str | None
) -> int:
    """Answers remembered for an ``Idempotency-Key`` that concern the person (the
    lead's own create, on any token; or quoting one of its identifiers, on a token
    within ``scope``) keep only the record's id: a retry after the erasure must not
    serve the name, e-mail and phone again."""
    count = 0
    query = select(IdempotencyKey, ApiToken.partner).join(
        ApiToken, ApiToken.id == IdempotencyKey.token_id
    )
    for row, token_partner in session.execute(query):
        body = (row.response or {}).get("body")
        if not isinstance(body, dict):
            continue
        own = body.get("id") == lead.id
        if own or (in_scope(scope, token_partner) and who and who.found_in(body)):
            kept = {k: body[k] for k in ("type", "title", "status", "id", "partner") if k in body}
            row.response = {**(row.response or {}), "body": kept}
            count += 1
    return count


@dataclass
class Erasure:
    """What an erasure reached: ``scope`` None is the whole network."""

    lead_id: str
    scope: str | None
    erased: list[str] = field(default_factory=list)
    already: bool = False

    def as_json(self) -> dict[str, Any]:
        network = self.scope is None
        scope = (self.scope or "").upper()
        return {
            "id": self.lead_id,
            "scope": "network" if network else "partner",
            "partner": self.scope,
            "erased": self.erased,
            "already_erased": self.already,
            "detail": (
                "Erased across the network: every partner's copies of this person are "
                "gone and no partner's sheet, form or API can bring the person back."
                if network
                else f"Erased for {scope}: {scope}'s copies are "
                f"gone and {scope}'s sheet, forms and API cannot bring the "
                "person back. Other partners' data is theirs; an admin erases across "
                "the network."
            ),
        }


def _same_person(session: Session, lead: Lead, who: Identifiers) -> list[Lead]:
    """Other live leads of the person (same e-mail or phone), for a network erasure."""
    if not (who.email or who.phone):
        return []
    out = []
    for other in session.scalars(
        select(Lead).where(Lead.erased_at.is_(None), Lead.id != lead.id).order_by(Lead.id)
    ):
        # stored values are normalised already (e-mail column lower-cased, phone E.164)
        if (who.email and other.email == who.email) or (
            who.phone and other.data.get("phone") == who.phone
        ):
            out.append(other)
    return out


def erase_person(session: Session, lead: Lead, *, actor: Actor, source: str) -> Erasure:
    """The whole GDPR erasure of ``lead``'s person, for the API and the dashboard,
    in ``actor``'s scope: review copies scrubbed, the lead (and, network-wide,
    the person's other leads) erased with a tombstone, and a sync requested so
    the sheet cells are blanked. Erasing again is harmless; an admin erasing a
    lead a partner erased widens its tombstone to the network."""
    check_change(actor, "lead", lead, {})
    scope = erasure_scope(actor)
    result = Erasure(lead.id, scope)
    if lead.erased_at is not None:
        result.already = True
        if scope is None:
            for tomb in session.scalars(select(Tombstone).where(Tombstone.record_id == lead.id)):
                tomb.partner = None
        return result
    # a write bringing these identifiers in (a patch, a form, a merge) holds the
    # same locks: it lands before the erasure (and is erased) or sees its tombstone
    past = records.past_identities(session, lead)
    lock_person(session, lead.data, *past)
    who = Identifiers.of(lead.data)
    targets = [lead] + (_same_person(session, lead, who) if scope is None else [])
    for target in targets:
        if not in_scope(scope, target.partner):
            continue
        # its current identifiers, and those its history says it had before
        mine = past if target is lead else records.past_identities(session, target)
        for ids in (Identifiers.of(target.data), *(Identifiers.of(p) for p in mine)):
            scrub_quarantine(session, ids, scope)
            scrub_deliveries(session, target, ids, scope)
            scrub_idempotency_outcomes(session, target, ids, scope)
        scrub_conflicts(session, target, scope)
        records.erase_lead(session, target, source=source, scope=scope, past=mine)
        records.request_sync(
            session, target.partner, trigger=Trigger.API, reason=f"erasure {target.id}", tab="leads"
        )
        result.erased.append(target.id)
    return result
