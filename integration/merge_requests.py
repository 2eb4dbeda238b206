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

from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from integration import messages
from integration.config import AppConfig
from integration.kinds import Kind, record_kind
from integration.ownership import (
    Actor,
    Denied,
    MergeAsk,
    check_merge_answer,
    check_merge_request,
    check_review,
    may_change,
    may_see_card,
)
from integration.review import ReviewError, ReviewResult, entry_values, merge_quarantine, plan_merge
from integration.store import records
from integration.store.db import rows_affected
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
    """Whether ``partner`` holds a duplicate of ``lead_id``: one of its own
    lead entries, still open, names it, or it asked to merge one into it (so the
    outcome stays readable). A dismissed row it never asked about is no key."""
    if partner is None:
        return False
    asked = exists().where(
        MergeRequest.requester == partner,
        MergeRequest.lead_id == lead_id,
        MergeRequest.entry_id == QuarantineEntry.id,
    )
    return bool(
        session.scalar(
            select(
                exists().where(
                    QuarantineEntry.partner == partner,
                    QuarantineEntry.kind == Kind.LEAD,
                    QuarantineEntry.duplicate_of == lead_id,
                    or_(QuarantineEntry.resolved_at.is_(None), asked),
                )
            )
        )
    )


def ask_of(request: MergeRequest) -> MergeAsk:
    """The request as :mod:`integration.ownership` reads it."""
    return MergeAsk(
        request.entry_id, request.lead_id, request.requester, request.owner, request.status
    )


