"""What a report is asked for: the period, its grouping, the partner scope and
the language, checked once for all three interfaces (command line, API, dashboard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from integration.config import AppConfig
from integration.kpi import project_today
from integration.messages import LOCALES
from integration.normalise.enums import enum_values

#: How agreements and progress are grouped in time.
PERIODS = ("month", "quarter", "year")
#: The files a report is rendered as.
FORMATS = ("json", "csv", "xlsx")


class ReportError(ValueError):
    """A report parameter that cannot be used: ``field`` names it, the text says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class ReportRequest:
    start: date
    end: date
    by: str
    #: None: every partner (admins only); else the one partner the figures cover
    partner: str | None
    lang: str
    #: the day the report is made (pace and "to date" figures stop here)
    today: date
    #: only leads of this source, and agreements with a party of it (None: all)
    source: str | None = None
    #: only leads met at this event (its id in the partners file), and agreements
    #: with a party met there (None: all)
    event: str | None = None


def _day(field: str, raw: str | date | None) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ReportError(field, f"{raw[:40]!r} is not a date (YYYY-MM-DD)") from None


def report_request(
    config: AppConfig,
    *,
    start: str | date | None = None,
    end: str | date | None = None,
    by: str | None = None,
    partner: str | None = None,
    lang: str | None = None,
    today: date | None = None,
    source: str | None = None,
    event: str | None = None,
) -> ReportRequest:
    """The checked request; the defaults are the whole project window up to today,
    by quarter, every partner, in the partner's language (else English), every
    source and event.

    Raises :class:`ReportError` naming the parameter."""
    now = today or project_today(config)
    first, last = _period(config, start, end, now)
    by = by or "quarter"
    if by not in PERIODS:
        raise ReportError("by", "not one of " + ", ".join(PERIODS))
    partner = _partner(config, partner)
    lang = _lang(config, partner, lang)
    source = source or None
    if source is not None and source not in enum_values("lead", "source"):
        raise ReportError("source", "not one of " + ", ".join(enum_values("lead", "source")))
    event = event or None
    if event is not None and event not in {e.id for e in config.events}:
        raise ReportError("event", "not an event id of the partners file")
    return ReportRequest(first, last, by, partner, lang, now, source, event)


def _period(
    config: AppConfig, start: str | date | None, end: str | date | None, now: date
) -> tuple[date, date]:
    """The first and last day: by default the project window up to today (a
    window not yet begun or already over is clamped to it); at most 20 years,
    so a typo in a year does not ask for centuries of periods."""
    project = config.project
    first = _day("from", start) or project.start
    last = _day("to", end) or min(max(now, project.start), project.end)
    if last < first:
        raise ReportError("to", "must not be before from")
    if (last - first).days > 366 * 20:
        raise ReportError("to", "the period is longer than 20 years")
    return first, last


def _partner(config: AppConfig, partner: str | None) -> str | None:
    """A known partner code, or None (an empty value from a form means every partner)."""
    if partner in ("", None):
        return None
    if partner not in config.partners:
        raise ReportError("partner", "unknown partner code")
    return partner


def _lang(config: AppConfig, partner: str | None, lang: str | None) -> str:
    """The report's language: the one asked for, else the partner's (when the
    report is offered in it), else English."""
    if lang in ("", None):
        lang = config.partners[partner].locale if partner else "en"
        return lang if lang in LOCALES else "en"
    if lang not in LOCALES:
        raise ReportError("lang", "not one of " + ", ".join(LOCALES))
    return lang
