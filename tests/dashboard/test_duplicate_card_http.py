"""Cross-partner duplicates on the dashboard over real HTTP (Flask's client),
on SQLite and PostgreSQL (#23): decline shown to both, and what an attacker
signed in as one partner cannot do (read beyond the card, probe ids, ask about
a firm no row of its names, answer its own request, act as a third partner)."""

from __future__ import annotations

import uuid
from typing import Any

from dashboard_client import BASE, csrf_of, sign_in
from seeding import stored_lead
from signed_forms import post_signed_form

from integration.auth import create_token
from integration.store.models import Lead, MergeRequest, QuarantineEntry


def _world(app: Any, store: Any, config: Any) -> dict[str, Any]:
    n = uuid.uuid4().hex[:8]
    with store.session() as s:
        lead = stored_lead(
            s,
            {"partner": "lv", "company_name": f"SIA Firma {n}", "country": "LV", "sector": "ict",
             "email": f"info@{n}.lv", "contact_name": "Jānis Ozols", "notes": "LV notes"},
            source="api",
        )  # fmt: skip
        lone = stored_lead(
            s,
            {"partner": "lv", "company_name": f"SIA Cita {n}", "country": "LV", "sector": "ict"},
            source="api",
        )
        s.flush()
        ids = {"lead": lead.id, "lone": lone.id, "name": lead.data["company_name"]}
        ids["email"] = lead.data["email"]
        for who in ("lv", "ee", "fi"):
            ids[who] = create_token(s, f"{who} staff", who)[1]
    resp = post_signed_form(
        app.test_client().post,
        "/webhooks/forms/ee",
        config.environ["EE_WEBHOOK_SECRET"],
        {"company_name": ids["name"], "country": "AZ", "sector": "ict", "email": ids["email"],
         "phone": "+3725" + str(int(n, 16) % 10_000_000).zfill(7)},
    )  # fmt: skip
    assert resp.status_code == 202, resp.get_data(as_text=True)
    ids["entry"] = resp.get_json()["quarantine_id"]
    return ids


def _client(app: Any, secret: str) -> tuple[Any, str]:
    web = app.test_client()
    assert sign_in(web, secret).status_code == 302
    return web, csrf_of(web.get("/dashboard/fix", base_url=BASE).text)


def _ask(web: Any, csrf: str, store: Any, entry_id: int) -> int:
    """The requester asks from its Needs-fixing page; the request's id."""
    asked = web.post(
        f"/dashboard/fix/quarantine/{entry_id}/merge-request",
        data={"csrf_token": csrf},
        base_url=BASE,
    )
    assert asked.status_code == 302
    with store.session() as s:
        (request,) = s.query(MergeRequest).filter_by(entry_id=entry_id).all()
        return request.id


def test_decline_is_shown_to_both(app: Any, store: Any, config: Any) -> None:
    w = _world(app, store, config)
    ee, ee_csrf = _client(app, w["ee"])
    lv, lv_csrf = _client(app, w["lv"])
    card = ee.get(f"/dashboard/leads/{w['lead']}", base_url=BASE)
    assert card.status_code == 200 and "data-duplicate-card" in card.text
    for hidden in (w["email"], "Jānis", "LV notes", "history-table"):
        assert hidden not in card.text, hidden
    asked = ee.post(
        f"/dashboard/fix/quarantine/{w['entry']}/merge-request",
        data={"csrf_token": ee_csrf},
        base_url=BASE,
    )
    assert asked.status_code == 302
    queue = lv.get("/dashboard/fix", base_url=BASE).text
    assert "data-side-by-side" in queue and "LV notes" in queue
    with store.session() as s:
        (request,) = s.query(MergeRequest).filter_by(entry_id=w["entry"]).all()
        request_id = request.id
    answer = lv.post(
        f"/dashboard/fix/merge-requests/{request_id}",
        data={"csrf_token": lv_csrf, "action": "decline", "reason": "Cits uzņēmums"},
        base_url=BASE,
    )
    assert answer.status_code == 302
    assert 'data-merge-status="declined"' in lv.get("/dashboard/fix", base_url=BASE).text
    mine = ee.get("/dashboard/fix", base_url=BASE).text
    assert 'data-merge-status="declined"' in mine and "Cits uzņēmums" in mine
    assert 'data-ask-merge="' not in mine  # a declined pair is not asked again
    again = ee.post(
        f"/dashboard/fix/quarantine/{w['entry']}/merge-request",
        data={"csrf_token": ee_csrf},
        base_url=BASE,
    )
    assert again.status_code == 302
    with store.session() as s:
        assert s.query(MergeRequest).filter_by(entry_id=w["entry"]).count() == 1
        assert s.get(Lead, w["lead"]).data.get("phone") is None
        assert s.get(QuarantineEntry, w["entry"]).resolved_at is None


