"""Listing leads and agreements: one place that searches, filters, sorts and pages.

The JSON API's list endpoints and the dashboard's tables both describe what the
reader asked for as a :class:`RecordFilter` and turn it into SQL here, so a
search finds the same records on both, and LIKE wildcards are escaped once.

Free-text search (``q``) looks, case-insensitively, for the text anywhere in:

- a lead's CRM ID, company name, company key (the folded name duplicates are
  found by), registration code, e-mail address and contact name;
- an agreement's CRM ID, subject, seller and buyer ids, and the company names of
  its seller and buyer.

The text is matched as typed and lower-cased: SQLite folds case for ASCII only,
so a lower-case copy finds folded columns (the company key) and non-ASCII text.

Access scope (which partner's records a caller may see) is applied by the caller
before the query reaches here; nothing in this module widens it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from integration.events import texts_for_event, unlisted_texts
from integration.kinds import Kind, record_kind
from integration.store.models import Agreement, Lead

#: The store's model of each kind.
MODELS: dict[str, type[Lead] | type[Agreement]] = {Kind.LEAD: Lead, Kind.AGREEMENT: Agreement}


def owner_column(kind: str) -> Any:
    """The indexed column of ``kind``'s model naming the partner that owns a
    record (``Lead.partner``, ``Agreement.reporting_partner``)."""
    return getattr(MODELS[kind], record_kind(kind).owner_field)


def get_record(session: Session, kind: str, record_id: str) -> Lead | Agreement | None:
    """The lead or agreement ``record_id`` (``kind``: ``lead`` or ``agreement``)."""
    found = session.get(MODELS[kind], record_id)
    assert found is None or isinstance(found, Lead | Agreement)
    return found


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE wildcards in ``text`` escaped (escape char ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(columns: list[Any], text: str) -> ColumnElement[bool]:
    patterns = dict.fromkeys((like_pattern(text), like_pattern(text.lower())))
    return or_(*(column.ilike(p, escape="\\") for column in columns for p in patterns))


def lead_search(text: str) -> ColumnElement[bool]:
    """Leads whose searched columns contain ``text`` (see the module docstring)."""
    return _contains(
        [
            Lead.id,
            Lead.company_name,
            Lead.company_key,
            Lead.registration_code,
            Lead.email,
            Lead.data["contact_name"].as_string(),
        ],
        text,
    )


def agreement_search(text: str) -> ColumnElement[bool]:
    """Agreements whose searched columns, or whose parties' names, contain ``text``."""
    parties = select(Lead.id).where(_contains([Lead.company_name], text))
    return or_(
        _contains(
            [
                Agreement.id,
                Agreement.data["subject"].as_string(),
                Agreement.seller_id,
                Agreement.buyer_id,
            ],
            text,
        ),
        Agreement.seller_id.in_(parties),
        Agreement.buyer_id.in_(parties),
    )


@dataclass(frozen=True)
class RecordFilter:
    """What a reader asked to see, already checked by the interface that read it.
    ``None`` means "not filtered"; fields that do not apply to a kind are ignored."""

    q: str | None = None
    partner: str | None = None
    sector: str | None = None
    include_archived: bool = False
    updated_since: datetime | None = None
    # leads
    country: str | None = None
    stage: str | None = None
    role: str | None = None
    source: str | None = None
    #: the stored event texts that name the event asked for (None: not filtered)
    event_texts: tuple[str, ...] | None = None
    # agreements
    status: str | None = None
    buyer_country: str | None = None
    signed_from: date | None = None
    signed_to: date | None = None


#: Filters that keep the records whose column equals the value asked for, per kind.
_EQUALS: dict[str, dict[str, Any]] = {
    "lead": {
        "partner": Lead.partner,
        "sector": Lead.sector,
        "country": Lead.country,
        "stage": Lead.stage,
        "role": Lead.data["role"].as_string(),
        "source": Lead.data["source"].as_string(),
    },
    "agreement": {
        "partner": Agreement.reporting_partner,
        "sector": Agreement.sector,
        "status": Agreement.status,
    },
}
_SEARCH = {"lead": lead_search, "agreement": agreement_search}


