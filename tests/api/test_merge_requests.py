"""Cross-partner duplicates through the API (#23): a partner whose form
submission is another partner's firm sees only the minimal card of that lead,
asks its owner to merge, and the owner accepts (the one guarded merge) or
declines; both read the outcome. The attacker cases hold one partner's token.
Real HTTP to the app, the real form webhook, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from seeding import stored_lead
from signed_forms import post_signed_form
from sqlalchemy import select

from integration.auth import create_token
from integration.store.models import AuditEntry, Lead, MergeRequest, QuarantineEntry

COUNTRY = {"lv": "LV", "ee": "EE", "fi": "FI"}


@pytest.fixture
def tokens(store: Any) -> dict[str, dict[str, str]]:
    out = {}
    with store.session() as s:
        for who in ("lv", "ee", "fi"):
            out[who] = {"Authorization": f"Bearer {create_token(s, who, partner=who)[1]}"}
        out["admin"] = {"Authorization": f"Bearer {create_token(s, 'admin', partner=None)[1]}"}
    return out


def owner_lead(store: Any, owner: str, **extra: Any) -> tuple[str, str]:
    n = uuid.uuid4().hex[:8]
    with store.session() as s:
        lead = stored_lead(
            s,
            {
                "partner": owner,
                "company_name": f"Firm {n}",
                "country": COUNTRY[owner],
                "sector": "ict",
                "email": f"info@{n}.example.com",
                "contact_name": "Owner Person",
                "phone": f"+37129{int(n, 16) % 10**6:06d}",
                **extra,
            },
            source="api",
        )
        s.flush()
        return lead.id, lead.data["email"]


def duplicate_by_form(
    client: Any, config: Any, requester: str, email: str, name: str, **extra: str
) -> int:
    """The requester's own form posts the owner's firm: kept as a linked duplicate."""
    resp = post_signed_form(
        client.post,
        f"/webhooks/forms/{requester}",
        config.environ[f"{requester.upper()}_WEBHOOK_SECRET"],
        {
            "company_name": name,
            "country": "AZ",
            "sector": "ict",
            "email": email,
            "website": "https://requester.example.com",
            "notes": f"notes of {requester}",
            **extra,
        },
    )
    assert resp.status_code == 202, resp.get_data(as_text=True)
    return int(resp.get_json()["quarantine_id"])


@pytest.mark.parametrize(("owner", "requester"), [("lv", "ee"), ("ee", "lv")])
def test_card_request_accept_both_ways(
    client: Any, store: Any, config: Any, tokens: Any, owner: str, requester: str
) -> None:
    lead_id, email = owner_lead(store, owner)
    with store.session() as s:
        name = s.get(Lead, lead_id).data["company_name"]
    entry = duplicate_by_form(client, config, requester, email, name)
    me, them = tokens[requester], tokens[owner]
    # the full record stays hidden; the card names the firm, the chamber and the id only
    assert client.get(f"/api/v1/leads/{lead_id}", headers=me).status_code == 404
    card = client.get(f"/api/v1/leads/{lead_id}/card", headers=me)
    assert card.status_code == 200
    assert set(card.get_json()) == {"id", "company_name", "owner", "owner_name"}
    assert card.get_json()["owner"] == owner and card.get_json()["company_name"] == name
    body = card.get_data(as_text=True)
    assert email not in body and "Owner Person" not in body and "+371" not in body
    on_entry = client.get(f"/api/v1/quarantine/{entry}/card", headers=me).get_json()
    assert on_entry["id"] == lead_id and on_entry["merge_request"] is None

    filed = client.post(f"/api/v1/quarantine/{entry}/merge-request", headers=me, json={})
    assert filed.status_code == 201, filed.get_data(as_text=True)
    request_id = filed.get_json()["id"]
    # one open request per pair: a second ask is refused
    again = client.post(f"/api/v1/quarantine/{entry}/merge-request", headers=me, json={})
    assert again.status_code == 409
    # the requester never answers its own request
    own = client.post(f"/api/v1/merge-requests/{request_id}/accept", headers=me, json={})
    assert own.status_code == 403

    # the owner's queue: both rows side by side
    queue = client.get("/api/v1/merge-requests", headers=them).get_json()
    [item] = [r for r in queue["to_decide"] if r["id"] == request_id]
    assert item["lead"]["id"] == lead_id and item["requester_values"]["notes"] == (
        f"notes of {requester}"
    )
    accepted = client.post(f"/api/v1/merge-requests/{request_id}/accept", headers=them, json={})
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    assert accepted.get_json()["request"]["status"] == "accepted"
    assert "notes" in accepted.get_json()["filled"]
    with store.session() as s:
        lead = s.get(Lead, lead_id)
        assert lead.partner == owner and lead.data["notes"] == f"notes of {requester}"
        assert lead.data["website"] == "https://requester.example.com"
        assert s.get(QuarantineEntry, entry).resolution == "merged"
    # the outcome, for both
    mine = client.get("/api/v1/merge-requests", headers=me).get_json()
    assert [r["status"] for r in mine["filed"] if r["id"] == request_id] == ["accepted"]
    theirs = client.get("/api/v1/merge-requests", headers=them).get_json()
    assert [r["status"] for r in theirs["decided"] if r["id"] == request_id] == ["accepted"]
    assert (
        client.get(f"/api/v1/quarantine/{entry}/card", headers=me).get_json()["merge_request"][
            "status"
        ]
        == "accepted"
    )
    # accepting twice changes nothing more
    twice = client.post(f"/api/v1/merge-requests/{request_id}/accept", headers=them, json={})
    assert twice.status_code == 409


def test_decline_is_shown_to_both_and_cannot_be_asked_again(
    client: Any, store: Any, config: Any, tokens: Any
) -> None:
    lead_id, email = owner_lead(store, "lv")
    with store.session() as s:
        name = s.get(Lead, lead_id).data["company_name"]
        before = dict(s.get(Lead, lead_id).data)
    entry = duplicate_by_form(client, config, "ee", email, name)
    request_id = client.post(
        f"/api/v1/quarantine/{entry}/merge-request", headers=tokens["ee"], json={}
    ).get_json()["id"]
    no = client.post(
        f"/api/v1/merge-requests/{request_id}/decline",
        headers=tokens["lv"],
        json={"reason": "Not the same branch"},
    )
    assert no.status_code == 200 and no.get_json()["status"] == "declined"
    mine = client.get(f"/api/v1/quarantine/{entry}/card", headers=tokens["ee"]).get_json()
    assert mine["merge_request"]["status"] == "declined"
    assert mine["merge_request"]["reason"] == "Not the same branch"
    theirs = client.get("/api/v1/merge-requests", headers=tokens["lv"]).get_json()
    assert [r["status"] for r in theirs["decided"] if r["id"] == request_id] == ["declined"]
    assert (
        client.post(
            f"/api/v1/quarantine/{entry}/merge-request", headers=tokens["ee"], json={}
        ).status_code
        == 403
    )
    # nor by sending the same firm again: a new entry, the same answer
    other = duplicate_by_form(client, config, "ee", email, name, notes="second copy")
    assert other != entry
    resent = client.post(f"/api/v1/quarantine/{other}/merge-request", headers=tokens["ee"], json={})
    assert resent.status_code == 403 and "declined" in resent.get_data(as_text=True)
    with store.session() as s:
        assert s.get(Lead, lead_id).data == before
        assert s.get(QuarantineEntry, entry).resolved_at is None  # EE keeps its row
        assert s.scalar(
            select(AuditEntry.id).where(
                AuditEntry.record_id == lead_id, AuditEntry.action == "merge_declined"
            )
        )


def test_attacker_with_one_partners_token(
    client: Any, store: Any, config: Any, tokens: Any
) -> None:
    lead_id, email = owner_lead(store, "lv")
    other_lead, _ = owner_lead(store, "lv")  # no EE row names this one
    fi_lead, _ = owner_lead(store, "fi")
    with store.session() as s:
        name = s.get(Lead, lead_id).data["company_name"]
    entry = duplicate_by_form(client, config, "ee", email, name)
    ee, fi, lv = tokens["ee"], tokens["fi"], tokens["lv"]
    # id probing: a lead no row of yours names is "not found", like one that does not exist
    for probe in (other_lead, fi_lead, "L-999999", "nonsense"):
        assert client.get(f"/api/v1/leads/{probe}/card", headers=ee).status_code == 404
    # a third partner sees neither the card nor the entry nor the request
    assert client.get(f"/api/v1/leads/{lead_id}/card", headers=fi).status_code == 404
    assert client.get(f"/api/v1/quarantine/{entry}/card", headers=fi).status_code == 404
    assert (
        client.post(f"/api/v1/quarantine/{entry}/merge-request", headers=fi, json={}).status_code
        == 404
    )
    # nothing beyond the card: no record, no agreements, no history through any route
    assert client.get(f"/api/v1/leads/{lead_id}", headers=ee).status_code == 404
    listed = client.get("/api/v1/leads?q=" + name, headers=ee).get_data(as_text=True)
    assert lead_id not in listed
    # a body naming another firm is ignored: the request goes to what the row names
    filed = client.post(
        f"/api/v1/quarantine/{entry}/merge-request", headers=ee, json={"lead_id": other_lead}
    )
    assert filed.status_code in (201, 400), filed.get_data(as_text=True)
    if filed.status_code == 201:
        assert filed.get_json()["lead_id"] == lead_id
    else:
        filed = client.post(f"/api/v1/quarantine/{entry}/merge-request", headers=ee, json={})
    request_id = filed.get_json()["id"]
    # the owner cannot file on the requester's row; an admin merges directly instead
    assert (
        client.post(f"/api/v1/quarantine/{entry}/merge-request", headers=lv, json={}).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/quarantine/{entry}/merge-request", headers=tokens["admin"], json={}
        ).status_code
        == 403
    )
    # nobody but the owner (or an admin) answers; the third partner cannot even see it
    for who, status in ((ee, 403), (fi, 404)):
        for verb in ("accept", "decline"):
            resp = client.post(f"/api/v1/merge-requests/{request_id}/{verb}", headers=who, json={})
            assert resp.status_code == status, (verb, resp.get_data(as_text=True))
    assert all(
        r["id"] != request_id
        for part in client.get("/api/v1/merge-requests", headers=fi).get_json().values()
        for r in part
    )
    # the lead moved to a third partner meanwhile: its old owner may no longer merge into it
    with store.session() as s:
        moved = s.get(Lead, lead_id)
        moved.partner = "fi"
        moved.data = {**moved.data, "partner": "fi"}
    resp = client.post(f"/api/v1/merge-requests/{request_id}/accept", headers=lv, json={})
    assert resp.status_code == 403
    with store.session() as s:
        assert "notes" not in s.get(Lead, lead_id).data
        assert s.get(MergeRequest, request_id).status == "open"


def test_erasure_of_either_record_ends_the_request(
    client: Any, store: Any, config: Any, tokens: Any
) -> None:
    for erased_by in ("owner", "requester"):
        lead_id, email = owner_lead(store, "lv")
        with store.session() as s:
            name = s.get(Lead, lead_id).data["company_name"]
        phone = f"+3725{uuid.uuid4().int % 10_000_000:07d}"
        entry = duplicate_by_form(client, config, "ee", email, name, phone=phone)
        request_id = client.post(
            f"/api/v1/quarantine/{entry}/merge-request", headers=tokens["ee"], json={}
        ).get_json()["id"]
        if erased_by == "owner":
            resp = client.delete(f"/api/v1/leads/{lead_id}", headers=tokens["lv"])
            assert resp.status_code == 200
            card = client.get(f"/api/v1/leads/{lead_id}/card", headers=tokens["ee"])
            assert card.status_code == 404
        else:  # EE's own lead of the same person (phone): its erasure scrubs EE's row
            with store.session() as s:
                own = stored_lead(
                    s,
                    {"partner": "ee", "company_name": f"Other {phone}", "country": "AZ",
                     "sector": "ict", "phone": phone},
                    source="api",
                )  # fmt: skip
                s.flush()
                own_id = own.id
            assert client.delete(f"/api/v1/leads/{own_id}", headers=tokens["ee"]).status_code == 200
        with store.session() as s:
            assert s.get(MergeRequest, request_id).status == "ended", erased_by
        resp = client.post(
            f"/api/v1/merge-requests/{request_id}/accept", headers=tokens["lv"], json={}
        )
        assert resp.status_code == 409


def test_accept_and_decline_at_once_one_lands(
    client: Any, store: Any, config: Any, tokens: Any
) -> None:
    """Two answers sent together (a double click, two staff members): exactly one
    decides the request; the other is told it is decided, and never both land."""
    from concurrently import run_concurrently

    lead_id, email = owner_lead(store, "lv")
    with store.session() as s:
        name = s.get(Lead, lead_id).data["company_name"]
    entry = duplicate_by_form(client, config, "ee", email, name)
    request_id = client.post(
        f"/api/v1/quarantine/{entry}/merge-request", headers=tokens["ee"], json={}
    ).get_json()["id"]
    answers: dict[str, int] = {}

    def answer(verb: str) -> None:
        resp = client.application.test_client().post(
            f"/api/v1/merge-requests/{request_id}/{verb}", headers=tokens["lv"], json={}
        )
        answers[verb] = resp.status_code

    assert run_concurrently(answer, ["accept", "decline"]) == []
    assert sorted(answers.values()) == [200, 409], answers
    with store.session() as s:
        status = s.get(MergeRequest, request_id).status
        merged = s.get(QuarantineEntry, entry).resolution == "merged"
        notes = s.get(Lead, lead_id).data.get("notes")
    winner = next(verb for verb, code in answers.items() if code == 200)
    assert status == {"accept": "accepted", "decline": "declined"}[winner]
    assert merged == (winner == "accept") and (notes is not None) == (winner == "accept")


def test_accept_never_brings_a_third_partners_firm_into_the_lead(
    client: Any, store: Any, config: Any, tokens: Any
) -> None:
    """EE's row names LV's firm by e-mail but carries the registration code of a
    firm FI holds: LV's accept is refused and neither lead changes."""
    from integration.store import records

    lead_id, email = owner_lead(store, "lv")
    with store.session() as s:
        fi_lead = stored_lead(
            s,
            {"partner": "fi", "company_name": "Alfa Oy", "country": "FI", "sector": "ict",
             "registration_code": "1000000-4"},
            source="api",
        )  # fmt: skip
        s.flush()
        fi_id, fi_before = fi_lead.id, dict(fi_lead.data)
        lv_before = dict(s.get(Lead, lead_id).data)
        entry = records.quarantine(
            s,
            kind="lead",
            source="webhook:ee",
            partner="ee",
            raw={"company_name": lv_before["company_name"], "country": "FI", "sector": "ict",
                 "email": email, "registration_code": "1000000-4"},
            errors=[{"field": "", "code": "duplicate", "params": {"id": lead_id, "key": "email"}}],
            duplicate_of=lead_id,
        )  # fmt: skip
        s.flush()
        entry_id = entry.id
    request_id = client.post(
        f"/api/v1/quarantine/{entry_id}/merge-request", headers=tokens["ee"], json={}
    ).get_json()["id"]
    resp = client.post(f"/api/v1/merge-requests/{request_id}/accept", headers=tokens["lv"], json={})
    assert resp.status_code == 409, resp.get_data(as_text=True)
    with store.session() as s:
        assert s.get(Lead, lead_id).data == lv_before
        assert s.get(Lead, fi_id).data == fi_before
        assert s.get(MergeRequest, request_id).status == "open"


