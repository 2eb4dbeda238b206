"""Quarantine replay / dismiss / merge and conflict resolution through the API."""

from __future__ import annotations

from api_helpers import problem
from seeding import sheet_won_conflict
from sqlalchemy import select

from integration.store import records
from integration.store.models import Lead, QuarantineEntry, SyncRequest


def _lv_sheet_row(session, kind: str, tab: str, row: int, raw: dict, **extra):  # type: ignore[no-untyped-def]
    """A row of LV's sheet held in quarantine, as a sync leaves it."""
    return records.quarantine(
        session,
        kind=kind,
        source="sheet:lv",
        partner="lv",
        tab=tab,
        row_number=row,
        raw=raw,
        errors=[],
        **extra,
    )


def test_replay_after_a_fix_creates_the_lead(client, tokens, store, config) -> None:
    import json

    from integration.webhooks.signatures import standard_headers

    payload = {"company_name": "SIA Labots", "country": "LV", "sector": "mining"}
    body = json.dumps(payload).encode()
    client.post(
        "/webhooks/forms/lv",
        data=body,
        content_type="application/json",
        headers=standard_headers(config.environ["LV_WEBHOOK_SECRET"], "q1", body),
    )
    entries = client.get("/api/v1/quarantine", headers=tokens.lv).get_json()["items"]
    assert len(entries) == 1 and entries[0]["errors"][0]["field"] == "sector"
    url = f"/api/v1/quarantine/{entries[0]['id']}/replay"
    still = problem(client.post(url, json={"data": {"sector": "oil"}}, headers=tokens.lv), 422)
    assert still["errors"][0]["field"] == "sector"
    fixed = client.post(url, json={"data": {"sector": "ict"}}, headers=tokens.lv)
    assert fixed.status_code == 200, fixed.get_json()
    result = fixed.get_json()
    assert result["action"] == "replayed" and result["item"]["resolution"] == "applied"
    with store.session() as s:
        assert s.get(Lead, result["record_id"]).data["sector"] == "ict"
    assert client.get("/api/v1/quarantine", headers=tokens.lv).get_json()["items"] == []
    problem(client.post(url, json={}, headers=tokens.lv), 409)  # already resolved


def test_sheet_row_replay_requests_a_sync_and_dismiss(client, tokens, store) -> None:
    with store.session() as s:
        row = _lv_sheet_row(s, "agreement", "Agreements", 7, {"status": "?"})
        other = _lv_sheet_row(s, "lead", "Leads", 9, {})
        s.flush()
        row_id, other_id = row.id, other.id
    resp = client.post(f"/api/v1/quarantine/{row_id}/replay", headers=tokens.lv)
    assert resp.get_json()["action"] == "sync_requested"
    dismissed = client.post(f"/api/v1/quarantine/{other_id}/dismiss", headers=tokens.lv)
    assert dismissed.get_json()["item"]["resolution"] == "dismissed"
    with store.session() as s:
        tabs = [r.tab for r in s.scalars(select(SyncRequest).order_by(SyncRequest.id))]
        assert tabs == ["agreements", "leads"]
    resolved = client.get("/api/v1/quarantine?status=resolved", headers=tokens.lv).get_json()
    assert [i["id"] for i in resolved["items"]] == [other_id]


def test_merge_duplicate_fills_blank_fields(client, tokens, make_lead, store) -> None:
    lead = make_lead("lv", registration_code="40003521600")
    with store.session() as s:
        entry = _lv_sheet_row(
            s,
            "lead",
            "Leads",
            3,
            {
                "company_name": "Dup",
                "country": "LV",
                "sector": "ict",
                "registration_code": "40003521600",
                "phone": "+37126000000",
                "website": "not a url",
            },
            duplicate_of=lead["id"],
        )
        s.flush()
        entry_id = entry.id
    resp = client.post(f"/api/v1/quarantine/{entry_id}/merge", headers=tokens.lv)
    assert resp.status_code == 200, resp.get_json()
    result = resp.get_json()
    assert result["changed"] == ["phone"]  # the invalid website is not merged
    assert result["record"]["company_name"] == lead["company_name"]
    assert result["item"]["resolution"] == "merged"
    with store.session() as s:
        assert s.get(QuarantineEntry, entry_id).duplicate_of == lead["id"]


