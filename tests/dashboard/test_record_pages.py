"""A record's page, shared by leads and agreements: its related records, in scope."""

from __future__ import annotations

import re

import pytest
from seeding import Seeded, seed
from sqlalchemy import select
from test_dashboard_http import BASE, sign_in

from integration.store.models import Agreement, Lead


@pytest.fixture
def seeded(store) -> Seeded:  # type: ignore[no-untyped-def]
    return seed(store, leads_per_partner=10)


def test_lead_page_lists_its_agreements_and_agreement_page_names_its_parties(
    app, store, seeded
) -> None:  # type: ignore[no-untyped-def]
    web = app.test_client()
    sign_in(web, seeded.tokens["lv"])
    with store.session() as s:
        reported = {a: s.get(Agreement, a).reporting_partner for a in seeded.agreements}
        agreement_id = next(a for a, partner in reported.items() if partner == "lv")
        agreement = s.get(Agreement, agreement_id)
        seller = s.get(Lead, agreement.seller_id)
        buyer = s.get(Lead, agreement.buyer_id)
        assert seller is not None and buyer is not None
        names = (seller.company_name, buyer.company_name)
    lead_page = web.get(f"/dashboard/leads/{seller.id}", base_url=BASE).text
    assert f"/dashboard/agreements/{agreement_id}" in lead_page
    agreement_page = web.get(f"/dashboard/agreements/{agreement_id}", base_url=BASE).text
    for name in names:
        assert re.search(rf"· {re.escape(name)}", agreement_page), name
    # Another partner's agreement has no page for this reader.
    foreign = next(a for a, partner in reported.items() if partner != "lv")
    assert web.get(f"/dashboard/agreements/{foreign}", base_url=BASE).status_code == 404


def test_an_agreement_names_only_the_parties_the_reader_may_see(app, store, seeded) -> None:  # type: ignore[no-untyped-def]
    """An EE-reported agreement with an LV seller and an EE buyer: LV reads the
    agreement (its seller is LV's), but the EE buyer's name stays EE's."""
    with store.session() as s:
        lv_lead = s.scalars(select(Lead).where(Lead.partner == "lv")).first()
        ee_lead = s.scalars(select(Lead).where(Lead.partner == "ee")).first()
        assert lv_lead is not None and ee_lead is not None
        names = (lv_lead.company_name, ee_lead.company_name)
        data = {
            "seller_id": lv_lead.id,
            "buyer_id": ee_lead.id,
            "sector": "ict",
            "subject": "Shared deal",
            "status": "negotiating",
            "reporting_partner": "ee",
        }
        s.add(
            Agreement(
                id="A-009999",
                reporting_partner="ee",
                seller_id=lv_lead.id,
                buyer_id=ee_lead.id,
                status="negotiating",
                sector="ict",
                data=data,
            )
        )
        s.commit()
    web = app.test_client()
    sign_in(web, seeded.tokens["lv"])
    page = web.get("/dashboard/agreements/A-009999", base_url=BASE)
    assert page.status_code == 200
    assert re.search(rf"· {re.escape(names[0])}", page.text)
    assert names[1] not in page.text and ee_lead.id in page.text
    export = web.get("/dashboard/agreements.csv", base_url=BASE).text
    row = next(line for line in export.splitlines() if "A-009999" in line)
    assert names[0] in row and names[1] not in row
