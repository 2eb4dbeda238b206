"""Merging a duplicate from the dashboard: the page shows what it fills and lets
staff choose, per field, which value wins; the notice says what was filled (or
that there was nothing to fill); the audit names the dashboard as the channel."""

from __future__ import annotations

import re

from seeding import stored_lead
from sqlalchemy import select

from integration.auth import create_token
from integration.store import records
from integration.store.models import AuditEntry, Lead

BASE = "https://localhost"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def test_dashboard_merge_fills_blanks_takes_a_chosen_value_and_says_so(app, store) -> None:  # type: ignore[no-untyped-def]
    web = app.test_client()
    with store.session() as s:
        _, secret = create_token(s, "lv", "lv")
        lead = stored_lead(
            s,
            {"partner": "lv", "company_name": "SIA Gaisma", "country": "LV", "sector": "ict",
             "email": "info@gaisma.lv", "notes": "Vecā piezīme"},
            source="api",
        )  # fmt: skip
        s.flush()

        def entry(**values: str) -> int:
            kept = records.quarantine(
                s,
                kind="lead",
                source="webhook:lv",
                partner="lv",
                raw={"company_name": "SIA Gaisma", "country": "LV", "sector": "ict",
                     "email": "info@gaisma.lv", **values},
                errors=[{"field": "", "code": "duplicate", "message": "x"}],
                duplicate_of=lead.id,
            )  # fmt: skip
            s.flush()
            return kept.id

        chosen, nothing = entry(notes="Jaunā piezīme", phone="+37129111666"), entry()
    page = web.get("/dashboard/signin", base_url=BASE)
    web.post(
        "/dashboard/signin", data={"token": secret, "csrf_token": csrf_of(page.text)}, base_url=BASE
    )
    fix = web.get("/dashboard/fix", base_url=BASE).text
    assert 'name="choose:notes" value="entry"' in fix
    token = csrf_of(fix)
    answer = web.post(
        f"/dashboard/fix/quarantine/{chosen}",
        data={"csrf_token": token, "action": "merge", "choose:notes": "entry"},
        base_url=BASE,
    )
    assert answer.status_code == 302
    shown = web.get("/dashboard/fix", base_url=BASE).text
    assert f"Merged into {lead.id}" in shown or f"Apvienots ar {lead.id}" in shown
    answer = web.post(
        f"/dashboard/fix/quarantine/{nothing}",
        data={"csrf_token": token, "action": "merge"},
        base_url=BASE,
    )
    assert answer.status_code == 302
    shown = web.get("/dashboard/fix", base_url=BASE).text
    assert "Nothing to fill" in shown or "Nav ko papildināt" in shown
    with store.session() as s:
        data = s.get(Lead, lead.id).data
        assert data["notes"] == "Jaunā piezīme" and data["phone"] == "+37129111666"
        merges = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.record_id == lead.id, AuditEntry.action == "merge")
            .order_by(AuditEntry.id)
        ).all()
        assert [m.source for m in merges] == ["dashboard", "dashboard"]
        assert merges[0].changes == {"filled": ["phone"], "replaced": ["notes"], "kept": []}
        assert merges[1].changes == {"filled": [], "replaced": [], "kept": []}
