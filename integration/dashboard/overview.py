"""The overview page: the KPI toward the project's target (the same
:func:`integration.kpi.compute_kpi` as ``/api/v1/kpi``), the cumulative chart,
breakdowns, the lead pipeline and recent activity."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from flask import render_template, request
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integration.auth import is_admin
from integration.config import AppConfig
from integration.dashboard import bp
from integration.dashboard.access import current_token, login_required
from integration.dashboard.charts import (
    MonthPoint,
    cumulative_chart,
    mini_bar,
    progress_bar,
)
from integration.dashboard.scope import partner_scope, visible_partners
from integration.dashboard.ui_text import label
from integration.dashboard.web import services, ui_locale
from integration.kpi import compute_kpi, signed_agreements
from integration.store.models import (
    AuditEntry,
    Lead,
)

STAGES = ("new", "contacted", "qualified", "meeting", "negotiation", "won", "lost")


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


def value_scope(partner: str | None) -> tuple[bool, str | None]:
    """Whether the signed-in token may see the value total for the chosen
    ``partner`` (None: all), and the partner whose agreements it then sums.

    The count of agreements is a project-wide aggregate, but amounts are each
    partner's own business: an admin sees any scope, a partner token only the
    value of the agreements it reports itself, whatever ``?partner=`` says.
    """
    token = current_token()
    assert token is not None
    if is_admin(token):
        return True, partner
    if partner is not None and partner != token.partner:
        return False, None
    return True, token.partner


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


def recent_activity(db: Session) -> list[AuditEntry]:
    """The latest audit entries the signed-in token may see, newest first: a
    dozen is what fits beside the chart."""
    return list(
        db.scalars(
            select(AuditEntry)
            .where(partner_scope(AuditEntry.partner))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(12)
        )
    )


def _kpi_chart(
    kpi: dict[str, Any], points: list[MonthPoint], end_index: int, ended: bool, locale: str
) -> Markup:
    """The cumulative chart in the reader's language; once the project has ended
    its marker says so and the pace line still shows where the target lay."""
    return cumulative_chart(
        points,
        target=kpi["target"],
        title=label("cumulative_by_month", locale),
        target_label=label("target", locale),
        end_label=label("project_ended" if ended else "project_end", locale),
        end_index=end_index,
        pace_label=label("pace_line", locale),
        ended=ended,
    )


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
        may_see_value, value_partner = value_scope(partner)
        values = signed_value(db, config, value_partner) if may_see_value else []
        partners = visible_partners(config)
        stages = pipeline(db, partners)
        activity = recent_activity(db)
    points, end_index = month_points(kpi, config.project.start, config.project.end)
    ended = date.fromisoformat(kpi["as_of"]) > config.project.end
    chart = _kpi_chart(kpi, points, end_index, ended, locale)
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
        value_partner=value_partner,
        chart=chart,
        project_ended=ended,
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
