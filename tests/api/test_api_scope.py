"""Bearer tokens and partner scoping: other partners' records are 404, not 403."""

from __future__ import annotations

from api_helpers import problem

from integration.auth import create_token, revoke_token


def test_missing_unknown_and_revoked_tokens_are_401(client, store) -> None:
    body = problem(client.get("/api/v1/leads"), 401)
    assert "Bearer" in body["detail"]
    resp = client.get("/api/v1/leads", headers={"Authorization": "Bearer lcs_nope"})
    problem(resp, 401)
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    with store.session() as s:
        token, secret = create_token(s, "temp", "lv")
        token_id = token.id
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/leads", headers=auth).status_code == 200
    with store.session() as s:
        revoke_token(s, token_id)
    problem(client.get("/api/v1/leads", headers=auth), 401)


def test_partner_token_cannot_see_or_change_other_partners_leads(client, tokens, make_lead) -> None:
    ee_lead = make_lead("ee")
    lv_lead = make_lead("lv")
    url = f"/api/v1/leads/{ee_lead['id']}"
    assert problem(client.get(url, headers=tokens.lv), 404)["detail"] == "No such lead."
    problem(client.patch(url, json={"stage": "won"}, headers=tokens.lv), 404)
    problem(client.delete(url, headers=tokens.lv), 404)
    listed = client.get("/api/v1/leads", headers=tokens.lv).get_json()["items"]
    assert [i["id"] for i in listed] == [lv_lead["id"]]
    problem(client.get("/api/v1/leads?partner=ee", headers=tokens.lv), 404)
    # A missing id and a hidden id look the same.
    missing = client.get("/api/v1/leads/L-999999", headers=tokens.lv)
    assert missing.get_json() == client.get(url, headers=tokens.lv).get_json()
    assert client.get(url, headers=tokens.admin).status_code == 200
    assert client.get(url, headers=tokens.ee).status_code == 200


def test_agreements_visible_to_reporter_and_party_owners(client, tokens, make_lead) -> None:
    lv_seller = make_lead("lv")
    az_buyer = make_lead("fi", country="AZ")
    ee_seller = make_lead("ee")

    def sold_to_az_buyer(seller: dict, status: str, reporter: str) -> dict:
        body = {
            "seller_id": seller["id"],
            "buyer_id": az_buyer["id"],
            "status": status,
            "reporting_partner": reporter,
        }
        return client.post("/api/v1/agreements", json=body, headers=tokens.admin).get_json()

    fi_reported = sold_to_az_buyer(lv_seller, "negotiating", "fi")
    ee_only = sold_to_az_buyer(ee_seller, "draft", "ee")
    # lv owns the seller of the first: sees it; not the second.
    lv_list = client.get("/api/v1/agreements", headers=tokens.lv).get_json()["items"]
    assert [a["id"] for a in lv_list] == [fi_reported["id"]]
    problem(client.get(f"/api/v1/agreements/{ee_only['id']}", headers=tokens.lv), 404)
    ee_list = client.get("/api/v1/agreements", headers=tokens.ee).get_json()["items"]
    assert [a["id"] for a in ee_list] == [ee_only["id"]]
    # A partner cannot name a party it cannot see.
    sneaky = {"seller_id": lv_seller["id"], "buyer_id": ee_seller["id"], "status": "draft"}
    resp = client.post("/api/v1/agreements", json=sneaky, headers=tokens.lv)
    assert problem(resp, 422)["errors"][0]["field"] == "buyer_id"


def test_partner_token_sees_only_its_review_items_and_runs(client, tokens, store) -> None:
    from integration.store import records
    from integration.store.models import SyncRun

    with store.session() as s:
        q = records.quarantine(
            s, kind="lead", source="webhook:ee", raw={"x": 1}, errors=[], partner="ee"
        )
        s.add(SyncRun(partner="ee", trigger="cli", outcome="ok"))
        s.flush()
        qid = q.id
    assert client.get("/api/v1/quarantine", headers=tokens.lv).get_json()["items"] == []
    problem(client.get(f"/api/v1/quarantine/{qid}", headers=tokens.lv), 404)
    problem(client.post(f"/api/v1/quarantine/{qid}/dismiss", headers=tokens.lv), 404)
    assert client.get("/api/v1/sync-runs", headers=tokens.lv).get_json()["items"] == []
    assert len(client.get("/api/v1/sync-runs", headers=tokens.ee).get_json()["items"]) == 1
    assert len(client.get("/api/v1/quarantine", headers=tokens.admin).get_json()["items"]) == 1


def test_sync_request_scope(client, tokens, store) -> None:
    resp = client.post("/api/v1/sync", json={"tab": "leads"}, headers=tokens.lv)
    assert resp.status_code == 202
    assert [(r["partner"], r["tab"]) for r in resp.get_json()["requests"]] == [("lv", "leads")]
    problem(client.post("/api/v1/sync", json={"partner": "ee"}, headers=tokens.lv), 404)
    every = client.post("/api/v1/sync", headers=tokens.admin).get_json()["requests"]
    assert sorted(r["partner"] for r in every) == ["ee", "fi", "lv"]
    assert (
        problem(client.post("/api/v1/sync", json={"tab": "x"}, headers=tokens.admin), 422)[
            "errors"
        ][0]["field"]
        == "tab"
    )


def test_crash_is_a_problem_document_without_details(app, caplog) -> None:
    """An unexpected error: 500 problem+json, no stack trace or data in the
    response, and the exception's message (which may quote data) not logged."""

    secret = "".join(reversed("vl.elpmaxe@anna"))  # not in any source line

    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError(secret)

    app.add_url_rule("/api/v1/boom-test", "boom_test", boom)
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    resp = app.test_client().get("/api/v1/boom-test")
    body = problem(resp, 500)
    text = resp.get_data(as_text=True)
    assert "anna" not in text and "RuntimeError" not in text
    assert body["detail"] == "An internal error occurred; it has been logged."
    assert "RuntimeError" in caplog.text and "anna@example.lv" not in caplog.text
