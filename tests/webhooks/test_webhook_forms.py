"""POST /webhooks/forms/<partner> through the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from dataclasses import replace

from sqlalchemy import func, select

from integration import create_app
from integration.store import records
from integration.store.models import (
    AuditEntry,
    Lead,
    QuarantineEntry,
    SyncRequest,
    WebhookDelivery,
)
from integration.webhooks.signatures import standard_headers

LEAD = {
    "company_name": "SIA Baltic Soft",
    "country": "LV",
    "sector": "ict",
    "email": "anna@balticsoft.lv",
    "contact_name": "Anna Bērziņa",
}


def count(store, model) -> int:  # type: ignore[no-untyped-def]
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def is_problem(resp, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json(force=True)
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert "Traceback" not in resp.get_data(as_text=True)
    return body


def test_generic_json_creates_lead_and_requests_sync(send_form, store) -> None:
    resp = send_form(LEAD)
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["status"] == "created" and body["partner"] == "lv"
    with store.session() as s:
        lead = s.get(Lead, body["id"])
        assert lead.partner == "lv"
        assert lead.data["email"] == "anna@balticsoft.lv"
        assert lead.data["source"] == "web_form" and lead.data["stage"] == "new"
        reqs = s.scalars(select(SyncRequest)).all()
        assert [(r.partner, r.trigger, r.tab) for r in reqs] == [("lv", "webhook", "leads")]
        audit = s.scalars(select(AuditEntry).where(AuditEntry.record_id == lead.id)).all()
        assert [(a.action, a.source) for a in audit] == [("create", "webhook:lv")]


def test_header_aliases_in_the_partner_language(send_form, store) -> None:
    payload = {
        "Uzņēmuma nosaukums": "SIA Koka Mājas",
        "Valsts": "Latvija",
        "Nozare": "Interjera dizains",
        "E-pasts": "info@kokamajas.lv",
        "Kā jūs par mums uzzinājāt?": "draugi",
    }
    resp = send_form(payload)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["ignored"] == ["Kā jūs par mums uzzinājāt?"]
    with store.session() as s:
        lead = s.get(Lead, resp.get_json()["id"])
        assert lead.data["company_name"] == "SIA Koka Mājas"
        assert lead.data["country"] == "LV"
        assert lead.data["sector"] == "interior_design"
        assert lead.data["email"] == "info@kokamajas.lv"


def test_duplicate_firm_is_merged_filling_blanks_only(send_form, store) -> None:
    first = send_form({**LEAD, "registration_code": "40003521600"})
    assert first.status_code == 201
    second = send_form(
        {
            "company_name": "Baltic Soft (new name)",
            "country": "LV",
            "sector": "other",
            "registration_code": "40003521600",
            "phone": "+37126123456",
        }
    )
    assert second.status_code == 200
    body = second.get_json()
    assert body["status"] == "merged" and body["id"] == first.get_json()["id"]
    assert body["filled"] == ["phone"]
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 1
        lead = s.get(Lead, body["id"])
        assert lead.data["company_name"] == "SIA Baltic Soft"  # not overwritten
        assert lead.data["sector"] == "ict"
        assert lead.data["phone"] == "+37126123456"
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions == ["create", "update", "merge"]


def test_the_same_firm_by_name_is_merged_and_codes_that_differ_keep_firms_apart(
    send_form, store
) -> None:
    """No code, no e-mail: the company name within the country finds the firm
    (case, legal form, quotes folded); two different registration codes never
    make one firm of two, whatever their names."""
    first = send_form({"company_name": "Sisustus Oy", "country": "FI", "sector": "ict"})
    assert first.status_code == 201
    again = send_form(
        {
            "company_name": '"SISUSTUS" OY',
            "country": "FI",
            "sector": "ict",
            "phone": "+358401234567",
        }
    )
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["filled"] == ["phone"]
    elsewhere = send_form({"company_name": "Sisustus Oy", "country": "EE", "sector": "ict"})
    assert elsewhere.status_code == 201  # the same name in another country: another firm
    coded = {**LEAD, "registration_code": "40003521600"}
    assert send_form(coded).status_code == 201
    other_code = {**LEAD, "email": "info@other.lv", "registration_code": "40001819093"}
    assert send_form(other_code).status_code == 201
    assert count(store, Lead) == 4


def test_another_partners_firm_by_name_is_kept_as_a_linked_duplicate(
    config, send_form, store
) -> None:
    """EE's form for a firm LV has (found by its name): LV's lead is not touched;
    EE's input waits in EE's quarantine, linked to it."""
    lv = send_form({"company_name": "SIA Meža Nams", "country": "LV", "sector": "ict"})
    assert lv.status_code == 201
    ee = send_form(
        {"company_name": "MEZA NAMS", "country": "LV", "sector": "ict", "notes": "from EE"},
        partner="ee",
        secret=config.environ["EE_WEBHOOK_SECRET"],
    )
    assert ee.status_code == 202, ee.get_json()
    body = ee.get_json()
    lv_id = lv.get_json()["id"]
    assert body["status"] == "duplicate" and body["duplicate_of"] == lv_id
    assert body["message"] == f"Duplicate of {lv_id} (LV)"
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 1
        assert "notes" not in s.get(Lead, lv_id).data
        entry = s.get(QuarantineEntry, body["quarantine_id"])
        assert entry.partner == "ee" and entry.duplicate_of == lv_id


def test_repeated_delivery_returns_first_outcome_and_creates_nothing(send_form, store) -> None:
    first = send_form(LEAD, msg_id="msg_repeat")
    again = send_form(LEAD, msg_id="msg_repeat")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(store, Lead) == 1
    assert count(store, SyncRequest) == 1
    with store.session() as s:
        delivery = s.get(WebhookDelivery, ("lv", "msg_repeat"))
        assert delivery.status_code == 201 and delivery.record_id == first.get_json()["id"]


def test_invalid_lead_is_422_in_two_languages_and_quarantined(send_form, store) -> None:
    payload = {"company_name": "SIA X", "country": "LV", "sector": "mining", "email": "nope@"}
    resp = send_form(payload, msg_id="msg_bad")
    body = is_problem(resp, 422)
    fields = {e["field"]: e for e in body["errors"]}
    assert set(fields) == {"sector", "email"}
    assert set(fields["email"]["messages"]) == {"en", "lv"}
    assert fields["email"]["messages"]["en"] != fields["email"]["messages"]["lv"]
    assert count(store, Lead) == 0
    assert count(store, SyncRequest) == 0
    with store.session() as s:
        entry = s.scalars(select(QuarantineEntry)).one()
        assert entry.partner == "lv" and entry.source == "webhook:lv" and entry.kind == "lead"
        assert entry.raw["email"] == "nope@" and entry.raw["sector"] == "mining"
    replay = send_form(payload, msg_id="msg_bad")
    assert replay.status_code == 422 and replay.get_json() == body
    assert count(store, QuarantineEntry) == 1


def test_missing_required_fields_are_named(send_form) -> None:
    body = is_problem(send_form({"email": "a@b.lv"}), 422)
    assert {"company_name", "country", "sector"} <= {e["field"] for e in body["errors"]}


def test_erased_person_is_not_recreated(send_form, store) -> None:
    created = send_form(LEAD).get_json()["id"]
    with store.session() as s:
        records.erase_lead(s, s.get(Lead, created), source="api", scope=None)
    body = is_problem(send_form(LEAD), 409)
    assert "erase" in body["detail"]
    assert "anna" not in json.dumps(body).lower()
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 1
        assert s.scalar(select(func.count()).select_from(QuarantineEntry)) == 0


def test_malformed_json_is_400(send_form, store) -> None:
    is_problem(send_form(b'{"company_name": '), 400)
    is_problem(send_form(b"[1, 2]"), 400)
    assert count(store, WebhookDelivery) == 0


def test_wrong_content_type_is_415(client, lv_secret) -> None:
    body = json.dumps(LEAD).encode()
    resp = client.post(
        "/webhooks/forms/lv",
        data=body,
        headers=standard_headers(lv_secret, "msg_ct", body),
        content_type="application/x-www-form-urlencoded",
    )
    is_problem(resp, 415)


def test_body_over_256_kib_is_413(send_form, store) -> None:
    big = {**LEAD, "notes": "x" * (256 * 1024)}
    is_problem(send_form(big), 413)
    assert count(store, Lead) == 0


def test_unknown_partner_is_404(send_form) -> None:
    is_problem(send_form(LEAD, partner="zz"), 404)


def test_bad_missing_stale_and_future_signatures_are_401(client, send_form, store) -> None:
    other = "whsec_" + "b3RoZXItc2VjcmV0LW5vdC1jb25maWd1cmVkLTAx"
    is_problem(send_form(LEAD, secret=other), 401)
    is_problem(send_form(LEAD, timestamp=int(time.time()) - 301), 401)
    is_problem(send_form(LEAD, timestamp=int(time.time()) + 301), 401)
    body = json.dumps(LEAD).encode()
    unsigned = client.post("/webhooks/forms/lv", data=body, content_type="application/json")
    detail = is_problem(unsigned, 401)["detail"]
    assert "webhook-signature" in detail
    assert count(store, Lead) == 0
    assert count(store, WebhookDelivery) == 0


def test_rotated_secrets_both_work(config, store, send_form) -> None:
    old = config.environ["LV_WEBHOOK_SECRET"]
    new = "whsec_" + "bmV3LXNlY3JldC1hZnRlci1yb3RhdGlvbi0wMTIz"
    rotated = replace(config, environ={**config.environ, "LV_WEBHOOK_SECRET": f"{new},{old}"})
    client = create_app(rotated, store=store).test_client()
    assert send_form(LEAD, secret=old, test_client=client).status_code == 201
    other = {**LEAD, "company_name": "SIA Otra", "email": "b@b.lv"}
    assert send_form(other, secret=new, test_client=client).status_code == 201
    retired = replace(config, environ={**config.environ, "LV_WEBHOOK_SECRET": new})
    client = create_app(retired, store=store).test_client()
    third = {**LEAD, "company_name": "SIA Trešā", "email": "c@b.lv"}
    assert send_form(third, secret=old, test_client=client).status_code == 401


def test_transient_store_failure_is_503(config, send_form) -> None:
    from integration.store.db import Store

    dead = Store(
        "postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    broken = replace(config, database_url=dead.url)
    client = create_app(broken, store=dead).test_client()
    resp = send_form(LEAD, test_client=client)
    body = is_problem(resp, 503)
    assert resp.headers["Retry-After"]
    assert "psycopg" not in json.dumps(body) and "127.0.0.1" not in json.dumps(body)
    dead.dispose()


def test_google_forms_payload_from_the_apps_script(send_form, store) -> None:
    payload = {
        "source": "google-forms",
        "form_id": "1FAIpQLSf",
        "response_id": "2_ABaOnud",
        "submitted_at": "2025-05-02T10:00:00Z",
        "respondent_email": "janis@mebeles.lv",
        "answers": [
            {"title": "Company name", "answer": "SIA Mēbeles"},
            {"title": "Country", "answer": "Latvia"},
            {"title": "Sector", "answer": "Interior design"},
            {"title": "Role", "answer": ["Seller"]},
            {"title": "GDPR consent", "answer": "Yes"},
        ],
    }
    resp = send_form(payload, msg_id="2_ABaOnud")
    assert resp.status_code == 201, resp.get_json()
    with store.session() as s:
        lead = s.get(Lead, resp.get_json()["id"])
        assert lead.data["email"] == "janis@mebeles.lv"
        assert lead.data["role"] == "seller"
        assert lead.data["gdpr_consent"] is True
        assert lead.data["sector"] == "interior_design"


def test_long_delivery_ids_are_not_cut_into_collisions(send_form, store) -> None:
    prefix = "x" * 300
    first = send_form(LEAD, msg_id=prefix + "-1")
    second = send_form(
        {**LEAD, "email": "other@balticsoft.lv", "registration_code": None}, msg_id=prefix + "-2"
    )
    assert first.status_code == 201
    assert second.status_code in (200, 201) and "Idempotent-Replayed" not in second.headers
    assert count(store, WebhookDelivery) == 2


def test_nul_characters_are_a_clear_400(send_form, store) -> None:
    is_problem(send_form({**LEAD, "company_name": "SIA\x00"}), 400)
    is_problem(send_form({**LEAD, "Company\x00": "x"}), 400)
    assert count(store, Lead) == 0
