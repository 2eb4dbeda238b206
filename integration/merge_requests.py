"""Cross-partner duplicates: the minimal card a partner sees of another
partner's lead its row duplicates, and the merge request it can file.

A partner whose row or payload matches a firm another partner owns keeps its
row as a duplicate linked to that lead (``QuarantineEntry.duplicate_of``).
Instead of a dead end it sees a card naming the firm, the owning chamber and
the lead's id, nothing else of the owner's record, and may ask the owner to
merge. The owner sees the request in its review queue with both rows side by
side and accepts (the guarded merge of :mod:`integration.review`: fills blanks,
per-field choice) or declines with an optional reason. Every rule is asked of
:mod:`integration.ownership`; callers own the transaction and the HTTP answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from integration import messages
from integration.config import AppConfig
from integration.ownership import (
    Actor,
    check_merge_answer,
    check_merge_request,
    check_review,
    may_see_card,
)
from integration.review import ReviewError, ReviewResult, entry_values, merge_quarantine
from integration.store import records
from integration.store.models import Lead, MergeRequest, QuarantineEntry, utcnow

#: The reason text a decline keeps at most (a sentence, not a document).
MAX_REASON = 500


def chamber_name(config: AppConfig, code: str, locale: str) -> str:
    """A partner chamber's name in the reader's language (the catalog's
    ``ui.chamber_<code>``), else its configured name."""
    key = f"ui.chamber_{code}"
    if messages.known(key):
        return messages.text(key, locale)
    partner = config.partners.get(code)
    return partner.name if partner is not None else code.upper()


def _linked(session: Session, partner: str | None, lead_id: str) -> bool:
    """Whether one of ``partner``'s own entries is a duplicate of ``lead_id``."""
    if partner is None:
        return False
    return bool(
        session.scalar(
            select(
                exists().where(
                    QuarantineEntry.partner == partner, QuarantineEntry.duplicate_of == lead_id
                )
            )
        )
    )


def latest_request(session: Session, entry_id: int, lead_id: str) -> MergeRequest | None:
    """The newest merge request of an entry about a lead (open or decided)."""
    return session.scalars(
        select(MergeRequest)
        .where(MergeRequest.entry_id == entry_id, MergeRequest.lead_id == lead_id)
        .order_by(MergeRequest.id.desc())
    ).first()


def request_json(request: MergeRequest | None) -> dict[str, Any] | None:
    """What both sides may know of a request: its id, outcome and the reason."""
    if request is None:
        return None
    return {
        "id": request.id,
        "entry_id": request.entry_id,
        "lead_id": request.lead_id,
        "requester": request.requester,
        "owner": request.owner,
        "status": request.status,
        "reason": request.reason,
        "created_at": records._iso(request.created_at),
        "decided_at": records._iso(request.decided_at),
    }


def owner_card(
    session: Session, config: AppConfig, actor: Actor, lead_id: str, locale: str
) -> dict[str, Any] | None:
    """The minimal card of another partner's lead for ``actor``: company name,
    owning chamber (in ``locale``) and id, or None when the actor may not see
    even that (the lead does not exist, or none of its rows is linked to it)."""
    lead = session.get(Lead, lead_id)
    if lead is None or lead.erased_at is not None:
        return None
    if not may_see_card(actor, lead.partner, _linked(session, actor.partner, lead.id)):
        return None
    return {
        "id": lead.id,
        "company_name": lead.data.get("company_name"),
        "owner": lead.partner,
        "owner_name": chamber_name(config, lead.partner, locale),
    }


def entry_card(
    session: Session, config: AppConfig, actor: Actor, entry: QuarantineEntry, locale: str
) -> dict[str, Any] | None:
    """The card of the lead another partner owns that ``entry`` duplicates, with
    the entry's latest merge request, or None when the entry is not such a row."""
    if entry.kind != "lead" or not entry.duplicate_of:
        return None
    lead = session.get(Lead, entry.duplicate_of)
    if lead is None or lead.partner == entry.partner:
        return None
    card = owner_card(session, config, actor, entry.duplicate_of, locale)
    if card is None:
        return None
    card["merge_request"] = request_json(latest_request(session, entry.id, lead.id))
    return card


