"""Sync health: the last run per partner and tab, the next nightly run, the
run history, a sync-now button (records a sync request; never calls Google)
and the run history as CSV."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integration.auth import is_admin
from integration.dashboard import bp
from integration.dashboard.access import current_token, login_required
from integration.dashboard.charts import (
    RunBar,
    history_chart,
    outcome_class,
)
from integration.dashboard.header_view import header_view
from integration.dashboard.schedule import next_nightly_run
from integration.dashboard.scope import visible_partners
from integration.dashboard.ui_text import label, outcome_label
from integration.dashboard.web import csv_response, format_when, notice, services, ui_locale
from integration.drive.channels import ALERT_KINDS, list_channels, recent_events
from integration.store import records
from integration.store.models import (
    SyncRequest,
    SyncRun,
    utcnow,
)

TABS = ("leads", "agreements")


def _latest_run(db: Session, partner: str, tab: str, *, with_report: bool) -> SyncRun | None:
    query = select(SyncRun).where(SyncRun.partner == partner, SyncRun.tab == tab)
    if with_report:
        query = query.where(SyncRun.header_report.is_not(None))
    return db.scalars(query.order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(1)).first()


def _run_rows(db: Session, partner: str, locale: str) -> list[dict[str, Any]]:
    """Per tab: the latest run, and the header report of the latest run that read
    a header (a busy run or an unreadable tab reads none; the report shown then
    is the newest one there is, with the time of its run)."""
    out = []
    for tab in TABS:
        run = _latest_run(db, partner, tab, with_report=False)
        if run is not None and run.header_report is not None:
            report_run: SyncRun | None = run
        else:
            report_run = _latest_run(db, partner, tab, with_report=True)
        header = (
            header_view(report_run.header_report, tab, locale)
            if report_run is not None and report_run.header_report is not None
            else None
        )
        out.append({"tab": tab, "run": run, "header": header, "header_run": report_run})
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


def _push(store: Any, partner: str) -> dict[str, Any]:
    """The partner's live push channel, its recent history, and an alert when the
    latest event is one (a trashed spreadsheet, a failed registration or poll)."""
    live = list_channels(store, partner, live_only=True)
    events = recent_events(store, partner, 8)
    alert = events[0] if events and events[0].kind in ALERT_KINDS else None
    return {"channel": live[0] if live else None, "channel_events": events, "alert": alert}


@bp.get("/sync")
@login_required
def sync_health() -> Any:
    svc = services()
    config = svc.config
    locale = ui_locale()
    now = utcnow()
    cards = []
    pushes = {code: _push(svc.store, code) for code in visible_partners(config)}
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
                        label=f"{format_when(r.started_at)} {pc.tab_name(r.tab) if r.tab else ''}",
                        value=float(r.cells_written or 0),
                        outcome=r.outcome,
                        outcome_text=outcome_label(r.outcome, locale),
                    )
                    for r in history
                ],
                title=f"{pc.name}: {label('history_chart', locale)}",
            )
            cards.append(
                {
                    "code": code,
                    "partner": pc,
                    "tabs": _run_rows(db, code, locale),
                    "next_run": next_nightly_run(pc.sync_time, pc.zone, now),
                    "pending": int(pending or 0),
                    "chart": chart,
                    "history": history[::-1][:8],
                    **pushes[code],
                }
            )
    from integration.preflight import setting_checks

    token = current_token()
    # what `crm-sync check` says of the settings (no network calls), for admins
    checks = setting_checks(config, google=True) if token and is_admin(token) else []
    return render_template(
        "dashboard/sync.html",
        checks=checks,
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
