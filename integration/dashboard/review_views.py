"""Needs fixing: quarantined rows and payloads, open conflicts, and the review
actions on them (all through :mod:`integration.review`, as the API does)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.config import AppConfig
from integration.dashboard import bp
from integration.dashboard.access import current_token, login_required
from integration.dashboard.scope import partner_scope, visible_or_404
from integration.dashboard.sheets import sheet_gids
from integration.dashboard.ui_text import country_label, label, value_label
from integration.dashboard.web import csv_response, notice, services, ui_locale
from integration.intake import lead_fields
from integration.issues import render
from integration.kinds import STORE_FIELDS, record_kind
from integration.normalise.enums import enum_values
from integration.ownership import Actor, Denied
from integration.review import (
    ReviewError,
    dismiss_quarantine,
    merge_quarantine,
    merge_target,
    plan_merge,
    replay_quarantine,
    resolve_conflict,
)
from integration.store import queries
from integration.store.guarded import StoreBusy, run_guarded
from integration.store.models import (
    Conflict,
    Lead,
    QuarantineEntry,
)
from integration.sync.sheet_aids import listed_values
from integration.vocabulary import field_label


def quarantine_rows(db: Session, config: AppConfig, locale: str) -> list[dict[str, Any]]:
    """Open quarantine entries the token may see, with the sheet link; their
    problems in the viewer's ``locale``."""
    entries = list(
        db.scalars(
            select(QuarantineEntry)
            .where(QuarantineEntry.resolved_at.is_(None), partner_scope(QuarantineEntry.partner))
            .order_by(QuarantineEntry.partner, QuarantineEntry.tab, QuarantineEntry.row_number)
            .limit(500)
        )
    )
    gids = sheet_gids(db)
    out = []
    for e in entries:
        pc = config.partners.get(e.partner or "")
        tab = record_kind(e.kind).tab
        link = None
        if pc is not None and (e.source or "").startswith("sheet:"):
            gid = gids.get((pc.code, tab))
            link = pc.sheet_url(gid, e.row_number if gid is not None else None)
        # a form's lead payload is keyed by field names, a sheet row by its headers
        form = record_kind(e.kind).payload_intake and not (e.source or "").startswith("sheet:")
        fields = fix_fields(e) if form else []
        out.append(
            {
                "entry": e,
                "link": link,
                "tab_title": pc.tab_name(tab) if pc is not None else (e.tab or ""),
                "errors": localised_errors(e.errors, locale, e.kind),
                "fix_fields": fields,
                "field_names": lead_fields() if form else frozenset(),
                "fix_choices": fix_choices(fields, locale),
                "merge": merge_preview(db, config, e),
            }
        )
    return out


def merge_preview(db: Session, config: AppConfig, entry: QuarantineEntry) -> dict[str, Any] | None:
    """What merging ``entry`` into its lead would fill, and the fields both have
    a different value in (for staff to choose), or None when it cannot merge."""
    if not record_kind(entry.kind).is_firm or not entry.duplicate_of:
        return None
    try:
        target, values = merge_target(db, config, entry, actor=dashboard_actor())
    except (ReviewError, Denied):
        return None
    plan = plan_merge(target.data, values)
    return {
        "target": target.id,
        "fill": sorted(plan.fill),
        "differing": [(name, *plan.differing[name]) for name in sorted(plan.differing)],
    }


#: Form field prefix of a merge's per-field choice (``lead`` or ``entry``).
CHOOSE_PREFIX = "choose:"


def merge_choices(form: Any) -> dict[str, str]:
    return {
        key[len(CHOOSE_PREFIX) :]: value
        for key, value in form.items()
        if key.startswith(CHOOSE_PREFIX) and value == "entry"
    }


def merge_notice(result: Any) -> None:
    """What a merge did, in the viewer's words: the fields it filled or took,
    or that there was nothing to fill (never a bare "Done")."""
    locale = ui_locale()
    names = result.filled + result.replaced
    if not names:
        flash(label("merge_nothing", locale, id=result.record_id), "ok")
        return
    fields = ", ".join(field_label("lead", n, locale) for n in names)
    flash(label("merge_filled", locale, id=result.record_id, fields=fields), "ok")


def localised_errors(
    errors: list[dict[str, Any]], locale: str, kind: str = "lead"
) -> list[dict[str, str]]:
    """Each stored problem as the viewer reads it: the field's name and the
    sentence, both in the viewer's language ``locale``."""
    return [
        {
            "field": field_label(kind, str(err.get("field")), locale) if err.get("field") else "",
            "message": render(err, locale, kind),
        }
        for err in errors or []
    ]


def open_conflicts(db: Session) -> list[Conflict]:
    return list(
        db.scalars(
            select(Conflict)
            .where(Conflict.resolved_at.is_(None), partner_scope(Conflict.partner))
            .order_by(Conflict.created_at.desc(), Conflict.id.desc())
            .limit(500)
        )
    )


