"""Overview, sync health and needs-fixing pages."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integration.auth import is_admin
from integration.config import AppConfig
from integration.dashboard import bp
from integration.dashboard.access import current_token, login_required
from integration.dashboard.charts import (
    MonthPoint,
    RunBar,
    cumulative_chart,
    history_chart,
    mini_bar,
    outcome_class,
    progress_bar,
)
from integration.dashboard.labels import label
from integration.dashboard.schedule import next_nightly_run
from integration.dashboard.sheets import sheet_gids
from integration.dashboard.web import csv_response, notice, services, ui_locale
from integration.kpi import compute_kpi, signed_agreements
from integration.store import records
from integration.store.models import (
    AuditEntry,
    Conflict,
    Lead,
    QuarantineEntry,
    SyncRequest,
    SyncRun,
    utcnow,
)

TABS = ("leads", "agreements")
STAGES = ("new", "contacted", "qualified", "meeting", "negotiation", "won", "lost")


def visible_partners(config: AppConfig) -> list[str]:
    """Partner codes the signed-in token may see, in configuration order."""
    token = current_token()
    assert token is not None
    if is_admin(token):
        return list(config.partners)
    return [token.partner] if token.partner in config.partners else []


def _partner_scope(column: Any) -> Any:
    """A WHERE clause limiting partner-level rows to the token's partner."""
    token = current_token()
    assert token is not None
    if is_admin(token):
        return True
    return column == token.partner


def month_points(kpi: dict[str, Any], start: date, end: date) -> tuple[list[MonthPoint], int]:
    """The chart's months from project start to end: totals up to the KPI's
    last month, blank after; and the index of the project's final month."""
    known = {m["month"]: m["cumulative"] for m in kpi.get("by_month", [])}
    points: list[MonthPoint] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        key = f"{year:04d}-{month:02d}"
        points.append(MonthPoint(label=key, total=known.get(key)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return points, len(points) - 1


def signed_value(db: Session, config: AppConfig, partner: str | None) -> list[tuple[str, float]]:
    """Total value of the KPI's counted agreements, per currency (the same
    agreements as the count: :func:`integration.kpi.signed_agreements`)."""
    totals: dict[str, float] = defaultdict(float)
    for agreement, _country in signed_agreements(db, config, partner=partner):
        if agreement.value is not None:
            totals[agreement.currency or "EUR"] += agreement.value
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))


def pipeline(db: Session, partners: list[str]) -> dict[str, dict[str, int]]:
    """Live (not archived, not erased) leads per partner and stage."""
    rows = db.execute(
        select(Lead.partner, Lead.stage, func.count())
        .where(Lead.archived_at.is_(None), Lead.erased_at.is_(None), Lead.partner.in_(partners))
        .group_by(Lead.partner, Lead.stage)
    )
    table: dict[str, dict[str, int]] = {p: defaultdict(int) for p in partners}
    for partner, stage, count in rows:
        table[partner][stage or "new"] += count
    return table


@bp.get("/")
@login_required
def overview() -> Any:
    svc = services()
    config = svc.config
    # The KPI is an aggregate without personal data: like /api/v1/kpi it is
    # project-wide for every token, and ``?partner=`` narrows it to the
    # agreements one partner reports (the numbers equal the API's).
    partner = request.args.get("partner")
    if partner not in config.partners:
        partner = None
    locale = ui_locale()
    with svc.store.session() as db:
        kpi = compute_kpi(db, config, partner=partner)
        values = signed_value(db, config, partner)
        partners = visible_partners(config)
        stages = pipeline(db, partners)
        activity = list(
            db.scalars(
                select(AuditEntry)
                .where(_partner_scope(AuditEntry.partner))
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .limit(12)
            )
        )
    points, end_index = month_points(kpi, config.project.start, config.project.end)
    chart = cumulative_chart(
        points,
        target=kpi["target"],
        title=label("cumulative_by_month", locale),
        target_label=label("target", locale),
        end_label=label("project_end", locale),
        end_index=end_index,
    )
    bar = progress_bar(
        kpi["signed"],
        kpi["target"],
        label=f"{kpi['signed']} / {kpi['target']} {label('signed_agreements', locale)}",
    )
    max_of = {
        key: max([row["signed"] for row in kpi[key]] or [0])
        for key in ("by_partner", "by_sector", "by_country")
    }
    return render_template(
        "dashboard/overview.html",
        kpi=kpi,
        values=values,
        chart=chart,
        bar=bar,
        mini_bar=mini_bar,
        max_of=max_of,
        stages=STAGES,
        pipeline=stages,
        partners=partners,
        activity=activity,
        chart_points=[p for p in points if p.total is not None],
        active="overview",
    )


def _run_rows(db: Session, partner: str) -> list[dict[str, Any]]:
    out = []
    for tab in TABS:
        run = db.scalars(
            select(SyncRun)
            .where(SyncRun.partner == partner, SyncRun.tab == tab)
            .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
            .limit(1)
        ).first()
        out.append({"tab": tab, "run": run})
    return out


