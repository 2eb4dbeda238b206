"""What an erasure leaves behind in the API's own memory, over real HTTP on
SQLite and PostgreSQL: the answer remembered for an ``Idempotency-Key``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from integration.store.models import ApiToken, IdempotencyKey

PERSON = {"contact_name": "Marta Ozola", "email": "marta@ozols.lv", "phone": "+37129111444"}


def _remembered(store: Any, partner: str) -> str:
    """Every answer remembered for ``partner``'s tokens, as one text."""
    query = (
        select(IdempotencyKey.response)
        .join(ApiToken, ApiToken.id == IdempotencyKey.token_id)
        .where(ApiToken.partner == partner)
    )
    with store.session() as s:
        return " ".join(str(response) for response in s.scalars(query))


def test_an_idempotent_create_replayed_after_erasure_shows_nothing_of_the_person(
    live, http, store, auth
) -> None:
    """Before, the 201 a create with an Idempotency-Key answered was kept whole
    for 24 hours: after the lead was erased, a retry with the key served the
    person's name, e-mail and phone again, and the store still held them."""
    body = {"company_name": "SIA Ozols", "country": "LV", "sector": "ict", **PERSON}
    headers = {**auth["lv"], "Idempotency-Key": "create-ozols"}
    made = http.post(f"{live}/api/v1/leads", json=body, headers=headers)
    assert made.status_code == 201, made.text
    assert PERSON["email"] in _remembered(store, "lv")  # the check can see it
    # EE's own remembered answer of another firm is EE's, untouched by LV's erasure
    ee_body = {
        "company_name": "OÜ Tamm",
        "country": "EE",
        "sector": "ict",
        "email": "m@tamm.ee",
        "phone": PERSON["phone"],
    }
    ee_made = http.post(
        f"{live}/api/v1/leads", json=ee_body, headers={**auth["ee"], "Idempotency-Key": "k"}
    )
    assert ee_made.status_code == 201, ee_made.text

    erased = http.delete(f"{live}/api/v1/leads/{made.json()['id']}", headers=auth["lv"])
    assert erased.status_code == 200, erased.text

    again = http.post(f"{live}/api/v1/leads", json=body, headers=headers)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == made.json()["id"]
    for value in PERSON.values():
        assert value not in again.text
        assert value not in _remembered(store, "lv")
    ee_again = http.post(
        f"{live}/api/v1/leads", json=ee_body, headers={**auth["ee"], "Idempotency-Key": "k"}
    )
    assert ee_again.json() == ee_made.json()
