"""A record's page, shared by leads and agreements: its related records, in scope."""

from __future__ import annotations

import re

import pytest
from seeding import Seeded, seed
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
