"""DELETE /api/v1/leads/<id>: GDPR erasure in the store (the sheet side is
covered by the end-to-end test through a sync)."""

from __future__ import annotations

import json

from api_helpers import problem
from seeding import sheet_won_conflict
from sqlalchemy import select

from integration.store import records
from integration.store.models import (
    AuditEntry,
    Conflict,
    Lead,
    QuarantineEntry,
    SyncRequest,
    Tombstone,
)
from integration.webhooks.signatures import standard_headers

PERSON = {
    "contact_name": "Līga Ozola",
    "email": "liga.ozola@example.lv",
    "phone": "+37129111222",
    "notes": "Met Līga in Baku",
}


def test_erasure_leaves_no_personal_data(client, tokens, make_lead, store) -> None:
    lead = make_lead("lv", **PERSON)
    client.patch(
        f"/api/v1/leads/{lead['id']}", json={"notes": "Call Līga Ozola"}, headers=tokens.lv
    )
    with store.session() as s:
        # An earlier rejected submission by the same person, and a conflict on her phone.
        records.quarantine(
            s,
            kind="lead",
            source="webhook:lv",
            partner="lv",
            raw={"email": PERSON["email"], "company_name": "?"},
            errors=[
                {"field": "sector", "code": "required", "message": "Sector: a value is required."}
            ],
        )
        s.add(
            sheet_won_conflict(
                "lv",
                lead["id"],
                "phone",
                base=None,
                sheet="+37129111222",
                store="+37129111223",
                resolved="+37129111222",
            )
        )
    resp = client.delete(f"/api/v1/leads/{lead['id']}", headers=tokens.lv)
    assert resp.status_code == 200
    assert resp.get_json()["scope"] == "partner" and resp.get_json()["erased"] == [lead["id"]]
    after = client.get(f"/api/v1/leads/{lead['id']}", headers=tokens.lv).get_json()
    assert after["erased_at"] and after["company_name"] == lead["company_name"]
    with store.session() as s:
        stored = (
            [json.dumps(r.data) for r in s.scalars(select(Lead))]
            + [json.dumps(a.changes) for a in s.scalars(select(AuditEntry))]
            + [json.dumps([q.raw, q.errors]) for q in s.scalars(select(QuarantineEntry))]
            + [
                json.dumps([c.base_value, c.sheet_value, c.store_value, c.resolved_value])
                for c in s.scalars(select(Conflict))
            ]
        )
        everything = "\n".join(stored)
        for value in ("Līga", "Ozola", "liga.ozola", "29111222"):
            assert value not in everything
        assert s.scalars(select(Tombstone)).first() is not None
        assert (
            s.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc())).first() == "erase"
        )
        reasons = [r.reason for r in s.scalars(select(SyncRequest))]
        assert f"erasure {lead['id']}" in reasons
    # Repeating is harmless.
    again = client.delete(f"/api/v1/leads/{lead['id']}", headers=tokens.lv)
    assert again.status_code == 200 and again.get_json()["already_erased"] is True
    assert again.get_json()["erased"] == []


def test_erased_person_cannot_come_back(client, tokens, make_lead, config) -> None:
    lead = make_lead("lv", **PERSON)
    client.delete(f"/api/v1/leads/{lead['id']}", headers=tokens.admin)
    again = {"company_name": "New name", "country": "LV", "sector": "ict", "email": PERSON["email"]}
    problem(client.post("/api/v1/leads", json=again, headers=tokens.lv), 409)
    body = json.dumps(again).encode()
    hook = client.post(
        "/webhooks/forms/lv",
        data=body,
        content_type="application/json",
        headers=standard_headers(config.environ["LV_WEBHOOK_SECRET"], "m", body),
    )
    problem(hook, 409)
    patch = client.patch(
        f"/api/v1/leads/{lead['id']}", json={"email": "new@example.lv"}, headers=tokens.lv
    )
    problem(patch, 409)


def test_an_admin_erasure_reaches_every_partners_copies(client, tokens, make_lead, store) -> None:
    email = {"email": "ieva@example.lv", "phone": "+37129111333"}
    lv = make_lead("lv", registration_code="40003521600", **email)
    ee = make_lead("ee", registration_code="10137319", **email)  # another firm, same person
    fi = make_lead("fi", email="someone.else@example.fi")
    # another LV firm of the person, by phone (once erased, the phone is refused)
    same_phone = make_lead("lv", registration_code="40003000017", phone=email["phone"])
    # LV's erasure reaches LV's lead only
    mine = client.delete(f"/api/v1/leads/{lv['id']}", headers=tokens.lv).get_json()
    assert mine["scope"] == "partner" and mine["erased"] == [lv["id"]]
    with store.session() as s:
        assert s.get(Lead, ee["id"]).data["email"] == email["email"]
        assert {t.partner for t in s.scalars(select(Tombstone))} == {"lv"}
    # an admin erasing the same lead again widens its tombstone to the network
    again = client.delete(f"/api/v1/leads/{lv['id']}", headers=tokens.admin).get_json()
    assert again["scope"] == "network" and again["already_erased"] is True
    with store.session() as s:
        assert {t.partner for t in s.scalars(select(Tombstone))} == {None}
    # a new lead with the erased phone is refused, whoever sends it
    body = {"company_name": "SIA Cits", "country": "LV", "sector": "ict", "phone": email["phone"]}
    refused = client.post("/api/v1/leads", json=body, headers=tokens.ee)
    assert refused.status_code == 409 and refused.get_json()["type"].endswith("/erased-person")
    # an admin's erasure of the EE lead: every lead of the person, and says so
    network = client.delete(f"/api/v1/leads/{ee['id']}", headers=tokens.admin)
    assert network.status_code == 200
    body = network.get_json()
    assert body["scope"] == "network" and body["partner"] is None
    assert body["erased"] == [ee["id"], same_phone["id"]] and "network" in body["detail"]
    with store.session() as s:
        for lead_id in (ee["id"], same_phone["id"]):
            lead = s.get(Lead, lead_id)
            assert lead.erased_at is not None and "phone" not in lead.data
        assert s.get(Lead, fi["id"]).erased_at is None


