"""Leads and agreements: searchable, filterable, sortable tables with paging,
a page per record with its audit history, and CSV export of any table view."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, render_template, request
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased

from integration.auth import is_admin, scope_agreements, scope_leads
from integration.dashboard import bp, duplicate_card
from integration.dashboard.access import current_token, login_required
from integration.dashboard.scope import partner_scope
from integration.dashboard.tables import (
    FilterSpec,
    TableSpec,
    TableState,
    apply_sort,
    paginate,
    parse_state,
)
from integration.dashboard.ui_text import country_label, label, value_label
from integration.dashboard.web import csv_response, services, ui_locale
from integration.kinds import STORE_FIELDS, record_kind
from integration.store import queries
from integration.store.models import Agreement, AuditEntry, Lead
from integration.store.records import to_dict
from integration.vocabulary import field_label
from schemas import load_schema

SECTORS = ("ict", "green_tech", "education", "interior_design", "other")
STAGES = ("new", "contacted", "qualified", "meeting", "negotiation", "won", "lost")
ROLES = ("seller", "buyer", "both")
SOURCES = ("b2b_forum", "trade_mission", "web_form", "referral", "other")
STATUSES = ("draft", "negotiating", "signed", "cancelled")
#: Export stops here; a bigger table is exported in filtered parts.
MAX_EXPORT_ROWS = 50_000

Seller = aliased(Lead, name="seller")
Buyer = aliased(Lead, name="buyer")


def _partner_options() -> list[tuple[str, str]]:
    config = services().config
    return [(code, p.name) for code, p in config.partners.items()]


def _country_options(db: Session, column: Any, locale: str) -> list[tuple[str, str]]:
    codes = sorted({c for c in db.scalars(select(column).distinct()) if c})
    return [(c, country_label(c, locale)) for c in codes]


def _choice(kind: str, name: str, values: Sequence[str], locale: str) -> FilterSpec:
    """A select filter over a field's enum values, labelled in ``locale``."""
    options = [(v, value_label(name, v, locale)) for v in values]
    return FilterSpec(name, "select", field_label(kind, name, locale), options)


def _framed(filters: list[FilterSpec], locale: str, admin: bool) -> list[FilterSpec]:
    """Every table's filters: the partner first (admins only), "include archived" last."""
    archived = FilterSpec("archived", "flag", label("include_archived", locale))
    if not admin:
        return [*filters, archived]
    partner = FilterSpec("partner", "select", label("partner", locale), _partner_options())
    return [partner, *filters, archived]


def lead_spec(db: Session, locale: str, admin: bool) -> TableSpec:
    filters = [
        _choice("lead", "sector", SECTORS, locale),
        _choice("lead", "stage", STAGES, locale),
        FilterSpec(
            "country",
            "select",
            field_label("lead", "country", locale),
            _country_options(db, Lead.country, locale),
        ),
        _choice("lead", "role", ROLES, locale),
        _choice("lead", "source", SOURCES, locale),
        FilterSpec(
            "event",
            "select",
            field_label("lead", "event", locale),
            [
                (e.id, e.name(locale))
                for e in sorted(services().config.events, key=lambda e: e.date)
            ],
        ),
    ]
    return TableSpec(
        name="leads",
        filters=_framed(filters, locale, admin),
        sorts={
            "id": Lead.id,
            "company": Lead.company_name,
            "country": Lead.country,
            "sector": Lead.sector,
            "stage": Lead.stage,
            "partner": Lead.partner,
            "updated": Lead.updated_at,
        },
        default_sort="updated",
        default_desc=True,
        tie_breaker=Lead.id,
    )


def _wanted(state: TableState) -> queries.RecordFilter:
    """The table's validated state as the store's filter (dates are checked ISO)."""
    f = state.filters

    def day(name: str) -> date | None:
        return date.fromisoformat(f[name]) if f.get(name) else None

    return queries.RecordFilter(
        q=state.q or None,
        partner=f.get("partner"),
        sector=f.get("sector"),
        include_archived=bool(f.get("archived")),
        country=f.get("country"),
        stage=f.get("stage"),
        role=f.get("role"),
        source=f.get("source"),
        status=f.get("status"),
        buyer_country=f.get("buyer_country"),
        signed_from=day("signed_from"),
        signed_to=day("signed_to"),
    )