def test_a_row_changed_after_asking_ends_the_request_and_is_never_merged(
    client: Any, store: Any, config: Any, tokens: Any
) -> None:
    """The requester rewrites its row after asking (a replay with new values,
    still the owner's firm): the owner's accept merges nothing of it, the
    request is over for both, and the requester may ask again about the row as
    it is now; the owner then reviews and merges those values."""
    lead_id, email = owner_lead(store, "lv")
    with store.session() as s:
        name = s.get(Lead, lead_id).data["company_name"]
    entry = duplicate_by_form(client, config, "ee", email, name)
    me, them = tokens["ee"], tokens["lv"]
    filed = client.post(f"/api/v1/quarantine/{entry}/merge-request", headers=me, json={})
    assert filed.status_code == 201
    request_id = filed.get_json()["id"]
    reviewed = client.get("/api/v1/merge-requests", headers=them).get_json()["to_decide"]
    assert [r["requester_values"]["notes"] for r in reviewed if r["id"] == request_id] == [
        "notes of ee"
    ]
    swapped = {"notes": "Pay the deposit to LV99 EVIL today", "website": "https://evil.example"}
    replay = client.post(f"/api/v1/quarantine/{entry}/replay", headers=me, json={"data": swapped})
    assert replay.status_code == 409  # still the owner's firm: kept as a duplicate
    accept = client.post(f"/api/v1/merge-requests/{request_id}/accept", headers=them, json={})
    assert accept.status_code == 409, accept.get_data(as_text=True)
    with store.session() as s:
        data = s.get(Lead, lead_id).data
        assert "EVIL" not in str(data) and data.get("website") != "https://evil.example"
        assert s.get(MergeRequest, request_id).status == "ended"
    queue = client.get("/api/v1/merge-requests", headers=them).get_json()["to_decide"]
    assert all(r["id"] != request_id for r in queue)
    # asked again, the owner sees (and merges) the row as it is now
    again = client.post(f"/api/v1/quarantine/{entry}/merge-request", headers=me, json={})
    assert again.status_code == 201, again.get_data(as_text=True)
    [item] = [
        r
        for r in client.get("/api/v1/merge-requests", headers=them).get_json()["to_decide"]
        if r["id"] == again.get_json()["id"]
    ]
    assert item["requester_values"]["notes"] == swapped["notes"]


