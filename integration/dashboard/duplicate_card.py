"""Cross-partner duplicates on the dashboard (#23): the minimal card a partner
sees instead of a 404 for another partner's lead one of its own rows
duplicates, the "ask the owner to merge" button, and the owner's answer
(accept: the guarded merge of :mod:`integration.review`; decline). Every rule
is :mod:`integration.ownership`'s, asked inside :mod:`integration.merge_requests`;
this module only reads the forms and shows the outcome. Kept apart from
``records_views`` (which calls :func:`card_page_or_404` when a lead is not the
reader's) and ``review_views`` (which adds :func:`fix_page_context` to the
Needs-fixing page)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.api.context import MAX_INT_ID
from integration.config import AppConfig
from integration.dashboard import bp
from integration.dashboard.access import login_required
from integration.dashboard.review_views import (
    dashboard_actor,
    guarded_review,
    merge_choices,
    merge_notice,
)
from integration.dashboard.scope import visible_or_404
from integration.dashboard.ui_text import label
from integration.dashboard.web import services, ui_locale
from integration.kinds import STORE_FIELDS
from integration.merge_requests import (
    MAX_REASON,
    accept,
    chamber_name,
    decline,
    entry_card,
    file_request,
    owner_card,
    owner_queue,
)
from integration.store.models import Lead, MergeRequest, QuarantineEntry

#: How many decided requests each side's list shows (newest first).
RECENT = 50


def card_page_or_404(db: Session, record_id: str) -> Any:
    """The minimal card of ``record_id`` for a reader who holds a duplicate of
    it (another partner's lead), else the 404 any unknown id gets."""
    actor = dashboard_actor()
    if actor.admin:
        abort(404)
    card = owner_card(db, services().config, actor, record_id, ui_locale())
    if card is None:
        abort(404)
    entries = db.scalars(
        select(QuarantineEntry)
        .where(QuarantineEntry.partner == actor.partner, QuarantineEntry.duplicate_of == record_id)
        .order_by(QuarantineEntry.id)
    )
    rows = []
    for entry in entries:
        shown = entry_card(db, services().config, actor, entry, ui_locale())
        if shown is not None and (entry.resolved_at is None or shown["merge_request"]):
            rows.append({"entry": entry, "request": shown["merge_request"]})
    return render_template("dashboard/duplicate_card.html", card=card, rows=rows, active="leads")


def _request_rows(db: Session, config: AppConfig, query: Any, locale: str) -> list[dict[str, Any]]:
    out = []
    for found in db.scalars(query.order_by(MergeRequest.id.desc()).limit(RECENT)):
        lead = db.get(Lead, found.lead_id)
        out.append(
            {
                "request": found,
                "company": (lead.data or {}).get("company_name") if lead is not None else "",
                "owner_name": chamber_name(config, found.owner, locale),
                "requester_name": chamber_name(config, found.requester, locale),
            }
        )
    return out


def fix_page_context(db: Session, config: AppConfig, locale: str) -> dict[str, Any]:
    """For the Needs-fixing page: the requests the reader filed (with their
    outcome), the open ones it decides (both rows side by side) and those it
    decided. An admin decides every partner's and sees every filed one."""
    actor = dashboard_actor()
    filed = select(MergeRequest)
    decided = select(MergeRequest).where(MergeRequest.status != "open")
    if not actor.admin:
        filed = filed.where(MergeRequest.requester == actor.partner)
        decided = decided.where(MergeRequest.owner == actor.partner)
    queue = [
        {
            "item": item,
            "requester_name": chamber_name(config, item.request.requester, locale),
            "fields": sorted(
                (set(item.requester_values) | {k for k, v in item.lead.data.items() if v})
                - {*STORE_FIELDS, "partner"}
            ),
        }
        for item in owner_queue(db, config, actor)
    ]
    return {
        "merge_filed": _request_rows(db, config, filed, locale),
        "merge_queue": queue,
        "merge_decided": _request_rows(db, config, decided, locale),
    }


def entry_cards(db: Session, config: AppConfig, entries: list[Any], locale: str) -> dict[int, Any]:
    """entry id -> the card of the other partner's lead it duplicates (with its
    latest request), for the Needs-fixing page's rows of a partner's staff."""
    actor = dashboard_actor()
    out: dict[int, Any] = {}
    if actor.admin:  # an admin merges the row directly; it has no card to ask from
        return out
    for entry in entries:
        card = entry_card(db, config, actor, entry, locale)
        if card is not None and card["owner"] != entry.partner:
            out[entry.id] = card
    return out


#: Why an ask or an answer was refused, as interface texts in the viewer's
#: language (the refusals' own sentences are the API's English).
ASK_REFUSALS = {
    "already_asked": "merge_already_asked",
    "no_target": "merge_not_duplicate",
    "declined": "merge_declined_before",
    "resolved": "merge_gone",
}
ANSWER_REFUSALS = {
    "resolved": "merge_already_decided",
    "gone": "merge_gone",
    "changed": "merge_row_changed",
    "ended": "merge_ended",
    "own_request": "merge_own_request",
    "not_owner": "merge_not_owner",
    "not_asked": "merge_gone",
    "invalid": "merge_choice_invalid",
}


@bp.post("/fix/quarantine/<int:entry_id>/merge-request")
@login_required
def ask_owner_to_merge(entry_id: int) -> Any:
    """The reader's row is a duplicate of another partner's lead: ask its owner."""
    svc = services()
    who = dashboard_actor()

    def take(db: Session) -> Any:
        entry = visible_or_404(db, svc.config, QuarantineEntry, entry_id)
        return file_request(db, entry, actor=who)

    back = url_for("dashboard.needs_fixing") + f"#q-{entry_id}"
    made, refused = guarded_review(take, back, worded=ASK_REFUSALS)
    if refused is not None:
        return refused
    flash(
        label("merge_asked", ui_locale(), owner=chamber_name(svc.config, made.owner, ui_locale())),
        "ok",
    )
    return redirect(back)


@bp.post("/fix/merge-requests/<int:request_id>")
@login_required
def answer_merge_request(request_id: int) -> Any:
    """The owner (or an admin) accepts, merging the requester's row into its lead
    with the per-field choices of the form, or declines with an optional reason."""
    svc = services()
    who = dashboard_actor()
    action = request.form.get("action")
    if action not in ("accept", "decline"):
        abort(400)
    reason = (request.form.get("reason") or "").strip()[:MAX_REASON]

    def take(db: Session) -> Any:
        if not 1 <= request_id <= MAX_INT_ID:
            abort(404)
        found = db.get(MergeRequest, request_id)
        # 404 to anyone but its two partners and admins: request ids are not probed
        if found is None or not (who.admin or who.partner in (found.requester, found.owner)):
            abort(404)
        if action == "decline":
            decline(db, found, actor=who, reason=reason)
            return None
        return accept(db, svc.config, found, actor=who, choose=merge_choices(request.form))

    back = url_for("dashboard.needs_fixing") + f"#mr-{request_id}"
    result, refused = guarded_review(take, back, worded=ANSWER_REFUSALS)
    if refused is not None:
        return refused
    if result is None:
        flash(label("merge_declined_notice", ui_locale()), "ok")
    else:
        merge_notice(result)
    return redirect(back)