def file_request(session: Session, entry: QuarantineEntry, *, actor: Actor) -> MergeRequest:
    """The entry's partner asks the owner of the lead it duplicates to merge it.
    A second ask while one is open is ``ReviewError("already_asked")``."""
    check_review(actor, entry.partner)
    if entry.resolved_at is not None:
        raise ReviewError("resolved", f"Quarantine entry {entry.id} is already {entry.resolution}.")
    lead = session.get(Lead, entry.duplicate_of) if entry.duplicate_of else None
    if entry.kind != "lead" or lead is None or lead.erased_at is not None:
        raise ReviewError("no_target", "This row is not a duplicate of another partner's lead.")
    check_merge_request(actor, entry.partner, lead.partner)
    open_one = session.scalars(
        select(MergeRequest).where(
            MergeRequest.entry_id == entry.id,
            MergeRequest.lead_id == lead.id,
            MergeRequest.status == "open",
        )
    ).first()
    if open_one is not None:
        raise ReviewError(
            "already_asked", f"You already asked {lead.partner.upper()} to merge this row."
        )
    request = MergeRequest(
        entry_id=entry.id, lead_id=lead.id, requester=actor.partner, owner=lead.partner
    )
    session.add(request)
    try:
        session.flush()  # the open-pair index: a racing second ask fails here
    except IntegrityError:
        raise ReviewError(
            "already_asked", f"You already asked {lead.partner.upper()} to merge this row."
        ) from None
    records.audit(session, lead, "merge_requested", actor.channel, {"by": actor.partner})
    return request


def _open_request(request: MergeRequest, actor: Actor) -> None:
    check_merge_answer(actor, request.owner)
    if request.status != "open":
        raise ReviewError("resolved", f"This merge request is already {request.status}.")


def accept(
    session: Session,
    config: AppConfig,
    request: MergeRequest,
    *,
    actor: Actor,
    choose: Mapping[str, str] | None = None,
) -> ReviewResult:
    """The owner merges the requester's row into its lead (fills blanks; where
    both differ, ``choose`` field -> ``lead``/``entry``), closing the request."""
    _open_request(request, actor)
    entry = session.get(QuarantineEntry, request.entry_id)
    if entry is None or entry.duplicate_of != request.lead_id:
        raise ReviewError("gone", "The requesting row is no longer linked to this lead.")
    result = merge_quarantine(
        session,
        config,
        entry,
        actor=actor,
        into=request.lead_id,
        choose=choose,
        source=actor.channel,
        asked=True,
    )
    request.status = "accepted"
    request.decided_at = utcnow()
    return result


def decline(
    session: Session, request: MergeRequest, *, actor: Actor, reason: str | None = None
) -> None:
    """The owner says no (optionally why); the requester's row stays open."""
    _open_request(request, actor)
    reason = (reason or "").strip()[:MAX_REASON] or None
    request.status = "declined"
    request.reason = reason
    request.decided_at = utcnow()
    lead = session.get(Lead, request.lead_id)
    if lead is not None:
        records.audit(
            session,
            lead,
            "merge_declined",
            actor.channel,
            {"by": request.owner, "for": request.requester},
        )


@dataclass(frozen=True)
class SideBySide:
    """An open request as its owner reviews it: the requester's values (only
    what the requester sent, as lead fields) next to the owner's record."""

    request: MergeRequest
    requester_values: dict[str, Any]
    lead: Lead
    #: fields both have a different value in: (field, the lead's, the row's)
    differing: list[tuple[str, Any, Any]]


def owner_queue(session: Session, config: AppConfig, actor: Actor) -> list[SideBySide]:
    """The open merge requests the actor decides (its own leads; admins all)."""
    from integration.review import plan_merge

    query = select(MergeRequest).where(MergeRequest.status == "open")
    if not actor.admin:
        query = query.where(MergeRequest.owner == actor.partner)
    out = []
    for request in session.scalars(query.order_by(MergeRequest.id).limit(200)):
        entry = session.get(QuarantineEntry, request.entry_id)
        lead = session.get(Lead, request.lead_id)
        if entry is None or lead is None:
            continue
        values = entry_values(config, entry)
        plan = plan_merge(lead.data, values)
        differing = [(k, *plan.differing[k]) for k in sorted(plan.differing)]
        out.append(SideBySide(request, values, lead, differing))
    return out
