"""Leads through /api/v1 on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api_helpers import problem
from sqlalchemy import select

from integration.store.models import AuditEntry, Lead, SyncRequest


def test_create_get_and_sync_request(client, tokens, store) -> None:
    body = {
        "company_name": "SIA Koks",
        "country": "LV",
        "sector": "green_tech",
        "registration_code": "40003521600",
    }
    resp = client.post("/api/v1/leads", json=body, headers=tokens.lv)
    assert resp.status_code == 201
    lead = resp.get_json()
    assert lead["partner"] == "lv" and lead["version"] == 1
    assert resp.headers["Location"] == f"/api/v1/leads/{lead['id']}"
    got = client.get(f"/api/v1/leads/{lead['id']}", headers=tokens.lv)
    assert got.get_json() == lead and got.headers["ETag"] == 'W/"1"'
    with store.session() as s:
        assert [(r.partner, r.trigger, r.tab) for r in s.scalars(select(SyncRequest))] == [
            ("lv", "api", "leads")
        ]
        assert s.scalars(select(AuditEntry.source)).all() == ["api"]


def test_validation_errors_name_fields_in_two_languages(client, tokens) -> None:
    resp = client.post(
        "/api/v1/leads",
        json={"company_name": "", "country": "XX", "sector": "ict", "email": "bad@", "extra": 1},
        headers=tokens.lv,
    )
    body = problem(resp, 422)
    errors = {e["field"]: e for e in body["errors"]}
    assert {"company_name", "country", "email", "extra"} <= set(errors)
    assert set(errors["email"]["messages"]) == {"en", "lv"}


def test_read_only_fields_and_foreign_partner_are_refused(client, tokens) -> None:
    base = {"company_name": "X", "country": "LV", "sector": "ict"}
    assert (
        problem(
            client.post("/api/v1/leads", json={**base, "id": "L-000009"}, headers=tokens.lv), 422
        )["errors"][0]["field"]
        == "id"
    )
    body = problem(
        client.post("/api/v1/leads", json={**base, "partner": "ee"}, headers=tokens.lv), 422
    )
    assert body["errors"][0]["field"] == "partner"
    assert problem(client.post("/api/v1/leads", json=base, headers=tokens.admin), 422)


def test_own_duplicate_is_409_naming_the_lead(client, tokens, make_lead) -> None:
    ee_lead = make_lead("ee", registration_code="10137319", country="EE")
    dup = {
        "company_name": "Copy",
        "country": "EE",
        "sector": "ict",
        "registration_code": "10137319",
    }
    as_ee = problem(client.post("/api/v1/leads", json=dup, headers=tokens.ee), 409)
    assert as_ee["existing_id"] == ee_lead["id"]
    as_admin = problem(
        client.post("/api/v1/leads", json={**dup, "partner": "lv"}, headers=tokens.admin), 409
    )
    assert as_admin["existing_id"] == ee_lead["id"]


def test_another_partners_firm_is_kept_as_a_linked_duplicate(
    client, tokens, make_lead, store
) -> None:
    """LV posts a firm EE holds: EE's lead is untouched; LV's input is kept in
    LV's review queue as "Duplicate of L-… (EE)", as a form or sheet row would be."""
    ee_lead = make_lead("ee", registration_code="10137319", country="EE")
    before = client.get(f"/api/v1/leads/{ee_lead['id']}", headers=tokens.ee).get_json()
    dup = {
        "company_name": "Copy",
        "country": "EE",
        "sector": "ict",
        "registration_code": "10137319",
        "notes": "LV's own note",
    }
    resp = client.post("/api/v1/leads", json=dup, headers=tokens.lv)
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "duplicate"
    assert body["duplicate_of"] == ee_lead["id"] and body["partner"] == "lv"
    assert body["message"] == f"Duplicate of {ee_lead['id']} (EE)"
    after = client.get(f"/api/v1/leads/{ee_lead['id']}", headers=tokens.ee).get_json()
    assert after == before
    lv_queue = client.get("/api/v1/quarantine", headers=tokens.lv).get_json()["items"]
    assert [e["id"] for e in lv_queue] == [body["quarantine_id"]]
    assert lv_queue[0]["raw"]["notes"] == "LV's own note"
    assert client.get("/api/v1/quarantine", headers=tokens.ee).get_json()["items"] == []