def _lead_conditions(wanted: RecordFilter) -> list[Any]:
    if wanted.event_texts is None:
        return []
    return [Lead.data["event"].as_string().in_(wanted.event_texts)]


def _agreement_conditions(wanted: RecordFilter) -> list[Any]:
    conditions: list[Any] = []
    if wanted.buyer_country:
        buyers = select(Lead.id).where(Lead.country == wanted.buyer_country)
        conditions.append(Agreement.buyer_id.in_(buyers))
    if wanted.signed_from:
        conditions.append(Agreement.signed_date >= wanted.signed_from)
    if wanted.signed_to:
        conditions.append(Agreement.signed_date <= wanted.signed_to)
    return conditions


#: The filters that only one kind has (a lead's event, an agreement's buyer
#: country and signing dates).
_OWN_CONDITIONS = {"lead": _lead_conditions, "agreement": _agreement_conditions}


def filtered(kind: str, query: Select[Any] | Any, wanted: RecordFilter) -> Select[Any]:
    """``query`` (over leads or agreements, already scoped) narrowed to ``wanted``."""
    model = MODELS[kind]
    conditions: list[Any] = [
        column == getattr(wanted, name)
        for name, column in _EQUALS[kind].items()
        if getattr(wanted, name)
    ]
    if wanted.q:
        conditions.append(_SEARCH[kind](wanted.q))
    if wanted.updated_since:
        conditions.append(model.updated_at >= wanted.updated_since)
    if not wanted.include_archived:
        conditions.append(model.archived_at.is_(None))
    conditions += _OWN_CONDITIONS[kind](wanted)
    return query.where(*conditions) if conditions else query


# ---------------------------------------------------------------- sorting and paging


def event_texts(
    session: Session, query: Select[Any], event_id: str, events: Any
) -> tuple[str, ...]:
    """The distinct event texts among the leads of ``query`` that name ``event_id``
    (matched like every vocabulary word: :func:`integration.events.texts_for_event`)."""
    column = Lead.data["event"].as_string()
    texts = session.scalars(query.with_only_columns(column).distinct().order_by(None))
    return tuple(texts_for_event(event_id, texts, events))


def unlisted_event_leads(
    session: Session, query: Select[Any], events: Any, limit: int = 500
) -> list[Lead]:
    """The live leads of ``query`` whose Event names no event of the list
    (:func:`integration.events.unlisted_texts`), oldest id first; none when there
    is no list to match against."""
    if not events:
        return []
    column = Lead.data["event"].as_string()
    live = query.where(Lead.archived_at.is_(None), Lead.erased_at.is_(None))
    texts = session.scalars(live.with_only_columns(column).distinct().order_by(None))
    unlisted = unlisted_texts(texts, events)
    if not unlisted:
        return []
    return list(session.scalars(live.where(column.in_(unlisted)).order_by(Lead.id).limit(limit)))


def sorted_by(
    query: Select[Any], column: Any, *, desc: bool, tie_breaker: Any = None
) -> Select[Any]:
    """``query`` ordered by ``column``, NULLs last either way (the same on SQLite and
    PostgreSQL), then by ``tie_breaker`` in the same direction so pages are stable."""
    order = column.desc() if desc else column.asc()
    query = query.order_by(column.is_(None), order)
    if tie_breaker is not None:
        query = query.order_by(tie_breaker.desc() if desc else tie_breaker)
    return query


def after_id(kind: str, query: Select[Any], after: str | None, limit: int) -> Select[Any]:
    """Keyset paging by CRM ID: up to ``limit + 1`` records after ``after`` (the extra
    one tells the caller whether another page follows)."""
    model = MODELS[kind]
    if after is not None:
        query = query.where(model.id > after)
    return query.order_by(model.id).limit(limit + 1)


@dataclass
class Page:
    """One page of rows plus what a pager needs."""

    rows: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)


def numbered_page(session: Session, query: Select[Any], page: int, per_page: int) -> Page:
    """Count and fetch page ``page`` (from 1); a page past the end shows the last page."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    total = int(total or 0)
    page = min(page, max(1, math.ceil(total / per_page)))
    rows = list(session.execute(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(rows=rows, total=total, page=page, per_page=per_page)