def test_attacker_signed_in_as_one_partner(app: Any, store: Any, config: Any) -> None:
    w = _world(app, store, config)
    ee, ee_csrf = _client(app, w["ee"])
    fi, fi_csrf = _client(app, w["fi"])
    lv, lv_csrf = _client(app, w["lv"])
    # id probing: a lead no row of EE's names, one that does not exist, any FI asks about
    for who, record in ((ee, w["lone"]), (ee, "L-999999"), (fi, w["lead"]), (fi, w["lone"])):
        assert who.get(f"/dashboard/leads/{record}", base_url=BASE).status_code == 404
    # the card's page never links into the owner's agreements or history
    assert ee.get(f"/dashboard/leads/{w['lead']}", base_url=BASE).status_code == 200
    # a third partner cannot ask on EE's row; the owner cannot ask on it either
    for who, token in ((fi, fi_csrf), (lv, lv_csrf)):
        resp = who.post(
            f"/dashboard/fix/quarantine/{w['entry']}/merge-request",
            data={"csrf_token": token},
            base_url=BASE,
        )
        assert resp.status_code == 404
    ee.post(
        f"/dashboard/fix/quarantine/{w['entry']}/merge-request",
        data={"csrf_token": ee_csrf},
        base_url=BASE,
    )
    with store.session() as s:
        (request,) = s.query(MergeRequest).filter_by(entry_id=w["entry"]).all()
        request_id = request.id
        assert request.lead_id == w["lead"] and request.owner == "lv"
    # FI: not found; EE: refused (its own request); nothing merged
    assert (
        fi.post(
            f"/dashboard/fix/merge-requests/{request_id}",
            data={"csrf_token": fi_csrf, "action": "accept"},
            base_url=BASE,
        ).status_code
        == 404
    )
    own = ee.post(
        f"/dashboard/fix/merge-requests/{request_id}",
        data={"csrf_token": ee_csrf, "action": "accept"},
        base_url=BASE,
    )
    assert own.status_code == 302
    for who in (fi, ee):
        assert 'data-accept-merge="' not in who.get("/dashboard/fix", base_url=BASE).text
    with store.session() as s:
        assert s.get(MergeRequest, request_id).status == "open"
        assert s.get(Lead, w["lead"]).data.get("phone") is None
    # the owner accepts: EE's phone fills LV's blank, LV's own values stay
    lv.post(
        f"/dashboard/fix/merge-requests/{request_id}",
        data={"csrf_token": lv_csrf, "action": "accept"},
        base_url=BASE,
    )
    with store.session() as s:
        data = s.get(Lead, w["lead"]).data
        assert data["phone"].startswith("+3725") and data["notes"] == "LV notes"
        assert s.get(MergeRequest, request_id).status == "accepted"
    assert 'data-merge-status="accepted"' in ee.get("/dashboard/fix", base_url=BASE).text
    # after the merge EE still reads only the card
    after = ee.get(f"/dashboard/leads/{w['lead']}", base_url=BASE).text
    assert "LV notes" not in after and w["email"] not in after


def test_a_row_changed_after_asking_is_refused_in_the_owners_language(
    app: Any, store: Any, config: Any
) -> None:
    """EE asks, then rewrites its row over the API; LV staff (Latvian) accept on
    the page LV opened before: nothing of the new values lands, the flash says
    why in Latvian, and EE's own answer of an LV request is refused in words too."""
    w = _world(app, store, config)
    ee, ee_csrf = _client(app, w["ee"])
    lv, lv_csrf = _client(app, w["lv"])
    request_id = _ask(ee, ee_csrf, store, w["entry"])
    replay = app.test_client().post(
        f"/api/v1/quarantine/{w['entry']}/replay",
        headers={"Authorization": f"Bearer {w['ee']}"},
        json={"data": {"notes": "Pay the deposit to LV99 EVIL", "website": "https://evil.example"}},
    )
    assert replay.status_code == 409
    own = ee.post(
        f"/dashboard/fix/merge-requests/{request_id}",
        data={"csrf_token": ee_csrf, "action": "accept"},
        base_url=BASE,
    )
    assert own.status_code == 302
    answer = lv.post(
        f"/dashboard/fix/merge-requests/{request_id}",
        data={"csrf_token": lv_csrf, "action": "accept"},
        base_url=BASE,
    )
    assert answer.status_code == 302
    page = lv.get(answer.headers["Location"], base_url=BASE).text
    # the replay ended the request (it named other values): it is over, in Latvian
    assert "Šis apvienošanas lūgums ir beidzies" in page, page
    with store.session() as s:
        data = s.get(Lead, w["lead"]).data
        assert "EVIL" not in str(data) and "website" not in data
        assert s.get(QuarantineEntry, w["entry"]).resolved_at is None


def test_the_merge_in_the_history_reads_in_the_viewers_language(
    app: Any, store: Any, config: Any
) -> None:
    """After LV accepts EE's row, LV's lead page (Latvian) says what the merge
    filled with field names in Latvian, no raw keys, no empty part."""
    w = _world(app, store, config)
    ee, ee_csrf = _client(app, w["ee"])
    lv, lv_csrf = _client(app, w["lv"])
    request_id = _ask(ee, ee_csrf, store, w["entry"])
    answer = lv.post(
        f"/dashboard/fix/merge-requests/{request_id}",
        data={"csrf_token": lv_csrf, "action": "accept"},
        base_url=BASE,
    )
    assert answer.status_code == 302
    page = lv.get(f"/dashboard/leads/{w['lead']}", base_url=BASE).text
    history = page.split('id="history-table"', 1)[1]
    assert 'data-merge-part="filled"' in history and "Aizpildīts" in history
    assert "Tālrunis" in history  # the phone the row brought, named as LV names it
    for raw in ("filled", "replaced", "kept", "phone"):
        assert f">{raw}" not in history and f" {raw}<" not in history, raw
