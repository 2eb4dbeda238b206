"""What a report is made of, read from the store in one place: the signed
agreements (with both parties' names and countries) and the live leads of the
scope. Plain values, so :mod:`.definition` is a pure function of them.

The same rule as the KPI (:func:`integration.kpi.signed_agreements`) decides what
counts as signed: status ``signed``, not archived, signed inside the project
window. Leads are the live ones (not archived, not erased).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.config import AppConfig
from integration.kpi import signed_agreements
from integration.store.models import Agreement, Lead


@dataclass(frozen=True)
class AgreementFacts:
    id: str
    partner: str
    sector: str | None
    subject: str | None
    value: float | None
    currency: str | None
    signed_date: date
    seller: str | None
    seller_country: str | None
    buyer: str | None
    buyer_country: str | None
    #: (source, event text) of each party lead found: what a filter by source or
    #: event asks of an agreement (one of its parties came that way)
    party_origins: tuple[tuple[str | None, str | None], ...] = ()


@dataclass(frozen=True)
class LeadFacts:
    id: str
    partner: str
    country: str | None
    sector: str | None
    stage: str | None
    source: str | None
    event: str | None
    created: date
    #: a party to a signed agreement (any partner's) signed by the report's end
    in_signed: bool


@dataclass(frozen=True)
class Facts:
    agreements: list[AgreementFacts]
    leads: list[LeadFacts]


def read_facts(session: Session, config: AppConfig, *, partner: str | None, until: date) -> Facts:
    """The signed agreements (of ``partner``, or all) signed by ``until`` and the
    live leads of the scope; the report picks its period from these."""
    rows = [
        a
        for a, _country in signed_agreements(session, config, partner=partner)
        if a.signed_date is not None and a.signed_date <= until
    ]
    party_ids = {pid for a in rows for pid in (a.seller_id, a.buyer_id) if pid}
    everyone_signed = {
        pid
        for a, _c in signed_agreements(session, config)
        if a.signed_date is not None and a.signed_date <= until
        for pid in (a.seller_id, a.buyer_id)
        if pid
    }
    parties: dict[str, Lead] = {}
    if party_ids:
        parties = {
            lead.id: lead for lead in session.scalars(select(Lead).where(Lead.id.in_(party_ids)))
        }
    agreements = [_agreement(a, parties) for a in rows]
    query = select(Lead).where(Lead.archived_at.is_(None), Lead.erased_at.is_(None))
    if partner:
        query = query.where(Lead.partner == partner)
    leads = [
        LeadFacts(
            id=lead.id,
            partner=lead.partner,
            country=lead.country,
            sector=lead.sector,
            stage=lead.stage or "new",
            source=(lead.data or {}).get("source"),
            event=(lead.data or {}).get("event"),
            created=lead.created_at.date(),
            in_signed=lead.id in everyone_signed,
        )
        for lead in session.scalars(query.order_by(Lead.id))
    ]
    return Facts(agreements, leads)


def _agreement(a: Agreement, parties: dict[str, Lead]) -> AgreementFacts:
    seller = parties.get(a.seller_id or "")
    buyer = parties.get(a.buyer_id or "")
    assert a.signed_date is not None
    return AgreementFacts(
        id=a.id,
        partner=a.reporting_partner,
        sector=a.sector,
        subject=(a.data or {}).get("subject"),
        value=a.value,
        currency=a.currency,
        signed_date=a.signed_date,
        seller=_name(seller),
        seller_country=seller.country if seller else None,
        buyer=_name(buyer),
        buyer_country=buyer.country if buyer else None,
        party_origins=tuple(
            ((lead.data or {}).get("source"), (lead.data or {}).get("event"))
            for lead in (seller, buyer)
            if lead is not None
        ),
    )


def _name(lead: Lead | None) -> str | None:
    """A party's company name; an erased party is named by nothing."""
    if lead is None or lead.erased_at is not None:
        return None
    return lead.company_name
