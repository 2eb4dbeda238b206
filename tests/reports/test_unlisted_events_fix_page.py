"""The dashboard's Fix page lists the leads whose Event names no event of the
project's list (over the app on both stores, with the hand-made network of
:mod:`report_fixture`): in the viewer's language, each partner its own only."""

from __future__ import annotations

import re

import pytest
from report_fixture import plant
from test_report_page import BASE, signed_in

from integration.store import records
from integration.store.models import Lead


@pytest.fixture
def network(store):  # type: ignore[no-untyped-def]
    return plant(store)


def unlisted(web) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    """The Fix page's unlisted-event section (in the token's partner's language)."""
    page = web.get("/dashboard/fix", base_url=BASE)
    assert page.status_code == 200
    section = page.text.split("data-unlisted-events")[1].split("</section>")[0]
    return section, re.findall(r'data-unlisted-event="(L-\d{6})"', section)


def test_a_lead_with_an_unlisted_event_is_shown_to_its_partner_and_admins(  # type: ignore[no-untyped-def]
    app, store, network
) -> None:
    l3 = network.ids["L3"]  # "Rīgas brokastis": on no list; every other event is listed
    section, ids = unlisted(signed_in(app, network.tokens["lv"]))
    assert ids == [l3]
    assert "&#39;Rīgas brokastis&#39; nav projekta pasākumu sarakstā" in section
    assert "Pasākumi, kas nav pasākumu sarakstā" in section
    section, ids = unlisted(signed_in(app, network.tokens["admin"]))
    assert ids == [l3] and "is not on the project&#39;s event list" in section
    section, ids = unlisted(signed_in(app, network.tokens["ee"]))
    assert ids == [] and "Rīgas" not in section  # another partner's lead is not shown
    # fixed (a listed event's name): gone from the page
    with store.session() as s:
        records.update_record(s, s.get(Lead, l3), {"event": "LEF tīklošanās 2025"}, source="api")
    assert unlisted(signed_in(app, network.tokens["lv"]))[1] == []
