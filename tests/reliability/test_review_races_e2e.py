"""Review actions on one quarantine entry at the same moment, through real HTTP
on SQLite and PostgreSQL: a double click, two staff members, or a script
replaying its own requests. An entry is acted on once."""

from __future__ import annotations

import uuid
from typing import Any

from signed_forms import post_signed_form
from sqlalchemy import select
from test_firm_races_e2e import at_once

from integration.store.models import AuditEntry, Lead, QuarantineEntry

ROUNDS = 10


def _entry_and_two_leads(live: str, http: Any, config: Any, auth: Any) -> tuple[int, str, str]:
    """An LV entry (an invalid form with notes and a phone) and two blank LV leads."""
    n = uuid.uuid4().hex[:8]
    kept = post_signed_form(
        http.post,
        f"{live}/webhooks/forms/lv",
        config.environ["LV_WEBHOOK_SECRET"],
        {
            "company_name": f"SIA Ievads {n}",
            "country": "Nowhere",
            "sector": "ict",
            "phone": "+37129000111",
            "notes": f"note {n}",
        },
        timeout=10,
    )
    assert kept.status_code == 422, kept.text
    listed = http.get(f"{live}/api/v1/quarantine?limit=200", headers=auth["lv"]).json()
    entry = next(e["id"] for e in listed["items"] if e["raw"].get("notes") == f"note {n}")
    leads = [
        http.post(
            f"{live}/api/v1/leads",
            json={"company_name": f"SIA {side} {n}", "country": "LV", "sector": "ict"},
            headers=auth["lv"],
        ).json()["id"]
        for side in ("A", "B")
    ]
    return entry, leads[0], leads[1]


def _merge(live: str, auth: Any, entry: int, into: str) -> Any:
    """The request merging ``entry`` into ``into``, for :func:`at_once`."""
    return lambda s: s.post(
        f"{live}/api/v1/quarantine/{entry}/merge", json={"into": into}, headers=auth["lv"]
    )


def test_one_entry_merged_twice_at_once_fills_one_lead(live, http, config, store, auth) -> None:
    """Two merges of one entry into two leads, sent together: one is applied, the
    other is told the entry is already merged, and only one lead got its values."""
    for _ in range(ROUNDS):
        entry, first, second = _entry_and_two_leads(live, http, config, auth)
        answers = at_once(_merge(live, auth, entry, first), _merge(live, auth, entry, second))
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 409], [a.text for a in answers]
        with store.session() as s:
            filled = [i for i in (first, second) if "notes" in s.get(Lead, i).data]
            merges = s.scalars(select(AuditEntry).where(AuditEntry.action == "merge")).all()
            assert len(filled) == 1, filled
            assert len([m for m in merges if m.record_id in (first, second)]) == 1


def test_a_merge_racing_an_erasure_of_its_person_keeps_nothing_and_never_fails(
    live, http, config, store, auth
) -> None:
    """LV merges an entry carrying a person into a blank lead while an admin
    erases that person's lead across the network. The merge's values are the
    person's, so the two take the same person locks, and the erasure then
    scrubs the entry the merge holds: with the entry's row locked first the two
    deadlocked on PostgreSQL and the merge answered 503 (the concurrency
    campaign's seed 256). Now either order completes: no 5xx, and the person
    is in no live lead and no open entry afterwards."""
    for _ in range(ROUNDS):
        n = uuid.uuid4().hex[:8]
        email, phone = f"p{n}@example.lv", f"+37129{int(n, 16) % 10**6:06d}"
        person = http.post(
            f"{live}/api/v1/leads",
            json={"company_name": f"SIA Persona {n}", "country": "LV", "sector": "ict"}
            | {"email": email, "phone": phone},
            headers=auth["lv"],
        )
        assert person.status_code == 201, person.text
        kept = post_signed_form(
            http.post,
            f"{live}/webhooks/forms/lv",
            config.environ["LV_WEBHOOK_SECRET"],
            {"company_name": f"SIA Cits {n}", "country": "Nowhere", "sector": "ict"}
            | {"email": email, "phone": phone, "notes": f"note {n}"},
            timeout=10,
        )
        assert kept.status_code == 422, kept.text
        listed = http.get(f"{live}/api/v1/quarantine?limit=200", headers=auth["lv"]).json()
        entry = next(e["id"] for e in listed["items"] if e["raw"].get("notes") == f"note {n}")
        blank = http.post(
            f"{live}/api/v1/leads",
            json={"company_name": f"SIA Tukšs {n}", "country": "LV", "sector": "ict"},
            headers=auth["lv"],
        ).json()["id"]
        erase = person.json()["id"]
        answers = at_once(
            lambda s, i=erase: s.delete(f"{live}/api/v1/leads/{i}", headers=auth["admin"]),
            _merge(live, auth, entry, blank),
        )
        assert all(a is not None and a.status_code < 500 for a in answers), [
            (a.status_code, a.text) for a in answers if a is not None
        ]
        assert answers[0].status_code == 200, answers[0].text
        with store.session() as s:
            live_leads = s.scalars(select(Lead).where(Lead.erased_at.is_(None))).all()
            assert not [lead.id for lead in live_leads if email in str(lead.data)]
            assert not [lead.id for lead in live_leads if phone in str(lead.data)]
            open_entries = s.scalars(
                select(QuarantineEntry).where(QuarantineEntry.resolved_at.is_(None))
            ).all()
            assert not [e.id for e in open_entries if email in str(e.raw)]