def test_resolve_conflict_choosing_a_side(client, tokens, make_lead, store) -> None:
    lead = make_lead("lv", stage="meeting")
    with store.session() as s:
        c = sheet_won_conflict(
            "lv", lead["id"], "stage", base="new", sheet="meeting", store="won", resolved="meeting"
        )
        s.add(c)
        s.flush()
        cid = c.id
    problem(
        client.post(f"/api/v1/conflicts/{cid}/resolve", json={"side": "both"}, headers=tokens.lv),
        422,
    )
    resp = client.post(
        f"/api/v1/conflicts/{cid}/resolve", json={"side": "store"}, headers=tokens.lv
    )
    assert resp.status_code == 200
    assert resp.get_json()["item"]["resolution"] == "chose_store"
    assert client.get(f"/api/v1/leads/{lead['id']}", headers=tokens.lv).get_json()["stage"] == "won"
    problem(
        client.post(f"/api/v1/conflicts/{cid}/resolve", json={"side": "sheet"}, headers=tokens.lv),
        409,
    )
    problem(
        client.post(f"/api/v1/conflicts/{cid}/resolve", json={"side": "sheet"}, headers=tokens.ee),
        404,
    )
    assert (
        client.get("/api/v1/conflicts?status=all", headers=tokens.lv).get_json()["items"][0]["id"]
        == cid
    )


def test_ids_beyond_the_integer_range_are_404(client, tokens) -> None:
    """PostgreSQL would refuse the query; the API answers 'no such item'."""
    for url in ("/api/v1/quarantine/99999999999", "/api/v1/sync-runs/99999999999"):
        problem(client.get(url, headers=tokens.admin), 404)
    problem(client.post("/api/v1/quarantine/99999999999/merge", json={}, headers=tokens.admin), 404)
    problem(
        client.post(
            "/api/v1/conflicts/99999999999/resolve", json={"side": "sheet"}, headers=tokens.admin
        ),
        404,
    )


def test_unknown_query_parameters_are_400(client, tokens) -> None:
    body = problem(client.get("/api/v1/leads?sectr=ict", headers=tokens.admin), 400)
    assert body["errors"][0]["field"] == "sectr"


def test_replay_matching_another_partners_firm_stays_a_linked_duplicate(
    client, tokens, make_lead, store
) -> None:
    ee_lead = make_lead("ee", email="sales@meri.ee", country="EE")
    with store.session() as s:
        entry = records.quarantine(
            s,
            kind="lead",
            source="webhook:lv",
            partner="lv",
            raw={"company_name": "Meri", "country": "EE", "sector": "x", "email": "sales@meri.ee",
                 "phone": "+37251234567"},
            errors=[{"field": "sector", "code": "enum", "message": "Sector: not a sector."}],
        )  # fmt: skip
        s.flush()
        entry_id = entry.id
    url = f"/api/v1/quarantine/{entry_id}/replay"
    body = problem(client.post(url, json={"data": {"sector": "ict"}}, headers=tokens.lv), 409)
    assert body["reason"] == "duplicate"
    assert body["errors"][0]["message"] == f"Duplicate of {ee_lead['id']} (EE)"
    with store.session() as s:
        kept = s.get(QuarantineEntry, entry_id)
        assert kept.resolved_at is None and kept.duplicate_of == ee_lead["id"]
        assert kept.raw["sector"] == "ict"  # the fix is kept with the entry
        assert "phone" not in s.get(Lead, ee_lead["id"]).data
    # LV may not merge it into EE's lead; an admin may
    problem(client.post(f"/api/v1/quarantine/{entry_id}/merge", headers=tokens.lv), 403)
    merged = client.post(f"/api/v1/quarantine/{entry_id}/merge", headers=tokens.admin)
    assert merged.status_code == 200 and merged.get_json()["changed"] == ["phone"]