def test_bad_bodies(client, tokens) -> None:
    problem(
        client.post(
            "/api/v1/leads", data="{nope", content_type="application/json", headers=tokens.lv
        ),
        400,
    )
    problem(
        client.post("/api/v1/leads", data="[]", content_type="application/json", headers=tokens.lv),
        400,
    )
    problem(
        client.post("/api/v1/leads", data="a=b", content_type="text/plain", headers=tokens.lv), 415
    )
    problem(
        client.post(
            "/api/v1/leads",
            data="x" * (257 * 1024),
            content_type="application/json",
            headers=tokens.lv,
        ),
        413,
    )
    problem(client.put("/api/v1/leads", headers=tokens.lv), 405)
    problem(client.get("/api/v1/no-such-thing", headers=tokens.lv), 404)


def test_list_filters_search_and_cursor_pages(client, tokens, make_lead) -> None:
    made = [make_lead("lv", sector="ict" if i % 2 else "education") for i in range(5)]
    make_lead("ee")
    make_lead("lv", company_name="SIA Zaļā Enerģija", sector="green_tech", stage="won")
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "partner": "lv", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/leads", query_string=params, headers=tokens.admin).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 6 and seen == sorted(seen)
    education = client.get("/api/v1/leads?sector=education", headers=tokens.lv).get_json()
    assert {i["id"] for i in education["items"]} == {m["id"] for m in made[0::2]}
    won = client.get("/api/v1/leads?stage=won&q=zaļā", headers=tokens.lv).get_json()["items"]
    assert [i["company_name"] for i in won] == ["SIA Zaļā Enerģija"]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert (
        client.get(
            "/api/v1/leads", query_string={"updated_since": future}, headers=tokens.lv
        ).get_json()["items"]
        == []
    )
    ee = client.get("/api/v1/leads?country=ee", headers=tokens.admin).get_json()["items"]
    assert [i["partner"] for i in ee] == ["ee"]


def test_bad_query_parameters_are_400(client, tokens) -> None:
    for query in (
        "limit=0",
        "limit=abc",
        "cursor=%%%",
        "updated_since=yesterday",
        "stage=maybe",
        "partner=zz",
        "country=QQ",
        "include_archived=perhaps",
    ):
        body = problem(client.get(f"/api/v1/leads?{query}", headers=tokens.lv), 400)
        assert body["errors"][0]["field"] == query.split("=")[0]


def test_patch_is_a_merge_patch_with_if_match(client, tokens, make_lead, store) -> None:
    lead = make_lead("lv", phone="+37126123456")
    url = f"/api/v1/leads/{lead['id']}"
    resp = client.patch(url, json={"stage": "meeting", "phone": None}, headers=tokens.lv)
    assert resp.status_code == 200
    changed = resp.get_json()
    assert changed["stage"] == "meeting" and "phone" not in changed
    assert changed["version"] == 2
    stale = client.patch(url, json={"stage": "won"}, headers={**tokens.lv, "If-Match": 'W/"1"'})
    problem(stale, 412)
    ok = client.patch(
        url,
        data='{"stage": "won"}',
        content_type="application/merge-patch+json",
        headers={**tokens.lv, "If-Match": 'W/"2"'},
    )
    assert ok.status_code == 200 and ok.headers["ETag"] == 'W/"3"'
    body = problem(client.patch(url, json={"sector": "mining"}, headers=tokens.lv), 422)
    assert body["errors"][0]["field"] == "sector"
    problem(client.patch(url, json={"partner": "ee"}, headers=tokens.lv), 422)
    with store.session() as s:
        audit = s.scalars(
            select(AuditEntry).where(AuditEntry.record_id == lead["id"]).order_by(AuditEntry.id)
        ).all()
        assert [a.action for a in audit] == ["create", "update", "update"]
        assert audit[1].changes["phone"] == ["+37126123456", None]
        assert s.get(Lead, lead["id"]).stage == "won"


def test_nul_characters_are_refused_not_crashed_on(client, tokens, make_lead) -> None:
    """PostgreSQL cannot store U+0000; the API says so instead of failing."""
    lead = make_lead("lv")
    body = {"company_name": "Firm\x00", "country": "LV", "sector": "ict"}
    problem(client.post("/api/v1/leads", json=body, headers=tokens.lv), 400)
    problem(
        client.patch(f"/api/v1/leads/{lead['id']}", json={"notes": "a\x00b"}, headers=tokens.lv),
        400,
    )
    for param in ("q", "partner", "country"):
        problem(client.get("/api/v1/leads", query_string={param: "lv\x00"}, headers=tokens.lv), 400)
    problem(client.get("/api/v1/leads/L-000001\x00", headers=tokens.lv), 404)