def run_rows_count(run: SyncRun | None) -> int | None:
    """Rows a run looked at, from its counts (engine-defined keys)."""
    if run is None or not run.counts:
        return None
    counts = run.counts
    rows = counts.get("rows")
    return rows if isinstance(rows, int) else None


def run_seconds(run: SyncRun | None) -> float | None:
    if run is None or run.finished_at is None:
        return None
    return (run.finished_at - run.started_at).total_seconds()


@bp.get("/sync")
@login_required
def sync_health() -> Any:
    svc = services()
    config = svc.config
    locale = ui_locale()
    now = utcnow()
    cards = []
    with svc.store.session() as db:
        for code in visible_partners(config):
            pc = config.partners[code]
            history = list(
                db.scalars(
                    select(SyncRun)
                    .where(SyncRun.partner == code)
                    .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
                    .limit(24)
                )
            )[::-1]
            pending = db.scalar(
                select(func.count())
                .select_from(SyncRequest)
                .where(SyncRequest.partner == code, SyncRequest.consumed_at.is_(None))
            )
            chart = history_chart(
                [
                    RunBar(
                        label=f"{r.started_at:%Y-%m-%d %H:%M} {r.tab or ''}",
                        value=float(r.cells_written or 0),
                        outcome=r.outcome,
                    )
                    for r in history
                ],
                title=f"{pc.name}: {label('history_chart', locale)}",
            )
            cards.append(
                {
                    "code": code,
                    "partner": pc,
                    "tabs": _run_rows(db, code),
                    "next_run": next_nightly_run(pc.sync_time, pc.zone, now),
                    "pending": int(pending or 0),
                    "chart": chart,
                    "history": history[::-1][:8],
                }
            )
    return render_template(
        "dashboard/sync.html",
        cards=cards,
        rows_of=run_rows_count,
        seconds_of=run_seconds,
        outcome_class=outcome_class,
        active="sync",
    )


@bp.post("/sync/<partner>")
@login_required
def sync_now(partner: str) -> Any:
    """Record a sync request (the scheduler runs it, debounced); never calls Google."""
    svc = services()
    if partner not in visible_partners(svc.config):
        abort(404)
    tab = request.form.get("tab")
    token = current_token()
    assert token is not None
    with svc.store.session() as db:
        records.request_sync(
            db,
            partner,
            trigger="api",
            reason=f"dashboard: {token.name}"[:200],
            tab=tab if tab in TABS else None,
        )
    notice("sync_requested")
    return redirect(url_for("dashboard.sync_health") + f"#partner-{partner}")


def quarantine_rows(db: Session, config: AppConfig) -> list[dict[str, Any]]:
    """Open quarantine entries the token may see, with the sheet link."""
    entries = list(
        db.scalars(
            select(QuarantineEntry)
            .where(QuarantineEntry.resolved_at.is_(None), _partner_scope(QuarantineEntry.partner))
            .order_by(QuarantineEntry.partner, QuarantineEntry.tab, QuarantineEntry.row_number)
            .limit(500)
        )
    )
    gids = sheet_gids(db)
    out = []
    for e in entries:
        pc = config.partners.get(e.partner or "")
        tab = "agreements" if e.kind == "agreement" else "leads"
        link = None
        if pc is not None and (e.source or "").startswith("sheet:"):
            gid = gids.get((pc.code, tab))
            link = pc.sheet_url(gid, e.row_number if gid is not None else None)
        locale = pc.locale if pc is not None else "en"
        out.append(
            {
                "entry": e,
                "link": link,
                "tab_title": pc.tab_name(tab) if pc is not None else (e.tab or ""),
                "errors": localised_errors(e.errors, locale),
                "fix_fields": (
                    fix_fields(e)
                    if e.kind == "lead" and not (e.source or "").startswith("sheet:")
                    else []
                ),
            }
        )
    return out


def localised_errors(errors: list[dict[str, Any]], locale: str) -> list[dict[str, str]]:
    """Each error's message in the partner's language where the entry has it
    (``messages`` per locale), plus the English text when that differs."""
    out = []
    for err in errors or []:
        messages = err.get("messages") or {}
        english = messages.get("en") or err.get("message") or err.get("code") or ""
        local = messages.get(locale) or err.get("message") or english
        out.append(
            {
                "field": str(err.get("field") or ""),
                "message": str(local),
                "english": str(english) if english != local else "",
            }
        )
    return out


def open_conflicts(db: Session) -> list[Conflict]:
    return list(
        db.scalars(
            select(Conflict)
            .where(Conflict.resolved_at.is_(None), _partner_scope(Conflict.partner))
            .order_by(Conflict.created_at.desc(), Conflict.id.desc())
            .limit(500)
        )
    )


