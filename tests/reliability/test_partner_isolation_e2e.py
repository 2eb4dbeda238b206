"""Partner isolation end to end, over real HTTP: one test per way a partner
could reach another partner's data (issue 11, findings 1-4). Each drives the
app behind a real threaded server with the partners' own tokens and webhook
secrets, as a careless or hostile partner would, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import requests
from signed_forms import post_signed_form
from sqlalchemy import select

from integration.issues import render
from integration.store.models import (
    Agreement,
    Lead,
    QuarantineEntry,
    SyncRequest,
    WebhookDelivery,
)


def form(http: requests.Session, live: str, config: Any, partner: str, payload: Any) -> Any:
    secret = config.environ[f"{partner.upper()}_WEBHOOK_SECRET"]
    return post_signed_form(
        http.post, f"{live}/webhooks/forms/{partner}", secret, payload, timeout=10
    )


def lead(http: requests.Session, live: str, headers: dict[str, str], **fields: Any) -> str:
    resp = http.post(f"{live}/api/v1/leads", json={"sector": "ict", **fields}, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def test_a_partners_form_never_writes_into_another_partners_lead(
    live, http, config, store, auth
) -> None:
    """Finding 1: an LV-signed form carrying the e-mail of an EE lead is kept for
    LV as a duplicate linked to EE's lead; EE's lead and sheet are untouched."""
    ee_id = lead(
        http, live, auth["ee"], company_name="OÜ Meri", country="EE", email="sales@meri.ee"
    )
    with store.session() as s:
        ee_version = s.get(Lead, ee_id).version
    sent = form(
        http,
        live,
        config,
        "lv",
        {
            "company_name": "OÜ Meri",
            "country": "EE",
            "sector": "ict",
            "email": "sales@meri.ee",
            "notes": "LV's own notes",
            "phone": "+37255512345",
        },
    )
    assert sent.status_code == 202, sent.text
    body = sent.json()
    assert body["status"] == "duplicate" and body["duplicate_of"] == ee_id
    assert body["message"] == f"Duplicate of {ee_id} (EE)"
    assert "id" not in body  # no record of LV's was made or changed
    with store.session() as s:
        ee_lead = s.get(Lead, ee_id)
        assert ee_lead.version == ee_version
        assert "notes" not in ee_lead.data and "phone" not in ee_lead.data
        kept = s.scalars(select(QuarantineEntry)).one()
        assert kept.partner == "lv" and kept.duplicate_of == ee_id
        assert kept.raw["notes"] == "LV's own notes"  # nothing the partner sent is lost
        assert render(kept.errors[0], "en", "lead") == f"Duplicate of {ee_id} (EE)"
        # EE's sheet is not asked to change
        reasons = [r.reason or "" for r in s.scalars(select(SyncRequest))]
        assert not any(ee_id in r and "merged" in r for r in reasons)
    # LV sees its entry with the review actions; EE does not see LV's entry
    listed = http.get(f"{live}/api/v1/quarantine", headers=auth["lv"]).json()["items"]
    assert [e["duplicate_of"] for e in listed] == [ee_id]
    assert http.get(f"{live}/api/v1/quarantine", headers=auth["ee"]).json()["items"] == []
    # LV cannot merge it into EE's lead; an admin can (the owner's or an admin's decision)
    merge_url = f"{live}/api/v1/quarantine/{listed[0]['id']}/merge"
    refused = http.post(merge_url, json={}, headers=auth["lv"])
    assert refused.status_code in (403, 422), refused.text
    with store.session() as s:
        assert s.get(Lead, ee_id).version == ee_version
    merged = http.post(merge_url, json={}, headers=auth["admin"])
    assert merged.status_code == 200, merged.text
    with store.session() as s:
        assert s.get(Lead, ee_id).data["phone"] == "+37255512345"
    # within one partner, a form still fills blanks of the partner's own lead
    lv_id = lead(http, live, auth["lv"], company_name="SIA Upe", country="LV", email="a@upe.lv")
    own = form(
        http,
        live,
        config,
        "lv",
        {
            "company_name": "SIA Upe",
            "country": "LV",
            "sector": "ict",
            "email": "a@upe.lv",
            "notes": "call",
        },
    )
    assert own.status_code == 200, own.text
    assert own.json()["id"] == lv_id and own.json()["status"] == "merged"
    assert "notes" in own.json()["filled"]
    with store.session() as s:
        assert s.get(Lead, lv_id).data["notes"] == "call"


def test_a_partner_cannot_take_over_another_partners_agreement(
    live, http, config, store, auth
) -> None:
    """Finding 2: LV owns the buyer of an agreement EE reports. LV may read it,
    but may change neither its parties, nor its reporting partner, nor its status."""
    ee_seller = lead(http, live, auth["ee"], company_name="OÜ Müüja", country="EE")
    lv_buyer = lead(http, live, auth["lv"], company_name="Bakı MMC", country="AZ")
    lv_seller = lead(http, live, auth["lv"], company_name="SIA Pārdevējs", country="LV")
    made = http.post(
        f"{live}/api/v1/agreements",
        json={
            "seller_id": ee_seller,
            "buyer_id": lv_buyer,
            "status": "negotiating",
            "reporting_partner": "ee",
        },
        headers=auth["admin"],
    )
    assert made.status_code == 201, made.text
    url = f"{live}/api/v1/agreements/{made.json()['id']}"
    assert http.get(url, headers=auth["lv"]).status_code == 200  # a party's owner reads it
    for patch in (
        {"seller_id": lv_seller},
        {"reporting_partner": "lv"},
        {"status": "signed", "signed_date": "2025-01-10"},
        {"notes": "ours now"},
    ):
        resp = http.patch(url, json=patch, headers=auth["lv"])
        assert resp.status_code == 403, (patch, resp.text)
        assert resp.headers["Content-Type"].startswith("application/problem+json")
        assert "Traceback" not in resp.text
    seen = http.get(url, headers=auth["ee"])
    assert seen.status_code == 200
    assert seen.json()["seller_id"] == ee_seller and seen.json()["status"] == "negotiating"
    assert seen.json()["reporting_partner"] == "ee" and "notes" not in seen.json()
    # the reporting partner changes its own agreement; only an admin moves it
    assert http.patch(url, json={"notes": "ok"}, headers=auth["ee"]).status_code == 200
    moved = http.patch(url, json={"reporting_partner": "lv"}, headers=auth["ee"])
    assert moved.status_code in (403, 422), moved.text
    assert (
        http.patch(url, json={"reporting_partner": "lv"}, headers=auth["admin"]).status_code == 200
    )
    with store.session() as s:
        assert s.get(Agreement, made.json()["id"]).reporting_partner == "lv"


def test_a_partners_erasure_blocks_only_that_partner(live, http, config, store, auth) -> None:
    """Finding 3: LV's erasure of its lead does not stop EE's API or forms for the
    same e-mail; it does stop LV's. An admin erasure applies network-wide and
    says so."""
    person = {"country": "EE", "email": "sales@x.ee"}
    lv_id = lead(http, live, auth["lv"], company_name="X OÜ", **person)
    gone = http.delete(f"{live}/api/v1/leads/{lv_id}", headers=auth["lv"])
    assert gone.status_code in (200, 204), gone.text
    # LV's own API and forms are refused for the erased person
    again = http.post(
        f"{live}/api/v1/leads",
        json={"company_name": "X OÜ", "sector": "ict", **person},
        headers=auth["lv"],
    )
    assert again.status_code == 409 and again.json()["type"].endswith("erased-person")
    lv_form = form(http, live, config, "lv", {"company_name": "X OÜ", "sector": "ict", **person})
    assert lv_form.status_code == 409, lv_form.text
    # EE is not blocked
    ee_post = http.post(
        f"{live}/api/v1/leads",
        json={"company_name": "X OÜ", "sector": "ict", **person},
        headers=auth["ee"],
    )
    assert ee_post.status_code == 201, ee_post.text
    ee_form = form(
        http,
        live,
        config,
        "ee",
        {"company_name": "X OÜ", "sector": "ict", "notes": "from the form", **person},
    )
    assert ee_form.status_code == 200, ee_form.text
    assert ee_form.json()["id"] == ee_post.json()["id"]
    # the partner's erasure said what it reached
    assert gone.status_code == 200 and gone.json()["scope"] == "partner"
    assert gone.json()["partner"] == "lv" and gone.json()["id"] == lv_id
    # an admin erasure reaches the network and says so
    network = http.delete(f"{live}/api/v1/leads/{ee_post.json()['id']}", headers=auth["admin"])
    assert network.status_code == 200, network.text
    assert network.json()["scope"] == "network" and network.json()["partner"] is None
    for who in ("ee", "lv"):
        refused = form(http, live, config, who, {"company_name": "X", "sector": "ict", **person})
        assert refused.status_code == 409, (who, refused.text)
    fi = http.post(
        f"{live}/api/v1/leads",
        json={"partner": "fi", "company_name": "X OÜ", "sector": "ict", **person},
        headers=auth["admin"],
    )
    assert fi.status_code == 409, fi.text


def test_a_partners_erasure_scrubs_only_its_own_review_copies(
    live, http, config, store, auth
) -> None:
    """Finding 4: LV erases a lead whose notes say "Soovitus"; EE's quarantine
    entries that merely contain that word keep their rows, and matching is by
    exact identifiers, not by substrings of free text."""
    lv_id = lead(
        http,
        live,
        auth["lv"],
        company_name="SIA Soovitus",
        country="LV",
        email="anna@soovitus.lv",
        phone="+37129111222",
        notes="Soovitus",
    )
    rejected = [
        # EE: a form whose notes mention the word, and one that carries the same
        # e-mail address (EE's own copy of the person: not LV's to erase)
        ("ee", {"company_name": "Soovitus", "notes": "Soovitus"}),
        ("ee", {"company_name": "Soovitus AS", "email": "anna@soovitus.lv"}),
        # LV: a form with the person's phone as typed, and one with the word only
        ("lv", {"company_name": "Cits", "phone": "+371 2911 1222"}),
        ("lv", {"company_name": "Cits 2", "notes": "Soovitus"}),
    ]
    for partner, payload in rejected:
        resp = form(http, live, config, partner, {**payload, "sector": "fishing"})
        assert resp.status_code == 422, resp.text  # kept in quarantine for review
    erased = http.delete(f"{live}/api/v1/leads/{lv_id}", headers=auth["lv"])
    assert erased.status_code in (200, 204), erased.text
    with store.session() as s:
        entries = {
            (q.partner, q.raw.get("company_name")): q for q in s.scalars(select(QuarantineEntry))
        }
        assert entries[("ee", "Soovitus")].raw["notes"] == "Soovitus"
        assert entries[("ee", "Soovitus")].resolved_at is None
        assert entries[("ee", "Soovitus AS")].raw["email"] == "anna@soovitus.lv"
        assert entries[("lv", "Cits 2")].raw["notes"] == "Soovitus"
        phone_entry = [q for q in entries.values() if q.partner == "lv" and not q.raw]
        assert len(phone_entry) == 1 and phone_entry[0].resolution == "erased"
        # EE's remembered webhook answers are left alone too
        ee_deliveries = s.scalars(select(WebhookDelivery).where(WebhookDelivery.partner == "ee"))
        assert all(d.response.get("detail") != "[erased]" for d in ee_deliveries)


def test_a_name_typed_first_never_claims_another_chambers_firm(
    live, http, config, store, auth
) -> None:
    """LV enters a firm it knows only by name; EE, which holds the firm's
    registration code, then sends it by API, by form and as a patch. Before,
    the name matched and EE's lead was refused (409) and its form kept as a
    duplicate of LV's lead: a partner could block another chamber's firms by
    typing their names first. A record with a registration code now finds
    another partner's firm by that code only, so EE's coded records are EE's;
    the code, once EE's, is refused to LV; and a record without a code still
    finds the firm another chamber holds (a linked duplicate)."""
    squatted = lead(http, live, auth["lv"], company_name="SIA Baltijas Koks", country="LV")
    # EE's API create with the firm's code: its own lead, not LV's duplicate
    made = http.post(
        f"{live}/api/v1/leads",
        json={"company_name": "SIA Baltijas Koks", "country": "LV", "sector": "ict"}
        | {"registration_code": "40003521600"},
        headers=auth["ee"],
    )
    assert made.status_code == 201, made.text
    ee_lead = made.json()["id"]
    # EE's form with another firm's code and the name LV typed for it
    lead(http, live, auth["lv"], company_name="Mets OÜ", country="EE")
    sent = form(
        http,
        live,
        config,
        "ee",
        {"company_name": "Mets OÜ", "country": "EE", "sector": "ict"}
        | {"registration_code": "10137319"},
    )
    assert sent.status_code in (200, 201, 202), sent.text
    with store.session() as s:
        mets = s.scalars(select(Lead).where(Lead.registration_code == "10137319")).all()
        assert [m.partner for m in mets] == ["ee"]
        assert s.get(Lead, ee_lead).partner == "ee"
        assert s.get(Lead, squatted).data.get("registration_code") is None
    # LV may not take the code EE holds
    taken = http.patch(
        f"{live}/api/v1/leads/{squatted}",
        json={"registration_code": "40003521600"},
        headers=auth["lv"],
    )
    assert taken.status_code == 409, taken.text
    # a record known only by name still finds the firm another chamber holds by code
    kuusk = lead(
        http, live, auth["ee"], company_name="Kuusk AS", country="EE", registration_code="10000018"
    )
    named = http.post(
        f"{live}/api/v1/leads",
        json={"company_name": "AS Kuusk", "country": "EE", "sector": "ict"},
        headers=auth["lv"],
    )
    assert named.status_code == 202 and named.json()["duplicate_of"] == kuusk, named.text
