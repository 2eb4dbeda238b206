"""The report's one definition: which tables it holds and how each figure is
counted, as a pure function of the request, the configuration and the facts.

Tables (each a :class:`Table` of typed columns; the renderers only format):

- ``summary``: scope, period, target, signed in the period and to date, the
  even pace expected by the period's end, progress toward the target;
- ``agreements_by_partner`` / ``_by_sector`` / ``_by_period`` / ``_by_country``
  (seller country -> buyer country): signed agreements and their value, one row
  per currency (amounts in different currencies are never added up);
- ``signed_agreements``: the list behind those counts;
- ``firms``: live firms by country and sector (recorded by the period's end, new
  in the period, party to a signed agreement);
- ``leads_by_source`` / ``_by_event`` / ``_by_stage`` / ``_by_partner``: leads
  recorded in the period. Events are counted as events: every spelling of a
  listed event counts for it (:mod:`integration.events`); a text on no list is
  counted under its own words and marked as not listed, never dropped;
- ``progress``: signed per period, cumulative from the project's start, and the
  even pace expected at each period's end.

Every total row covers the report's scope (one partner, or all partners), and
the scope is in the summary, so a partner's report never reads as the network's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from integration.config import AppConfig
from integration.events import event_table
from integration.kpi import expected_by
from integration.normalise.enums import enum_values
from integration.reports.facts import AgreementFacts, Facts, LeadFacts
from integration.reports.request import ReportRequest
from integration.vocabulary import fold


@dataclass(frozen=True)
class Column:
    """A column: its key (the header's message key) and what its values are:
    ``text``, ``int``, ``amount``, ``number``, ``date``, ``bool``, ``percent``, or a
    vocabulary the renderer puts in words (``partner``, ``sector``, ``stage``,
    ``source``, ``country``, ``currency``, ``event``, ``event_kind``, ``period``,
    ``item``); ``any``: each value's own type (the summary)."""

    key: str
    kind: str


@dataclass
class Table:
    key: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    #: rows that add up the table within the report's scope; their first cell is None
    totals: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class Report:
    request: ReportRequest
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def period_of(day: date, by: str) -> str:
    """``2025-03`` (month), ``2025-Q1`` (quarter) or ``2025`` (year)."""
    if by == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if by == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def _period_end(day: date, by: str) -> date:
    """The last day of the period ``day`` falls in."""
    if by == "year":
        return date(day.year, 12, 31)
    last_month = day.month if by == "month" else ((day.month - 1) // 3 + 1) * 3
    following = date(day.year + last_month // 12, last_month % 12 + 1, 1)
    return following - timedelta(days=1)


def periods(start: date, end: date, by: str) -> list[tuple[str, date]]:
    """Every period from ``start`` to ``end`` with its last day (cut at ``end``)."""
    out: list[tuple[str, date]] = []
    day = start
    while day <= end:
        last = _period_end(day, by)
        out.append((period_of(day, by), min(last, end)))
        day = last + timedelta(days=1)
    return out


def _money(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known), 2) if known else None


def _grouped(
    agreements: Sequence[AgreementFacts],
    key: Callable[[AgreementFacts], tuple[Any, ...]],
    order: Sequence[tuple[Any, ...]] | None = None,
) -> list[tuple[Any, ...]]:
    """Rows ``(*group, currency, signed, value)``, one per group and currency; with
    ``order``, every group listed there appears, in that order, even with none."""
    cells: dict[tuple[Any, ...], dict[str | None, list[AgreementFacts]]] = defaultdict(dict)
    for a in agreements:
        cells[key(a)].setdefault(a.currency, []).append(a)
    groups = list(order) if order is not None else sorted(cells, key=_sort_key)
    rows: list[tuple[Any, ...]] = []
    for group in groups:
        per_currency = cells.get(group)
        if not per_currency:
            rows.append((*group, None, 0, None))
            continue
        for currency in sorted(per_currency, key=lambda c: c or ""):
            items = per_currency[currency]
            rows.append((*group, currency, len(items), _money(a.value for a in items)))
    return rows


def _sort_key(group: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("" if g is None else str(g) for g in group)


def _totals(agreements: Sequence[AgreementFacts], width: int) -> list[tuple[Any, ...]]:
    """Per currency: ``(None, ..., currency, signed, value)`` over every agreement."""
    rows = _grouped(agreements, lambda a: ())
    return [(*([None] * width), *row) for row in rows] or [(*([None] * width), None, 0, None)]


def _agreement_columns(*group: Column) -> tuple[Column, ...]:
    return (
        *group,
        Column("currency", "currency"),
        Column("signed", "int"),
        Column("value", "amount"),
    )


def _count_table(key: str, column: Column, counts: Counter[Any], order: Sequence[Any]) -> Table:
    """A one-key count of leads, the listed keys first (zeros too), then any other."""
    extra = sorted((k for k in counts if k not in order), key=lambda k: "" if k is None else k)
    rows = [(k, counts.get(k, 0)) for k in [*order, *extra]]
    return Table(key, (column, Column("leads", "int")), rows, [(None, sum(counts.values()))])


def _origin_filter(
    request: ReportRequest, config: AppConfig
) -> Callable[[str | None, str | None], bool] | None:
    """Whether a lead of (source, event text) is one the request's source and event
    filters keep (an event's every spelling counts for it); None: no filter."""
    if request.source is None and request.event is None:
        return None
    table = event_table(config.events)

    def keeps(source: str | None, event: str | None) -> bool:
        if request.source is not None and source != request.source:
            return False
        if request.event is None:
            return True
        return isinstance(event, str) and table.get(fold(event)) == request.event

    return keeps


def filtered_facts(request: ReportRequest, config: AppConfig, facts: Facts) -> Facts:
    """The facts a filter by source or event keeps: the leads of that origin, and
    the agreements one of whose parties has it (the deals the event or channel led
    to)."""
    keeps = _origin_filter(request, config)
    if keeps is None:
        return facts
    return Facts(
        [a for a in facts.agreements if any(keeps(*o) for o in a.party_origins)],
        [lead for lead in facts.leads if keeps(lead.source, lead.event)],
    )


def build_report(request: ReportRequest, config: AppConfig, facts: Facts) -> Report:
    """The report for ``request`` from ``facts`` (already limited to its partner
    scope; the source and event filters are applied here)."""
    facts = filtered_facts(request, config, facts)
    start, end, by = request.start, request.end, request.by
    in_period = [a for a in facts.agreements if start <= a.signed_date <= end]
    partners = [request.partner] if request.partner else list(config.partners)
    tables = [
        _summary(request, config, facts, in_period),
        Table(
            "agreements_by_partner",
            _agreement_columns(Column("partner", "partner")),
            _grouped(in_period, lambda a: (a.partner,), [(p,) for p in partners]),
            _totals(in_period, 1),
        ),
        Table(
            "agreements_by_sector",
            _agreement_columns(Column("sector", "sector")),
            _grouped(in_period, lambda a: (a.sector,)),
            _totals(in_period, 1),
        ),
        Table(
            "agreements_by_period",
            _agreement_columns(Column("period", "period")),
            _grouped(
                in_period,
                lambda a: (period_of(a.signed_date, by),),
                [(name,) for name, _last in periods(start, end, by)],
            ),
            _totals(in_period, 1),
        ),
        Table(
            "agreements_by_country",
            _agreement_columns(
                Column("seller_country", "country"), Column("buyer_country", "country")
            ),
            _grouped(in_period, lambda a: (a.seller_country, a.buyer_country)),
            _totals(in_period, 2),
        ),
        _signed_list(in_period),
        _firms(facts.leads, start, end),
        *_lead_tables(request, config, facts.leads, partners),
        _progress(request, config, facts.agreements),
    ]
    return Report(request, tables)


def _summary(
    request: ReportRequest, config: AppConfig, facts: Facts, in_period: list[AgreementFacts]
) -> Table:
    target = config.project.agreement_target
    to_date = sum(1 for a in facts.agreements if a.signed_date <= request.end)
    rows: list[tuple[Any, ...]] = [
        ("scope", request.partner),
        ("period_from", request.start),
        ("period_to", request.end),
        ("target", target),
        ("signed_in_period", len(in_period)),
        ("signed_to_date", to_date),
        ("expected_by_end", expected_by(config, request.end)),
        ("progress", round(to_date / target, 4) if target else None),
        ("source", request.source),
        ("event", request.event),
    ]
    return Table("summary", (Column("item", "item"), Column("value", "any")), rows)


def _signed_list(in_period: list[AgreementFacts]) -> Table:
    columns = (
        Column("id", "text"),
        Column("signed_date", "date"),
        Column("partner", "partner"),
        Column("sector", "sector"),
        Column("subject", "text"),
        Column("seller", "text"),
        Column("seller_country", "country"),
        Column("buyer", "text"),
        Column("buyer_country", "country"),
        Column("value", "amount"),
        Column("currency", "currency"),
    )
    rows = [
        (
            a.id,
            a.signed_date,
            a.partner,
            a.sector,
            a.subject,
            a.seller,
            a.seller_country,
            a.buyer,
            a.buyer_country,
            a.value,
            a.currency,
        )
        for a in sorted(in_period, key=lambda a: (a.signed_date, a.id))
    ]
    return Table("signed_agreements", columns, rows)


def _firms(leads: list[LeadFacts], start: date, end: date) -> Table:
    known = [lead for lead in leads if lead.created <= end]
    cells: dict[tuple[Any, Any], list[int]] = defaultdict(lambda: [0, 0, 0])
    for lead in known:
        cell = cells[(lead.country, lead.sector)]
        cell[0] += 1
        cell[1] += start <= lead.created
        cell[2] += lead.in_signed
    rows = [(*key, *cell) for key, cell in sorted(cells.items(), key=lambda kv: _sort_key(kv[0]))]
    sums = [sum(cell[i] for cell in cells.values()) for i in range(3)]
    columns = (
        Column("country", "country"),
        Column("sector", "sector"),
        Column("firms", "int"),
        Column("new_in_period", "int"),
        Column("in_signed_agreements", "int"),
    )
    return Table("firms", columns, rows, [(None, None, *sums)])


def _lead_tables(
    request: ReportRequest, config: AppConfig, leads: list[LeadFacts], partners: list[str]
) -> list[Table]:
    recorded = [lead for lead in leads if request.start <= lead.created <= request.end]
    return [
        _count_table(
            "leads_by_source",
            Column("source", "source"),
            Counter(lead.source for lead in recorded),
            enum_values("lead", "source"),
        ),
        _events(config, recorded),
        _count_table(
            "leads_by_stage",
            Column("stage", "stage"),
            Counter(lead.stage for lead in recorded),
            enum_values("lead", "stage"),
        ),
        _count_table(
            "leads_by_partner",
            Column("partner", "partner"),
            Counter(lead.partner for lead in recorded),
            partners,
        ),
    ]


def _events(config: AppConfig, recorded: list[LeadFacts]) -> Table:
    """Leads per listed event (every spelling counted for its event, zeros shown),
    then each text on no list under its own words, then leads with no event."""
    table = event_table(config.events)
    listed: Counter[str] = Counter()
    unlisted: dict[str, tuple[str, int]] = {}
    blank = 0
    for lead in recorded:
        text = (lead.event or "").strip()
        if not text:
            blank += 1
            continue
        event_id = table.get(fold(text))
        if event_id is not None:
            listed[event_id] += 1
            continue
        first, count = unlisted.get(fold(text), (text, 0))
        unlisted[fold(text)] = (first, count + 1)
    rows: list[tuple[Any, ...]] = [
        (e.id, e.date, e.kind, True, listed.get(e.id, 0))
        for e in sorted(config.events, key=lambda e: (e.date, e.id))
    ]
    rows += [(text, None, None, False, n) for text, n in sorted(unlisted.values())]
    if blank:
        rows.append((None, None, None, None, blank))
    columns = (
        Column("event", "event"),
        Column("event_date", "date"),
        Column("event_kind", "event_kind"),
        Column("on_event_list", "bool"),
        Column("leads", "int"),
    )
    return Table("leads_by_event", columns, rows, [(None, None, None, None, len(recorded))])


def _progress(request: ReportRequest, config: AppConfig, signed: list[AgreementFacts]) -> Table:
    before = sum(1 for a in signed if a.signed_date < request.start)
    per_period = Counter(
        period_of(a.signed_date, request.by)
        for a in signed
        if request.start <= a.signed_date <= request.end
    )
    rows: list[tuple[Any, ...]] = []
    cumulative = before
    for name, last in periods(request.start, request.end, request.by):
        cumulative += per_period.get(name, 0)
        rows.append((name, per_period.get(name, 0), cumulative, expected_by(config, last)))
    columns = (
        Column("period", "period"),
        Column("signed", "int"),
        Column("cumulative", "int"),
        Column("expected", "number"),
    )
    return Table("progress", columns, rows)
