"""The project's headline number: signed agreements in the project window vs. target.

One function computes it for the API (``/api/v1/kpi``), the ``crm-sync kpi``
command and the dashboard, so the same question never gets two answers. An
agreement counts when its status is ``signed``, it is not archived and its
signed date lies inside the project window (both ends included).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from integration.config import AppConfig
from integration.store.models import Agreement, Lead


def _months(start: date, end: date) -> list[str]:
    out = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def project_today(config: AppConfig) -> date:
    """Today in the project's time zone."""
    return datetime.now(ZoneInfo(config.project.timezone)).date()


def expected_by(config: AppConfig, day: date) -> float:
    """The signed agreements the project needs by the end of ``day`` to be on an
    even pace toward its target over the window (0 before it, the target after)."""
    project = config.project
    total_days = (project.end - project.start).days + 1
    elapsed = min(max((day - project.start).days + 1, 0), total_days)
    return round(project.agreement_target * elapsed / total_days, 2)


def signed_agreements(
    session: Session, config: AppConfig, *, partner: str | None = None
) -> list[tuple[Agreement, str | None]]:
    """Counted agreements with the buyer's country, in signed-date order."""
    buyer = aliased(Lead)
    query = (
        select(Agreement, buyer.country)
        .outerjoin(buyer, buyer.id == Agreement.buyer_id)
        .where(
            Agreement.status == "signed",
            Agreement.archived_at.is_(None),
            Agreement.signed_date >= config.project.start,
            Agreement.signed_date <= config.project.end,
        )
        .order_by(Agreement.signed_date, Agreement.id)
    )
    if partner:
        query = query.where(Agreement.reporting_partner == partner)
    return [(a, country) for a, country in session.execute(query)]


def compute_kpi(
    session: Session,
    config: AppConfig,
    *,
    partner: str | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Signed agreements vs. the project target, by partner, sector, buyer
    country and month (with the cumulative count per month).

    ``expected_by_today`` is the target spread evenly over the window: the pace
    the project would need to be on to meet the target.
    """
    project = config.project
    today = today or project_today(config)
    rows = signed_agreements(session, config, partner=partner)
    by_partner: Counter[str] = Counter(a.reporting_partner for a, _ in rows)
    by_sector: Counter[str] = Counter(a.sector or "unknown" for a, _ in rows)
    by_country: Counter[str] = Counter(c or "unknown" for _, c in rows)
    per_month: Counter[str] = Counter(
        a.signed_date.strftime("%Y-%m") for a, _ in rows if a.signed_date
    )
    last = min(max(today, project.start), project.end)
    months = _months(project.start, last)
    cumulative = 0
    by_month = []
    for month in months:
        cumulative += per_month.get(month, 0)
        by_month.append(
            {"month": month, "signed": per_month.get(month, 0), "cumulative": cumulative}
        )
    signed = len(rows)
    target = project.agreement_target
    partners = [partner] if partner else sorted(config.partners)
    return {
        "project": project.name,
        "window": {"start": project.start.isoformat(), "end": project.end.isoformat()},
        "as_of": today.isoformat(),
        "partner": partner,
        "target": target,
        "signed": signed,
        "remaining": max(target - signed, 0),
        "progress": round(signed / target, 4) if target else None,
        "expected_by_today": expected_by(config, today),
        "days_left": max((project.end - today).days, 0),
        "by_partner": [
            {
                "partner": code,
                "name": config.partners[code].name if code in config.partners else code,
                "signed": by_partner.get(code, 0),
            }
            for code in partners
        ],
        "by_sector": [{"sector": k, "signed": v} for k, v in sorted(by_sector.items())],
        "by_country": [{"country": k, "signed": v} for k, v in sorted(by_country.items())],
        "by_month": by_month,
    }