def _claim(session: Session, request: MergeRequest, status: str, reason: str | None) -> None:
    """Decide ``request`` only if it still is open, in one conditional UPDATE (on
    PostgreSQL it waits for a concurrent decision's commit): the loser raises
    ``StaleDataError``, so ``run_guarded`` takes the action again and answers that
    it is decided already. An accept and a decline never both land."""
    now = utcnow()
    claimed = session.execute(
        update(MergeRequest)
        .where(MergeRequest.id == request.id, MergeRequest.status == "open")
        .values(status=status, reason=reason, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if rows_affected(claimed) != 1:
        raise StaleDataError(f"merge request {request.id} was decided meanwhile")
    session.expire(request, ["status", "reason", "decided_at"])


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
    if not record_kind(entry.kind).is_firm or not entry.duplicate_of:
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
    if not record_kind(entry.kind).is_firm or lead is None or lead.erased_at is not None:
        raise ReviewError("no_target", "This row is not a duplicate of another partner's lead.")
    # a decline answers the partner, not one copy: the same firm sent again (a
    # new form, another row) is not asked about again
    declined = session.scalar(
        select(
            exists().where(
                MergeRequest.requester == entry.partner,
                MergeRequest.lead_id == lead.id,
                MergeRequest.status == "declined",
            )
        )
    )
    check_merge_request(actor, entry.partner, lead.partner, declined=bool(declined))
    # a request whose row a sync closed meanwhile (applied, gone) is over: it
    # must not hold the one open place of this partner and lead
    records.end_merge_requests(session)
    open_one = session.scalars(
        select(MergeRequest).where(
            MergeRequest.requester == entry.partner,
            MergeRequest.lead_id == lead.id,
            MergeRequest.status == "open",
        )
    ).first()
    if open_one is not None:
        raise ReviewError(
            "already_asked", f"You already asked {lead.partner.upper()} to merge this row."
        )
    assert actor.partner is not None  # check_merge_request: never an admin
    request = MergeRequest(
        entry_id=entry.id, lead_id=lead.id, requester=actor.partner, owner=lead.partner,
        status="open", created_at=utcnow(), entry_digest=records.entry_digest(entry.raw),
    )  # fmt: skip
    session.add(request)
    try:
        session.flush()  # the open-pair index: a racing second ask fails here
    except IntegrityError:
        raise ReviewError(
            "already_asked", f"You already asked {lead.partner.upper()} to merge this row."
        ) from None
    # the history says that a chamber asked, in words; who asked is the request's
    records.audit(session, lead, "merge_requested", actor.channel)
    return request


def _answerable(session: Session, request: MergeRequest, actor: Actor) -> Lead:
    """The request's lead once ``actor`` may answer it: its current owner (or an
    admin), never the requester, and the request still open."""
    lead = session.get(Lead, request.lead_id)
    entry = session.get(QuarantineEntry, request.entry_id)
    owner = lead.partner if lead is not None else request.owner
    if request.status != "open":
        _decided_answer(actor, request, owner)
        if request.status == "ended":
            raise ReviewError(
                "ended",
                "This merge request is over: the row or the lead changed, moved or closed "
                "since it was asked, so nothing was merged.",
            )
        raise ReviewError("resolved", f"This merge request is already {request.status}.")
    check_merge_answer(
        actor,
        ask_of(request),
        request.entry_id,
        entry.partner if entry is not None else None,
        request.lead_id,
        owner,
    )
    if lead is None or lead.erased_at is not None or entry is None:
        raise ReviewError("gone", "The lead or the requesting row no longer exists.")
    return lead


def _decided_answer(actor: Actor, request: MergeRequest, owner: str) -> None:
    """A decided request: only its owner hears that it is decided; the requester
    trying to answer its own is refused as such."""
    if not actor.admin and actor.partner == request.requester:
        raise Denied("own_request", "You asked for this merge; only the lead's owner answers it.")
    if not may_change(actor, owner):
        raise Denied("not_owner", "Only the lead's owner can answer this merge request.")


def accept(
    session: Session,
    config: AppConfig,
    request: MergeRequest,
    *,
    actor: Actor,
    choose: Mapping[str, str] | None = None,
) -> ReviewResult:
    """The owner merges the requester's row into its lead through the one guarded
    merge of :mod:`integration.review` (person and row locks in its order; fills
    blanks; where both differ, ``choose`` field -> ``lead``/``entry``), closing
    the request. The entry must still be a duplicate of exactly this lead."""
    _answerable(session, request, actor)
    entry = session.get(QuarantineEntry, request.entry_id)
    if entry is None or entry.duplicate_of != request.lead_id:
        raise ReviewError("gone", "The requesting row is no longer linked to this lead.")
    if changed_since_asked(request, entry):
        raise ReviewError(
            "changed",
            "The requesting row changed after the merge was asked; nothing was merged. "
            "The requesting chamber may ask again.",
        )
    ask = ask_of(request)
    _claim(session, request, "accepted", None)
    result = merge_quarantine(
        session,
        config,
        entry,
        actor=actor,
        into=request.lead_id,
        choose=choose,
        source=actor.channel,
        asked=ask,
    )
    return result


def changed_since_asked(request: MergeRequest, entry: QuarantineEntry) -> bool:
    """Whether the requesting row's values differ from those the request was
    filed with (the owner would merge what it never reviewed). Requests filed
    before requests pinned their row are judged as they were."""
    return request.entry_digest is not None and (
        records.entry_digest(entry.raw) != request.entry_digest
    )


def decline(
    session: Session, request: MergeRequest, *, actor: Actor, reason: str | None = None
) -> None:
    """The owner says no (optionally why); the requester's row stays open."""
    lead = _answerable(session, request, actor)
    reason = (reason or "").strip()[:MAX_REASON] or None
    _claim(session, request, "declined", reason)
    records.audit(session, lead, "merge_declined", actor.channel)


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
    query = select(MergeRequest).where(MergeRequest.status == "open")
    if not actor.admin:
        query = query.where(MergeRequest.owner == actor.partner)
    out = []
    for request in session.scalars(query.order_by(MergeRequest.id).limit(200)):
        entry = session.get(QuarantineEntry, request.entry_id)
        lead = session.get(Lead, request.lead_id)
        if entry is None or lead is None or lead.erased_at is not None:
            continue
        if entry.resolved_at is not None or not may_change(actor, lead.partner):
            continue  # closed meanwhile, or the lead moved to a third partner
        if changed_since_asked(request, entry):
            continue  # over: the requester changed the row after asking
        values = entry_values(config, entry)
        plan = plan_merge(lead.data, values)
        differing = [(k, *plan.differing[k]) for k in sorted(plan.differing)]
        out.append(SideBySide(request, values, lead, differing))
    return out