def test_copies_are_found_by_exact_identifiers_never_by_words() -> None:
    from integration.api.erasure import Identifiers

    who = Identifiers.of(
        {"country": "LV", "email": "Anna@Soovitus.lv", "phone": "+37129111222",
         "registration_code": "40003521600", "notes": "Soovitus"}
    )  # fmt: skip
    assert who.found_in({"E-pasts": " ANNA@soovitus.LV "})
    assert who.found_in({"Tālrunis": "2911 1222"})  # typed nationally, read in Latvia
    assert who.found_in({"phone": "+371 2911-1222"})
    assert who.found_in({"Valsts": "Latvija", "Reģ. nr.": "LV 4000 3521 600"})
    assert who.found_in({"nested": [{"email": "anna@soovitus.lv"}]})
    # free text that merely contains a value, or a code without its country
    assert not who.found_in({"notes": "Soovitus"})
    assert not who.found_in({"notes": "write to anna@soovitus.lv"})
    assert not who.found_in({"notes": "call +37129111222 after 5"})
    assert not who.found_in({"code": "40003521600"})
    assert not who.found_in({"code": "40003521600", "country": "EE"})
    assert not who.found_in({"phone": "+37129111223"})


def test_an_erasure_reaches_the_phone_and_e_mail_the_person_had_before(
    client, tokens, make_lead, store
) -> None:
    """A lead's phone and e-mail were changed before its person was erased; a
    sheet row kept for review still shows the old ones. Before, the erasure
    knew only the current values: the row kept the old phone in quarantine (the
    concurrency campaign's seed 995) and a new lead could take it. Now the
    identifiers the lead's history holds are scrubbed and tombstoned too."""
    old = {"email": "vecais@example.lv", "phone": "+37129111444"}
    lead = make_lead("lv", **old)
    changed = client.patch(
        f"/api/v1/leads/{lead['id']}",
        json={"email": "jaunais@example.lv", "phone": "+37129111555"},
        headers=tokens.lv,
    )
    assert changed.status_code == 200, changed.get_json()
    with store.session() as s:
        kept = records.quarantine(
            s,
            kind="lead",
            source="sheet:lv",
            raw={"Uzņēmums": "Firm", "Tālrunis": "2911 1444", "E-pasts": ""},
            errors=[{"field": "sector", "code": "required", "message": "x"}],
            partner="lv",
        )
        s.flush()
        kept_id = kept.id
        other = records.quarantine(
            s,
            kind="lead",
            source="webhook:lv",
            raw={"company_name": "Other", "email": "VECAIS@example.lv"},
            errors=[{"field": "sector", "code": "required", "message": "x"}],
            partner="lv",
        )
        s.flush()
        other_id = other.id
    erased = client.delete(f"/api/v1/leads/{lead['id']}", headers=tokens.lv)
    assert erased.status_code == 200, erased.get_json()
    with store.session() as s:
        for entry_id in (kept_id, other_id):
            entry = s.get(QuarantineEntry, entry_id)
            assert entry.raw == {} and entry.resolution == "erased", entry.raw
        history = json.dumps([a.changes for a in s.scalars(select(AuditEntry))])
        assert "29111444" not in history and "vecais" not in history
    # and neither old identifier can be given to a lead again
    for value in ({"phone": "+37129111444"}, {"email": "vecais@example.lv"}):
        body = {"company_name": "SIA Cits", "country": "LV", "sector": "ict", **value}
        again = client.post("/api/v1/leads", json=body, headers=tokens.lv)
        assert again.status_code == 409, (value, again.get_json())
        assert again.get_json()["type"].endswith("/erased-person")


def test_an_identifier_typed_in_and_taken_back_stays_its_owners(
    client, tokens, make_lead, store
) -> None:
    """LV types EE's contact's e-mail and phone into its own lead, takes them
    back, and has an admin erase the person of its lead across the network.
    Those values are in the lead's history but are EE's live lead's now: they
    are neither tombstoned nor scrubbed, so EE keeps entering that person."""
    theirs = {"email": "mari@meri.example.ee", "phone": "+37251234567"}
    make_lead("ee", registration_code="10137319", **theirs)
    mine = make_lead("lv", registration_code="40003521600", email="own@example.lv")
    for body in (theirs, {"email": "own@example.lv", "phone": "+37129111666"}):
        answer = client.patch(f"/api/v1/leads/{mine['id']}", json=body, headers=tokens.lv)
        assert answer.status_code == 200, answer.get_json()
    erased = client.delete(f"/api/v1/leads/{mine['id']}", headers=tokens.admin)
    assert erased.status_code == 200, erased.get_json()
    for value in (theirs["email"], theirs["phone"]):
        key = "email" if "@" in value else "phone"
        body = {"company_name": "Uus OÜ", "country": "EE", "sector": "ict", key: value}
        again = client.post("/api/v1/leads", json=body, headers=tokens.ee)
        assert again.status_code != 409 or not again.get_json()["type"].endswith(
            "/erased-person"
        ), (value, again.get_json())
    # the values LV's lead itself had are erased for the network
    body = {"company_name": "SIA Cits", "country": "LV", "sector": "ict", "phone": "+37129111666"}
    refused = client.post("/api/v1/leads", json=body, headers=tokens.ee)
    assert refused.status_code == 409 and refused.get_json()["type"].endswith("/erased-person")
