"""One search, two interfaces: the API's list endpoints and the dashboard's tables
find a record by every searched column (integration.store.queries), on both engines."""

from __future__ import annotations

import re
from typing import Any

import pytest

BASE = "https://localhost"


def _dashboard_ids(web: Any, path: str, q: str) -> set[str]:
    html = web.get(path, query_string={"q": q, "per_page": 100}, base_url=BASE).text
    return set(re.findall(r'<tr data-id="([LA]-\d{6})"', html))


def _api_ids(client: Any, headers: dict[str, str], path: str, q: str) -> set[str]:
    answer = client.get(path, query_string={"q": q, "limit": 200}, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return {item["id"] for item in answer.get_json()["items"]}


@pytest.fixture
def signed_in(app, tokens):  # type: ignore[no-untyped-def]
    """A dashboard session of the admin token."""
    web = app.test_client()
    page = web.get("/dashboard/signin", base_url=BASE).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    secret = tokens.admin["Authorization"].split(" ", 1)[1]
    web.post("/dashboard/signin", data={"token": secret, "csrf_token": csrf[1]}, base_url=BASE)
    return web


def test_leads_are_found_by_every_searched_column_on_both(
    client, tokens, make_lead, signed_in
) -> None:
    by_name = make_lead("lv", company_name="Kalnu Dzirnavas")
    by_key = make_lead("lv", company_name="SIA Ābeļu Dārzs")
    by_code = make_lead("lv", registration_code="40003521600")
    by_email = make_lead("lv", email="zinas@vienreizeja-adrese.example.com")
    by_contact = make_lead("lv", contact_name="Jānis Bērziņš")
    searches = {
        by_name["id"]: by_name["id"],
        "nu dzirn": by_name["id"],
        "abeludarz": by_key["id"],  # only the folded company key has it so
        "3521600": by_code["id"],
        "vienreizeja-adrese": by_email["id"],
        "Bērziņ": by_contact["id"],
    }
    for q, expected in searches.items():
        assert _api_ids(client, tokens.admin, "/api/v1/leads", q) == {expected}, q
        assert _dashboard_ids(signed_in, "/dashboard/leads", q) == {expected}, q


def test_agreements_are_found_by_every_searched_column_on_both(
    client, tokens, make_lead, signed_in
) -> None:
    seller = make_lead("lv", company_name="Saules Paneļi Unikāli")
    buyer = make_lead("ee", company_name="Päikese Ostja OÜ")
    others = [make_lead(p, company_name=f"Cits Uzņēmums {p}")["id"] for p in ("lv", "fi")]
    bodies = [
        {"seller_id": seller["id"], "buyer_id": buyer["id"], "subject": "Jumta tenderis"},
        {"seller_id": others[0], "buyer_id": others[1], "subject": "Cits"},
    ]
    made = []
    for body in bodies:
        answer = client.post(
            "/api/v1/agreements",
            json={**body, "reporting_partner": "lv", "status": "draft"},
            headers=tokens.admin,
        )
        assert answer.status_code == 201, answer.get_json()
        made.append(answer.get_json()["id"])
    wanted = made[0]
    for q in (wanted, "jumta tend", seller["id"], buyer["id"], "Paneļi Unik", "Päikese Ostja"):
        assert _api_ids(client, tokens.admin, "/api/v1/agreements", q) == {wanted}, q
        assert _dashboard_ids(signed_in, "/dashboard/agreements", q) == {wanted}, q


def test_like_wildcards_are_literal_on_both(client, tokens, make_lead, signed_in) -> None:
    make_lead("lv", company_name="Firma Bez Procentiem")
    for q in ("%", "_", "\\"):
        assert _api_ids(client, tokens.admin, "/api/v1/leads", q) == set(), q
        assert _dashboard_ids(signed_in, "/dashboard/leads", q) == set(), q


def test_a_nul_character_in_a_search_is_not_a_server_error(
    client, tokens, make_lead, signed_in
) -> None:
    lead = make_lead("lv", company_name="Nulles Firma")
    for path in ("/dashboard/leads", "/dashboard/agreements", "/dashboard/leads.csv"):
        answer = signed_in.get(path, query_string={"q": "Nulles\x00Firma"}, base_url=BASE)
        assert answer.status_code == 200, path
    assert _dashboard_ids(signed_in, "/dashboard/leads", "Nulles\x00Firma") == {lead["id"]}
    answer = client.get("/api/v1/leads", query_string={"q": "a\x00b"}, headers=tokens.admin)
    assert answer.status_code == 400 and answer.get_json()["errors"][0]["field"] == "q"