def lead_query(state: TableState, db: Session) -> Select[Any]:
    token = current_token()
    assert token is not None
    scoped = scope_leads(select(Lead), token)
    wanted = _wanted(state)
    event = state.filters.get("event")
    if event:  # every spelling of the event, among the leads this token sees
        texts = queries.event_texts(db, scoped, event, services().config.events)
        wanted = dataclasses.replace(wanted, event_texts=texts)
    return queries.filtered("lead", scoped, wanted)


def agreement_spec(db: Session, locale: str, admin: bool) -> TableSpec:
    filters = [
        _choice("agreement", "status", STATUSES, locale),
        _choice("agreement", "sector", SECTORS, locale),
        FilterSpec(
            "buyer_country",
            "select",
            label("by_buyer_country", locale),
            _country_options(db, Lead.country, locale),
        ),
        FilterSpec("signed_from", "date", label("signed_from", locale)),
        FilterSpec("signed_to", "date", label("signed_to", locale)),
    ]
    return TableSpec(
        name="agreements",
        filters=_framed(filters, locale, admin),
        sorts={
            "id": Agreement.id,
            "seller": Seller.company_name,
            "buyer": Buyer.company_name,
            "status": Agreement.status,
            "sector": Agreement.sector,
            "signed": Agreement.signed_date,
            "value": Agreement.value,
            "partner": Agreement.reporting_partner,
            "updated": Agreement.updated_at,
        },
        default_sort="updated",
        default_desc=True,
        tie_breaker=Agreement.id,
    )


def agreement_query(state: TableState, db: Session) -> Select[Any]:
    token = current_token()
    assert token is not None
    query = scope_agreements(
        select(Agreement, Seller.company_name, Buyer.company_name, Buyer.country)
        # a party another partner holds is named by its id only, as in the API
        .outerjoin(Seller, (Seller.id == Agreement.seller_id) & partner_scope(Seller.partner))
        .outerjoin(Buyer, (Buyer.id == Agreement.buyer_id) & partner_scope(Buyer.partner)),
        token,
    )
    return queries.filtered("agreement", query, _wanted(state))


#: Export columns: every schema field, in the schema's order (the schemas are the
#: single source of truth for fields, so a new field is exported without a change here).
LEAD_EXPORT_FIELDS = tuple(load_schema("lead")["properties"])
AGREEMENT_EXPORT_FIELDS = tuple(load_schema("agreement")["properties"])


def _record_values(record: Lead | Agreement, fields: Sequence[str]) -> list[Any]:
    data = to_dict(record)
    return [data.get(f) for f in fields]


@dataclass(frozen=True)
class RecordTable:
    """What differs between the lead and the agreement table: everything else (the
    page, the CSV export, searching, filtering, sorting, paging) is :func:`_table`."""

    name: str
    spec: Callable[[Session, str, bool], TableSpec]
    query: Callable[[TableState, Session], Select[Any]]
    export_header: Sequence[str]
    export_row: Callable[[Any], list[Any]]


def _lead_row(row: Any) -> list[Any]:
    (lead,) = row
    return _record_values(lead, LEAD_EXPORT_FIELDS)


def _agreement_row(row: Any) -> list[Any]:
    agreement, seller, buyer, country = row
    return [*_record_values(agreement, AGREEMENT_EXPORT_FIELDS), seller, buyer, country]


LEAD_TABLE = RecordTable("leads", lead_spec, lead_query, LEAD_EXPORT_FIELDS, _lead_row)
AGREEMENT_TABLE = RecordTable(
    "agreements",
    agreement_spec,
    agreement_query,
    (*AGREEMENT_EXPORT_FIELDS, "seller_name", "buyer_name", "buyer_country"),
    _agreement_row,
)


