"""Who may write what: the one ownership check every write path calls.

The rules (``docs/security.md`` states them for people):

* A partner acts through its API token, its dashboard session, its webhook
  secret and its sheet. Through any of them it creates and changes only its
  own records; an admin token may change any record, and only an admin moves
  a record from one partner to another.
* A lead belongs to its ``partner``; an agreement to its
  ``reporting_partner``. A partner that owns one of an agreement's parties may
  read the agreement but not change it (not its parties, reporting partner,
  status or anything else).
* Input of one partner that matches a firm another partner holds never writes
  into that record; filling a lead's blank fields from a duplicate happens only
  within one partner. Merging one partner's duplicate into another partner's
  lead is an admin's decision.
* Review items (quarantined rows, conflicts) are acted on by their partner or
  an admin, and a conflict only when its record still belongs to that partner.
* A partner whose row duplicates another partner's firm sees only a minimal
  card of that lead (name, owning chamber, id) and may ask the owner to merge;
  only the owner (or an admin) accepts or declines.
* An erasure has a scope: a partner's reaches only its own data and its
  tombstones block only its own sheet, forms and API; an admin's reaches the
  network.

Pure functions over plain values, so the API, the dashboard, the webhooks, the
review actions and the sync planner all ask the same questions the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integration.kinds import RECORD_KINDS

#: The field naming a record's owner, per kind.
OWNER_FIELD: dict[str, str] = {k.kind: k.owner_field for k in RECORD_KINDS}


@dataclass(frozen=True)
class Actor:
    """Who is writing: a partner (by code) or an admin (``partner`` is None)."""

    partner: str | None
    channel: str = "api"

    @property
    def admin(self) -> bool:
        return self.partner is None

    @classmethod
    def of_token(cls, token: Any, channel: str) -> Actor:
        """The actor behind an API token (``token.partner`` None: admin)."""
        return cls(token.partner, channel)


class Denied(Exception):
    """A write the actor may not make. ``status`` is what HTTP answers say:
    403 when the actor may see the record but not change it."""

    status = 403

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def owner_of(kind: str, record: Any) -> str:
    """The owning partner of a lead or agreement row (or of its data dict)."""
    field = OWNER_FIELD[kind]
    value = record.get(field) if isinstance(record, dict) else getattr(record, field)
    return str(value or "")


def may_change(actor: Actor, owner: str | None) -> bool:
    """Whether ``actor`` may create or change a record owned by ``owner``."""
    return actor.admin or (owner is not None and owner == actor.partner)


def check_create(actor: Actor, kind: str, owner: str) -> None:
    """A partner creates records only for itself."""
    if not may_change(actor, owner):
        raise Denied(
            "not_owner",
            f"{OWNER_FIELD[kind]} must be {actor.partner}: a partner creates only its own records.",
        )


def check_change(actor: Actor, kind: str, record: Any, changes: dict[str, Any]) -> None:
    """``actor`` may apply ``changes`` (field -> new value) to ``record``: it owns
    the record (or is an admin), and only an admin changes the owner."""
    owner = owner_of(kind, record)
    if not may_change(actor, owner):
        raise Denied(
            "not_owner",
            f"{record.id} belongs to {owner.upper()}; only {owner.upper()} or an admin "
            "can change it.",
        )
    field = OWNER_FIELD[kind]
    if field in changes and changes[field] != owner and not actor.admin:
        raise Denied("move", "Only an admin moves a record to another partner.")


def check_review(actor: Actor, item_partner: str | None) -> None:
    """Quarantine entries and conflicts are acted on by their partner or an admin."""
    if not may_change(actor, item_partner):
        raise Denied("not_owner", "This review item belongs to another partner.")


@dataclass(frozen=True)
class MergeAsk:
    """A merge request as the rules read it: which entry asks to go into which
    lead, who asked, who was asked, and whether it is still open."""

    entry_id: int
    lead_id: str
    requester: str
    owner: str
    status: str


def check_merge(
    actor: Actor,
    entry_partner: str | None,
    target_owner: str,
    *,
    asked: MergeAsk | None = None,
    entry_id: int | None = None,
    target_id: str | None = None,
) -> None:
    """Merging fills the target lead's blanks with the entry's values: within
    one partner by that partner, across partners by an admin, or by the
    target's owner when the entry's partner asked it to: ``asked`` must be an
    open request of exactly this entry (``entry_id``, its partner) about exactly
    this lead (``target_id``, its current owner), answered by the owner."""
    if asked is None:
        check_review(actor, entry_partner)
    else:
        check_merge_answer(actor, asked, entry_id, entry_partner, target_id, target_owner)
    if not may_change(actor, target_owner):
        raise Denied(
            "not_owner",
            f"The lead belongs to {target_owner.upper()}; merging another partner's "
            "duplicate into it is its owner's or an admin's decision.",
        )


def check_conflict(actor: Actor, conflict_partner: str, record_owner: str) -> None:
    """A conflict is settled by its partner, while the record is still its own."""
    check_review(actor, conflict_partner)
    if record_owner != conflict_partner:
        raise Denied(
            "not_owner",
            f"The record now belongs to {record_owner.upper()}; this conflict can no "
            "longer be settled from here.",
        )


def may_fill(partner: str, existing_owner: str) -> bool:
    """Whether input of ``partner`` may fill blanks of a lead ``existing_owner`` holds."""
    return partner == existing_owner


def erasure_scope(actor: Actor) -> str | None:
    """The partner an erasure by ``actor`` reaches, or None for the whole network."""
    return actor.partner


def in_scope(scope: str | None, partner: str | None) -> bool:
    """Whether data of ``partner`` lies within an erasure or tombstone ``scope``."""
    return scope is None or scope == partner


def may_see_card(actor: Actor, owner: str, linked: bool) -> bool:
    """Whether ``actor`` may see the minimal card (company name, owning chamber,
    id) of a lead ``owner`` holds: its owner and admins see the whole record
    anyway; another partner only when one of its own entries is linked to that
    lead as a duplicate (open, or one it asked to merge), so ids cannot be probed."""
    return may_change(actor, owner) or (actor.partner is not None and linked)


def check_merge_request(
    actor: Actor, entry_partner: str | None, target_owner: str, *, declined: bool = False
) -> None:
    """A merge request is filed by the entry's own partner (never for another
    partner, not by an admin, who merges directly), about another partner's lead
    (the one the entry is a duplicate of; the caller passes that, never a lead
    the actor names), and not again once the owner declined this pair."""
    if actor.admin or entry_partner is None or entry_partner != actor.partner:
        raise Denied("not_owner", "Only the partner whose row this is can ask for a merge.")
    if target_owner == actor.partner:
        raise Denied("own_lead", "The lead is your own; merge the row directly.")
    if declined:
        raise Denied("declined", "The owner declined merging this row; it cannot be asked again.")


def check_merge_answer(
    actor: Actor,
    asked: MergeAsk,
    entry_id: int | None,
    entry_partner: str | None,
    target_id: str | None,
    target_owner: str,
) -> None:
    """A merge request is accepted or declined by the lead's current owner (or an
    admin), never by the partner who asked, and only while it is open and still
    names this entry of its requester and this lead of its owner (a lead moved to
    a third partner meanwhile is not the owner's to merge into any more)."""
    if not actor.admin and actor.partner == asked.requester:
        raise Denied("own_request", "You asked for this merge; only the lead's owner answers it.")
    if not may_change(actor, target_owner) or asked.owner != target_owner:
        raise Denied("not_owner", "Only the lead's owner can answer this merge request.")
    if (
        asked.status != "open"
        or asked.entry_id != entry_id
        or asked.lead_id != target_id
        or asked.requester != entry_partner
    ):
        raise Denied("not_asked", "This merge request does not cover this row and lead.")
