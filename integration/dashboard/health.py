"""Sync health: the last run per partner and tab, the next nightly run, the
run history, a sync-now button (records a sync request; never calls Google)
and the run history as CSV."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integration import messages
from integration.auth import is_admin
from integration.config import AppConfig
from integration.dashboard import bp
from integration.dashboard.access import current_token, login_required
from integration.dashboard.charts import (
    SyncDay,
    SyncDayWords,
    outcome_class,
    sync_days_chart,
)
from integration.dashboard.deploy_checks import check_groups, check_texts
from integration.dashboard.header_view import header_view
from integration.dashboard.schedule import next_nightly_run
from integration.dashboard.scope import visible_partners
from integration.dashboard.sync_days import partner_days
from integration.dashboard.ui_text import label
from integration.dashboard.web import (
    NUMBER_FORMATS,
    csv_response,
    display_zone,
    notice,
    services,
    ui_locale,
)
from integration.domain import Trigger
from integration.drive.channels import ALERT_KINDS, list_channels, recent_events
from integration.kinds import TABS
from integration.store import records
from integration.store.models import (
    SyncRequest,
    SyncRun,
    utcnow,
)
from integration.sync.stop_reasons import error_for_reader


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
    return None if run is None else run.seconds


def _push(store: Any, partner: str) -> dict[str, Any]:
    """The partner's live push channel, its recent history, and an alert when the
    latest event is one (a trashed spreadsheet, a failed registration or poll)."""
    live = list_channels(store, partner, live_only=True)
    events = recent_events(store, partner, 8)
    alert = events[0] if events and events[0].kind in ALERT_KINDS else None
    return {"channel": live[0] if live else None, "channel_events": events, "alert": alert}


def _sync_day_words(locale: str) -> SyncDayWords:
    """The sync-days chart's words in the reader's language."""
    return SyncDayWords(
        title=label("sync_days_chart", locale),
        worked=label("syncs_worked", locale),
        failed=label("syncs_failed", locale),
        to_fix=label("rows_to_fix", locale),
        syncs=label("syncs_per_day", locale),
    )


def _partner_card(
    db: Session,
    config: AppConfig,
    code: str,
    *,
    locale: str,
    zone: ZoneInfo,
    now: datetime,
    words: SyncDayWords,
) -> dict[str, Any]:
    """One partner's card on the page: its tabs' latest runs, the next nightly
    run, sync requests still waiting, the days chart and the last eight runs
    (newest first); the push channel is added by the caller."""
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
    days = [
        SyncDay(_day_label(d.day, locale), d.worked, d.failed, d.to_fix)
        for d in partner_days(db, code, zone, now)
    ]
    return {
        "code": code,
        "partner": pc,
        "tabs": _run_rows(db, code, locale),
        "next_run": next_nightly_run(pc.sync_time, pc.zone, now),
        "pending": int(pending or 0),
        "chart": sync_days_chart(days, words),
        "days": days,
        "history": history[::-1][:8],
    }


def _day_label(day: date, locale: str) -> str:
    """A day as the reader's locale writes a month and day (e.g. "Mar 5")."""
    return format_skeleton("MMMd", day, locale=NUMBER_FORMATS[locale])


@bp.get("/sync")
@login_required
def sync_health() -> Any:
    svc = services()
    config = svc.config
    locale = ui_locale()
    now = utcnow()
    cards = []
    pushes = {code: _push(svc.store, code) for code in visible_partners(config)}
    zone = display_zone()
    words = _sync_day_words(locale)
    with svc.store.session() as db:
        for code in visible_partners(config):
            card = _partner_card(db, config, code, locale=locale, zone=zone, now=now, words=words)
            cards.append({**card, **pushes[code]})
    token = current_token()
    admin = token is not None and is_admin(token)
    # what `crm-sync check` says: an admin's settings, store and token, and the
    # spreadsheets the reader may see (cached: no Google call per page view)
    checks = check_groups(
        current_app,
        config,
        admin=admin,
        partners=visible_partners(config),
        now=now,
    )
    names = {code: partner.name for code, partner in config.partners.items()}
    return render_template(
        "dashboard/sync.html",
        check_groups=checks,
        check_texts=lambda check: check_texts(check, locale, names),
        cards=cards,
        rows_of=run_rows_count,
        seconds_of=run_seconds,
        outcome_class=outcome_class,
        stop_reason_text=lambda code: messages.text("alert.reason." + code, locale),
        run_error=lambda run: error_for_reader(run.error, admin=admin),
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
            trigger=Trigger.API,
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
    token = current_token()
    admin = token is not None and is_admin(token)
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
        "stop_reason",
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
            error_for_reader(r.error, admin=admin),
            r.stop_reason,
        ]
        for r in runs
    ]
    return csv_response("sync-runs", header, rows)