def _table(table: RecordTable, *, export: bool) -> Any:
    token = current_token()
    assert token is not None
    locale = ui_locale()
    with services().store.session() as db:
        spec = table.spec(db, locale, is_admin(token))
        state = parse_state(request.args, spec)
        query = apply_sort(table.query(state, db), spec, state)
        if export:
            rows = [table.export_row(row) for row in db.execute(query.limit(MAX_EXPORT_ROWS))]
            return csv_response(table.name, list(table.export_header), rows)
        page = paginate(db, query, state)
    return render_template(
        f"dashboard/{table.name}.html", spec=spec, state=state, page=page, active=table.name
    )


def _history(db: Session, record_id: str) -> list[AuditEntry]:
    return list(
        db.scalars(
            select(AuditEntry)
            .where(AuditEntry.record_id == record_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(200)
        )
    )


def _lead_context(db: Session, lead: Lead, token: Any) -> dict[str, Any]:
    """A lead's page also lists the agreements it is a party to (that the reader sees)."""
    related = db.scalars(
        scope_agreements(
            select(Agreement).where(
                or_(Agreement.seller_id == lead.id, Agreement.buyer_id == lead.id)
            ),
            token,
        ).order_by(Agreement.id)
    )
    return {"related": list(related)}


def _agreement_context(db: Session, agreement: Agreement, token: Any) -> dict[str, Any]:
    """An agreement's page names its parties."""
    # only the parties the reader may see: another partner's lead is its id alone
    parties = db.scalars(
        select(Lead).where(
            Lead.id.in_([agreement.seller_id, agreement.buyer_id]), partner_scope(Lead.partner)
        )
    )
    return {"parties": {lead.id: lead for lead in parties}, "related": []}


@dataclass(frozen=True)
class RecordPage:
    """What differs between a lead's and an agreement's page."""

    model: Any
    scope: Callable[[Select[Any], Any], Select[Any]]
    fields: Sequence[str]
    context: Callable[[Session, Any, Any], dict[str, Any]]


_PAGES = {
    "lead": RecordPage(Lead, scope_leads, LEAD_EXPORT_FIELDS, _lead_context),
    "agreement": RecordPage(
        Agreement, scope_agreements, AGREEMENT_EXPORT_FIELDS, _agreement_context
    ),
}


def _record_page(kind: str, record_id: str) -> Any:
    """One record with its fields, audit history and related records; 404 when the
    reader may not see it."""
    page = _PAGES[kind]
    token = current_token()
    assert token is not None
    with services().store.session() as db:
        query = page.scope(select(page.model).where(page.model.id == record_id), token)
        record = db.scalars(query).first()
        if record is None and record_kind(kind).is_firm:  # another partner's firm ours duplicates
            return duplicate_card.card_page_or_404(db, record_id)
        if record is None:
            abort(404)
        extra = page.context(db, record, token)
        history = _history(db, record.id)
    return render_template(
        "dashboard/record.html",
        kind=kind,
        record=record,
        fields=[f for f in page.fields if f not in STORE_FIELDS],
        history=history,
        active=f"{kind}s",
        **extra,
    )


def _register(kind: str, table: RecordTable) -> None:
    """A kind's three pages, the same for leads and agreements: its table, the
    table as CSV and one record's page, under the endpoint names the templates
    link to (``dashboard.leads``, ``dashboard.leads_csv``, ``dashboard.lead_page``)."""

    def table_page() -> Any:
        return _table(table, export=False)

    def table_csv() -> Any:
        return _table(table, export=True)

    def record_page(record_id: str) -> Any:
        return _record_page(kind, record_id)

    plural = table.name
    bp.add_url_rule(f"/{plural}", plural, login_required(table_page))
    bp.add_url_rule(f"/{plural}.csv", f"{plural}_csv", login_required(table_csv))
    bp.add_url_rule(f"/{plural}/<record_id>", f"{kind}_page", login_required(record_page))


_register("lead", LEAD_TABLE)
_register("agreement", AGREEMENT_TABLE)