def test_a_lead_moved_to_another_partner_ends_the_request_so_the_new_owner_can_be_asked(
    client: Any, store: Any, config: Any, tokens: Any
) -> None:
    lead_id, email = owner_lead(store, "lv")
    with store.session() as s:
        name = s.get(Lead, lead_id).data["company_name"]
    entry = duplicate_by_form(client, config, "ee", email, name)
    filed = client.post(f"/api/v1/quarantine/{entry}/merge-request", headers=tokens["ee"], json={})
    assert filed.status_code == 201
    moved = client.patch(
        f"/api/v1/leads/{lead_id}", headers=tokens["admin"], json={"partner": "fi"}
    )
    assert moved.status_code == 200, moved.get_data(as_text=True)
    with store.session() as s:
        assert s.get(MergeRequest, filed.get_json()["id"]).status == "ended"
    # the old owner no longer decides it; the requester asks the new one
    again = client.post(f"/api/v1/quarantine/{entry}/merge-request", headers=tokens["ee"], json={})
    assert again.status_code == 201, again.get_data(as_text=True)
    with store.session() as s:
        assert s.get(MergeRequest, again.get_json()["id"]).owner == "fi"


def test_every_change_names_the_token_that_made_it(
    client: Any, store: Any, config: Any, tokens: Any
) -> None:
    """The history of a create, a merge request, its accept (and the update it
    writes) and an erasure names the API token behind each; a sync or a form
    names none. The owner's record page shows the ask as the chamber's, not
    the other chamber's token name."""
    lead_id, email = owner_lead(store, "lv")
    with store.session() as s:
        name = s.get(Lead, lead_id).data["company_name"]
    made = client.post(
        "/api/v1/leads",
        headers=tokens["lv"],
        json={"company_name": "SIA Jauna", "country": "LV", "sector": "ict", "role": "seller"},
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    entry = duplicate_by_form(client, config, "ee", email, name)
    filed = client.post(f"/api/v1/quarantine/{entry}/merge-request", headers=tokens["ee"], json={})
    assert filed.status_code == 201
    accept = client.post(
        f"/api/v1/merge-requests/{filed.get_json()['id']}/accept", headers=tokens["lv"], json={}
    )
    assert accept.status_code == 200, accept.get_data(as_text=True)
    erased = client.delete(f"/api/v1/leads/{made.get_json()['id']}", headers=tokens["lv"])
    assert erased.status_code in (200, 204), erased.get_data(as_text=True)
    with store.session() as s:
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.record_id.in_([lead_id, made.get_json()["id"]]))
        ).all()
        by_action = {(e.record_id, e.action): e.actor for e in entries}
    new_id = made.get_json()["id"]
    assert by_action[(new_id, "create")] == "lv"
    assert by_action[(new_id, "erase")] == "lv"
    assert by_action[(lead_id, "merge_requested")] == "ee"
    assert by_action[(lead_id, "merge")] == "lv"
    assert by_action.get((lead_id, "update"), "lv") == "lv"
    assert by_action[(lead_id, "create")] is None  # stored by the test's own seeding
