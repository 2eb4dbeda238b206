"""An admin's network erasure racing another partner's write of the same
person, through real HTTP on SQLite and PostgreSQL: whatever the
interleaving, no live lead of any partner keeps the person afterwards."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from test_firm_races_e2e import at_once

from integration.store.models import Lead

ROUNDS = 20


def _holders(store: Any, phone: str) -> list[str]:
    """Live leads that hold ``phone``."""
    with store.session() as s:
        return [
            lead.id
            for lead in s.scalars(select(Lead).where(Lead.erased_at.is_(None)))
            if lead.data.get("phone") == phone
        ]


def _round(live: str, http: Any, auth: Any, phone: str) -> tuple[Any, Any]:
    """LV's lead of the person, EE's lead without them; then, at once, an admin
    erases LV's lead across the network and EE gives its lead the person's phone."""
    n = uuid.uuid4().hex[:8]
    made = http.post(
        f"{live}/api/v1/leads",
        json={"company_name": f"SIA {n}", "country": "LV", "sector": "ict", "phone": phone},
        headers=auth["lv"],
    )
    own = http.post(
        f"{live}/api/v1/leads",
        json={"company_name": f"OÜ {n}", "country": "EE", "sector": "ict"},
        headers=auth["ee"],
    )
    assert made.status_code == own.status_code == 201, (made.text, own.text)
    erase = made.json()["id"]
    patch = own.json()["id"]
    return tuple(
        at_once(
            lambda s: s.delete(f"{live}/api/v1/leads/{erase}", headers=auth["admin"]),
            lambda s: s.patch(
                f"{live}/api/v1/leads/{patch}", json={"phone": phone}, headers=auth["ee"]
            ),
        )
    )


def test_a_network_erasure_racing_a_patch_that_adds_the_persons_phone(
    live, http, store, auth
) -> None:
    """The patch lands before the erasure (and its lead is erased with the rest)
    or after it (and is refused): never a live EE lead with the erased phone."""
    for i in range(ROUNDS):
        phone = f"+3712{9000000 + i:07d}"
        erased, patched = _round(live, http, auth, phone)
        assert erased.status_code == 200, erased.text
        assert patched.status_code in (200, 409), patched.text
        assert _holders(store, phone) == [], (erased.text, patched.text)