@bp.get("/fix")
@login_required
def needs_fixing() -> Any:
    # breaks a cycle: duplicate_card imports this module's helpers at its top
    from integration.dashboard import duplicate_card

    svc = services()
    config = svc.config
    with svc.store.session() as db:
        quarantined = quarantine_rows(db, config, ui_locale())
        merge_requests = duplicate_card.fix_page_context(db, config, ui_locale())
        cards = duplicate_card.entry_cards(
            db, config, [q["entry"] for q in quarantined], ui_locale()
        )
        conflicts = open_conflicts(db)
        unlisted = [
            {
                "id": lead.id,
                "partner": lead.partner,
                "company": lead.company_name,
                "event": (lead.data or {}).get("event"),
            }
            for lead in queries.unlisted_event_leads(
                db, select(Lead).where(partner_scope(Lead.partner)), config.events
            )
        ]
    return render_template(
        "dashboard/fix.html",
        quarantined=quarantined,
        conflicts=conflicts,
        unlisted_events=unlisted,
        cards=cards,
        active="fix",
        **merge_requests,
    )


@bp.get("/fix.csv")
@login_required
def needs_fixing_csv() -> Any:
    """The open quarantine entries as CSV (one row each, raw cells as JSON)."""
    svc = services()
    with svc.store.session() as db:
        items = quarantine_rows(db, svc.config, ui_locale())
    header = [
        "id",
        "partner",
        "kind",
        "source",
        "tab",
        "row_number",
        "sheet_link",
        "problems",
        "duplicate_of",
        "created_at",
        "raw",
    ]
    rows = [
        [
            i["entry"].id,
            i["entry"].partner,
            i["entry"].kind,
            i["entry"].source,
            i["tab_title"],
            i["entry"].row_number,
            i["link"],
            " | ".join(e["message"] for e in i["errors"]),
            i["entry"].duplicate_of,
            i["entry"].created_at,
            json.dumps(i["entry"].raw or {}, ensure_ascii=False),
        ]
        for i in items
    ]
    return csv_response("needs-fixing", header, rows)


@bp.get("/conflicts.csv")
@login_required
def conflicts_csv() -> Any:
    svc = services()
    with svc.store.session() as db:
        conflicts = open_conflicts(db)
    header = [
        "id",
        "partner",
        "tab",
        "record_id",
        "field",
        "base_value",
        "sheet_value",
        "store_value",
        "kept",
        "policy",
        "created_at",
    ]
    rows = [
        [
            c.id,
            c.partner,
            c.tab,
            c.record_id,
            c.field,
            json.dumps(c.base_value, ensure_ascii=False),
            json.dumps(c.sheet_value, ensure_ascii=False),
            json.dumps(c.store_value, ensure_ascii=False),
            c.winner,
            c.policy,
            c.created_at,
        ]
        for c in conflicts
    ]
    return csv_response("conflicts", header, rows)


def dashboard_actor() -> Actor:
    """The signed-in token as an :mod:`integration.ownership` actor."""
    token = current_token()
    assert token is not None  # behind login_required
    return Actor.of_token(token, "dashboard")


def _review_source() -> str:
    """Audit source of a review action: the channel it was taken in (the API's
    are ``api``), so the history says where a merge or a resolution was made."""
    return "dashboard"


#: Form field prefix of corrected values in the "fix and retry" form.
FIX_PREFIX = "field:"


def corrections(form: Any) -> dict[str, Any] | None:
    """Corrected lead values from the fix form (an empty box clears the field);
    only schema fields are taken, never ids or timestamps."""
    allowed = lead_fields() - {*STORE_FIELDS, "partner"}
    data: dict[str, Any] = {}
    for key, value in form.items():
        if key.startswith(FIX_PREFIX) and key[len(FIX_PREFIX) :] in allowed:
            data[key[len(FIX_PREFIX) :]] = value.strip() or None
    return data or None


def fix_fields(entry: QuarantineEntry) -> list[tuple[str, str]]:
    """``(field, value)`` boxes for correcting a webhook or API lead payload:
    every field with an error, then every other schema field it carried."""
    allowed = lead_fields() - {*STORE_FIELDS, "partner"}
    raw = entry.raw or {}
    names = [str(e.get("field")) for e in entry.errors or [] if e.get("field") in allowed]
    names += [k for k in raw if k in allowed]
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return [(n, "" if raw.get(n) is None else str(raw.get(n))) for n in seen]


