"""A person known only by a phone number stays erased, over real HTTP on SQLite
and PostgreSQL. Many leads from B2B forums carry a contact's name and mobile
number but no e-mail or registration code; before, erasing one left no
tombstone at all, and the same form, an API create or a patch of another lead
brought the name and number straight back."""

from __future__ import annotations

from typing import Any

from signed_forms import post_signed_form
from sqlalchemy import select

from integration.store.models import Lead, QuarantineEntry

PERSON = {"contact_name": "Ilze Kalniņa", "phone": "+37129111333"}


def _traces(store: Any) -> list[str]:
    """Live leads and quarantine entries that still hold the person's number."""
    found = []
    with store.session() as s:
        for lead in s.scalars(select(Lead)):
            if lead.data.get("phone") == PERSON["phone"]:
                found.append(lead.id)
        for entry in s.scalars(select(QuarantineEntry)):
            if "29111333" in str(entry.raw).replace(" ", ""):
                found.append(f"quarantine {entry.id}")
    return found


def test_a_person_erased_by_phone_cannot_come_back_by_form_api_or_patch(
    live, http, config, store, auth
) -> None:
    def create(partner: str, name: str, **fields: Any) -> Any:
        body = {"company_name": name, "country": partner.upper(), "sector": "ict", **fields}
        return http.post(f"{live}/api/v1/leads", json=body, headers=auth[partner])

    made = create("lv", "SIA Tālrunis", **PERSON)
    assert made.status_code == 201, made.text
    other = create("lv", "SIA Cits").json()["id"]
    erased = http.delete(f"{live}/api/v1/leads/{made.json()['id']}", headers=auth["lv"])
    assert erased.status_code == 200, erased.text
    assert _traces(store) == []

    secret = config.environ["LV_WEBHOOK_SECRET"]
    url = f"{live}/webhooks/forms/lv"
    # the same person at the next forum, the number typed the local way and spaced
    for payload in (
        {"company_name": "SIA Jauns", "country": "LV", "sector": "ict", **PERSON},
        {"company_name": "SIA Jauns", "country": "LV", "sector": "ict", "phone": "2911 1333"},
        {"company_name": "SIA Jauns", "country": "XX", "phone": "+371 2911 1333"},
    ):
        again = post_signed_form(http.post, url, secret, payload, timeout=10)
        assert again.status_code == 409, again.text
        assert again.json()["type"].endswith("/erased-person")
    created = create("lv", "SIA Jauns", **PERSON)
    assert created.status_code == 409, created.text
    patched = http.patch(
        f"{live}/api/v1/leads/{other}", json={"phone": PERSON["phone"]}, headers=auth["lv"]
    )
    assert patched.status_code == 409, patched.text
    assert _traces(store) == []
    # another partner keeps working with the number (a partner's erasure is its own)
    ee = create("ee", "OÜ Telefon", **PERSON)
    assert ee.status_code == 201, ee.text