@bp.get("/fix")
@login_required
def needs_fixing() -> Any:
    svc = services()
    config = svc.config
    with svc.store.session() as db:
        quarantined = quarantine_rows(db, config)
        conflicts = open_conflicts(db)
    return render_template(
        "dashboard/fix.html", quarantined=quarantined, conflicts=conflicts, active="fix"
    )


@bp.get("/fix.csv")
@login_required
def needs_fixing_csv() -> Any:
    """The open quarantine entries as CSV (one row each, raw cells as JSON)."""
    svc = services()
    with svc.store.session() as db:
        items = quarantine_rows(db, svc.config)
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


@bp.get("/sync.csv")
@login_required
def sync_runs_csv() -> Any:
    """Sync run history (newest first) of the partners the token may see."""
    svc = services()
    with svc.store.session() as db:
        runs = list(
            db.scalars(
                select(SyncRun)
                .where(SyncRun.partner.in_(visible_partners(svc.config)))
                .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
                .limit(5000)
            )
        )
    header = [
        "id",
        "partner",
        "tab",
        "trigger",
        "started_at",
        "finished_at",
        "seconds",
        "outcome",
        "dry_run",
        "rows",
        "cells_written",
        "api_calls",
        "error",
    ]
    rows = [
        [
            r.id,
            r.partner,
            r.tab,
            r.trigger,
            r.started_at,
            r.finished_at,
            run_seconds(r),
            r.outcome,
            r.dry_run,
            run_rows_count(r),
            r.cells_written,
            r.api_calls,
            r.error,
        ]
        for r in runs
    ]
    return csv_response("sync-runs", header, rows)


def _review_source() -> str:
    """Audit source of a review action: the dashboard acts through the same
    authenticated, token-scoped path as the API."""
    return "api"


#: Form field prefix of corrected values in the "fix and retry" form.
FIX_PREFIX = "field:"


def corrections(form: Any) -> dict[str, Any] | None:
    """Corrected lead values from the fix form (an empty box clears the field);
    only schema fields are taken, never ids or timestamps."""
    from integration.intake import lead_fields

    allowed = lead_fields() - {"id", "partner", "created_at", "updated_at"}
    data: dict[str, Any] = {}
    for key, value in form.items():
        if key.startswith(FIX_PREFIX) and key[len(FIX_PREFIX) :] in allowed:
            data[key[len(FIX_PREFIX) :]] = value.strip() or None
    return data or None


def fix_fields(entry: QuarantineEntry) -> list[tuple[str, str]]:
    """``(field, value)`` boxes for correcting a webhook or API lead payload:
    every field with an error, then every other schema field it carried."""
    from integration.intake import lead_fields

    allowed = lead_fields() - {"id", "partner", "created_at", "updated_at"}
    raw = entry.raw or {}
    names = [str(e.get("field")) for e in entry.errors or [] if e.get("field") in allowed]
    names += [k for k in raw if k in allowed]
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return [(n, "" if raw.get(n) is None else str(raw.get(n))) for n in seen]


@bp.post("/fix/quarantine/<int:entry_id>")
@login_required
def quarantine_action(entry_id: int) -> Any:
    from integration.review import (
        ReviewError,
        dismiss_quarantine,
        merge_quarantine,
        replay_quarantine,
    )

    svc = services()
    action = request.form.get("action")
    if action not in ("replay", "dismiss", "merge"):
        abort(400)
    with svc.store.session() as db:
        entry = db.get(QuarantineEntry, entry_id)
        if entry is None or entry.partner not in visible_partners(svc.config):
            abort(404)
        try:
            if action == "replay":
                result = replay_quarantine(
                    db, svc.config, entry, data=corrections(request.form), source=_review_source()
                )
            elif action == "dismiss":
                result = dismiss_quarantine(db, entry, source=_review_source())
            else:
                result = merge_quarantine(db, svc.config, entry, source=_review_source())
        except ReviewError as exc:
            if exc.reason not in ("invalid", "erased"):
                db.rollback()
            # else keep what the replay learned (new errors, or the dismissal), as the API does
            flash(exc.message, "error")
            return redirect(url_for("dashboard.needs_fixing") + f"#q-{entry_id}")
    # A sheet row is re-read by the next sync, which then closes the entry.
    notice("sync_requested" if result.action == "sync_requested" else "done")
    return redirect(url_for("dashboard.needs_fixing"))


@bp.post("/fix/conflicts/<int:conflict_id>")
@login_required
def conflict_action(conflict_id: int) -> Any:
    from integration.review import ReviewError, resolve_conflict

    svc = services()
    side = request.form.get("side")
    if side not in ("sheet", "store"):
        abort(400)
    with svc.store.session() as db:
        conflict = db.get(Conflict, conflict_id)
        if conflict is None or conflict.partner not in visible_partners(svc.config):
            abort(404)
        try:
            resolve_conflict(db, conflict, side, source=_review_source())
        except ReviewError as exc:
            db.rollback()
            flash(exc.message, "error")
            return redirect(url_for("dashboard.needs_fixing"))
    notice("done")
    return redirect(url_for("dashboard.needs_fixing"))