def guarded_review(
    take: Callable[[Session], Any],
    back: str,
    *,
    keep: frozenset[str] = frozenset(),
    worded: Mapping[str, str] | None = None,
    explain: Callable[[Any], str | None] | None = None,
) -> tuple[Any, Any]:
    """``(result, None)`` of a review action ``take(db)`` in one store
    transaction, run again while a record it writes changes meanwhile
    (:func:`~integration.store.guarded.run_guarded`, as the API's actions are),
    so it is judged on what is stored then; or ``(None, redirect to back)``
    after flashing why it was refused. ``keep``: refusal reasons whose
    transaction is kept (what a replay learned: new errors, a dismissal);
    ``worded``: reason (of a refusal or a denial) -> interface text shown
    instead of the refusal's own English;
    ``explain``: the refusal as the viewer reads it (None: as above)."""
    svc = services()

    def once() -> tuple[Any, str | None]:
        with svc.store.session() as db:
            try:
                return take(db), None
            except Denied as exc:
                db.rollback()
                key = (worded or {}).get(exc.reason)
                return None, label(key, ui_locale()) if key else exc.message
            except ReviewError as exc:
                if exc.reason not in keep:
                    db.rollback()
                explained = explain(exc) if explain is not None else None
                if explained:
                    return None, explained
                key = (worded or {}).get(exc.reason)
                return None, label(key, ui_locale()) if key else exc.message

    try:
        result, refused = run_guarded(once)
    except StoreBusy:
        refused = label("record_busy", ui_locale())
    if refused is None:
        return result, None
    flash(refused, "error")
    return None, redirect(back)


def fix_choices(fields: list[tuple[str, str]], locale: str) -> dict[str, list[tuple[str, str]]]:
    """``field -> [(value, word)]`` for the fix form's fields that have a closed
    list (sector, stage, country, ...): a choice of words in ``locale`` in the
    order the partner's sheet lists them, never a text box holding a code."""
    out: dict[str, list[tuple[str, str]]] = {}
    for name, _value in fields:
        if not enum_values("lead", name):
            continue
        out[name] = [
            (v, country_label(v, locale) if name == "country" else value_label(name, v, locale))
            for v in listed_values("lead", name, locale)
        ]
    return out


@bp.post("/fix/quarantine/<int:entry_id>")
@login_required
def quarantine_action(entry_id: int) -> Any:
    svc = services()
    who = dashboard_actor()
    action = request.form.get("action")
    if action not in ("replay", "dismiss", "merge"):
        abort(400)
    source = _review_source()

    still: list[dict[str, Any]] = []

    def take(db: Session) -> Any:
        entry = visible_or_404(db, svc.config, QuarantineEntry, entry_id)
        if action == "dismiss":
            return dismiss_quarantine(db, entry, actor=who, source=source)
        if action == "replay":
            # a sheet row is re-read by the sync: its problems as last read stay
            still[:] = [{**e, "_kind": entry.kind} for e in entry.errors or []]
            return replay_quarantine(
                db, svc.config, entry, data=corrections(request.form), actor=who, source=source
            )
        return merge_quarantine(
            db, svc.config, entry, choose=merge_choices(request.form), actor=who, source=source
        )

    back = url_for("dashboard.needs_fixing") + f"#q-{entry_id}"
    result, refused = guarded_review(
        take,
        back,
        keep=frozenset({"invalid", "erased", "duplicate"}),
        explain=lambda exc: (
            still_wrong(exc.errors, "replay_still_invalid")
            if exc.reason == "invalid" and exc.errors
            else None
        ),
    )
    if refused is not None:
        return refused
    # A sheet row is re-read by the next sync, which then closes the entry.
    if result.action == "merged":
        merge_notice(result)
    elif result.action == "sync_requested" and still:
        flash(still_wrong(still, "replay_sheet_still_invalid"), "error")
    else:
        notice("sync_requested" if result.action == "sync_requested" else "done")
    return redirect(url_for("dashboard.needs_fixing"))


def still_wrong(errors: list[dict[str, Any]], key: str) -> str:
    """What is still wrong with a row or payload after "Retry after fix", each
    problem with its field's name, in the viewer's language."""
    locale = ui_locale()
    kind = next((str(e["_kind"]) for e in errors if e.get("_kind")), "lead")
    clean = [{k: v for k, v in e.items() if k != "_kind"} for e in errors]
    problems = "; ".join(field_named(e) for e in localised_errors(clean, locale, kind))
    return label(key, locale, problems=problems)


def field_named(error: Mapping[str, str]) -> str:
    """A localised problem as one sentence that names its field: the catalog's
    sentences do already ("E-pasts: ..."); one that does not gets the name."""
    field, message = error.get("field") or "", error["message"]
    return message if not field or message.startswith(field) else f"{field}: {message}"


@bp.post("/fix/conflicts/<int:conflict_id>")
@login_required
def conflict_action(conflict_id: int) -> Any:
    """Choose a conflict's side, like the API's resolve: the record's write is
    version-checked and taken again when it changed meanwhile; a conflict
    another person resolved meanwhile says so and changes nothing."""
    svc = services()
    side = request.form.get("side")
    if side not in ("sheet", "store"):
        abort(400)

    def take(db: Session) -> Any:
        conflict = visible_or_404(db, svc.config, Conflict, conflict_id)
        return resolve_conflict(
            db, conflict, side, actor=dashboard_actor(), source=_review_source()
        )

    back = url_for("dashboard.needs_fixing")
    _result, refused = guarded_review(
        take, back, worded={"resolved": "conflict_resolved_meanwhile"}
    )
    if refused is not None:
        return refused
    notice("done")
    return redirect(back)
