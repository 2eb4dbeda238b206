"""The project manager's report: one definition (:mod:`.definition`) of what the
funder is told per reporting period, filled from the store (:mod:`.facts`) and
rendered three ways from the same numbers: the dashboard's Reports page,
``crm-sync report`` and ``GET /api/v1/report`` (:mod:`.render`: JSON, CSV, XLSX).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from integration.config import AppConfig
from integration.reports.definition import Report, build_report
from integration.reports.facts import read_facts
from integration.reports.request import ReportRequest


def make_report(session: Session, config: AppConfig, request: ReportRequest) -> Report:
    """The report ``request`` asks for, from the store."""
    facts = read_facts(session, config, partner=request.partner, until=request.end)
    return build_report(request, config, facts)
