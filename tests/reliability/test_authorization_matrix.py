"""The authorization matrix: every route of the app, generated from its URL map,
x {the record owner's partner, another partner, an admin, nobody} x {a record
of LV, a record of EE}, with the outcome each cell must have (docs/security.md).

Each cell gets fresh records (a lead, an agreement whose buyer the other partner
owns, an open quarantine entry, an open conflict, a sync run, a Drive channel),
sends the request as that caller (bearer token, signed-in dashboard session,
webhook secret, Drive channel token, or nothing) and checks the status; a
refused write must leave the store exactly as it was. A route without a rule
here fails :func:`test_every_route_has_a_rule`, so a new route cannot slip past
the model. Runs on SQLite and PostgreSQL (the store decides who sees what)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from seeding import sheet_won_conflict, stored_lead
from sqlalchemy import select

from integration import create_app
from integration.auth import create_token
from integration.drive.channels import register_channel
from integration.store import records
from integration.store.models import (
    Agreement,
    Conflict,
    Lead,
    MergeRequest,
    QuarantineEntry,
    SyncRun,
    Tombstone,
    VanishedRow,
)
from integration.webhooks.signatures import standard_headers

CALLERS = ("owner", "other", "admin", "nobody")
OWNERS = ("lv", "ee")
COUNTRY = {"lv": "LV", "ee": "EE"}


def other_of(partner: str) -> str:
    return "ee" if partner == "lv" else "lv"


@dataclass
class World:
    """Fresh records of ``owner`` for one cell."""

    owner: str
    lead: str
    name: str
    email: str
    az_lead: str
    agreement: str
    entry: int
    #: the other partner's own entry: a duplicate of the owner's lead
    foreign_entry: int
    conflict: int
    run: int
    channel: str
    channel_tokens: dict[str, str]
    #: the owner's lead whose row vanished from its sheet (archived by a sync)
    vanished: str
    #: the other partner's open request that the owner merge ``foreign_entry``
    merge_request: int
    #: the other partner's duplicate of the owner's AZ lead, not asked about yet
    asking_entry: int


def build(store: Any, owner: str) -> World:
    other = other_of(owner)
    n = uuid.uuid4().hex[:10]
    name, email = f"Firm {n}", f"info@{n}.example.com"
    with store.session() as s:
        lead = stored_lead(
            s,
            {
                "partner": owner,
                "company_name": name,
                "country": COUNTRY[owner],
                "sector": "ict",
                "email": email,
            },
            source="api",
        )
        az = stored_lead(
            s,
            {"partner": owner, "company_name": f"AZ {n}", "country": "AZ", "sector": "ict"},
            source="api",
        )
        # the buyer of the owner's agreement belongs to the other partner: it may read it
        foreign_buyer = stored_lead(
            s,
            {"partner": other, "company_name": f"Buyer {n}", "country": "AZ", "sector": "ict"},
            source="api",
        )
        s.flush()
        agreement = records.create_agreement(
            s,
            {
                "seller_id": lead.id,
                "buyer_id": foreign_buyer.id,
                "status": "negotiating",
                "reporting_partner": owner,
            },
            source="api",
        )
        entry = records.quarantine(
            s,
            kind="lead",
            source=f"webhook:{owner}",
            partner=owner,
            raw={
                "company_name": name,
                "country": COUNTRY[owner],
                "sector": "mining",
                "email": email,
                "phone": "+37120000000" if owner == "lv" else "+37251234567",
            },
            errors=[{"field": "sector", "code": "enum", "message": "Sector: not a sector."}],
            duplicate_of=lead.id,
        )
        foreign_entry = records.quarantine(
            s,
            kind="lead",
            source=f"webhook:{other}",
            partner=other,
            raw={
                "company_name": f"Their copy {n}",
                "country": COUNTRY[owner],
                "sector": "ict",
                "email": email,
                "notes": "the other partner's notes",
            },
            errors=[{"field": "", "code": "duplicate", "message": f"Duplicate of {lead.id}"}],
            duplicate_of=lead.id,
        )
        asking_entry = records.quarantine(
            s,
            kind="lead",
            source=f"webhook:{other}",
            partner=other,
            raw={"company_name": f"AZ {n}", "country": "AZ", "sector": "ict"},
            errors=[{"field": "", "code": "duplicate", "message": f"Duplicate of {az.id}"}],
            duplicate_of=az.id,
        )
        s.flush()
        asked = MergeRequest(
            entry_id=foreign_entry.id, lead_id=lead.id, requester=other, owner=owner, status="open"
        )
        s.add(asked)
        conflict = sheet_won_conflict(
            owner, lead.id, "notes", base=None, sheet="sheet", store="store"
        )
        run = SyncRun(partner=owner, tab="leads", trigger="cli", outcome="completed")
        s.add_all([conflict, run])
        gone = stored_lead(
            s,
            {"partner": owner, "company_name": f"Gone {n}", "country": "AZ", "sector": "ict"},
            source="api",
        )
        s.flush()
        records.archive_record(s, gone, source=f"sheet:{owner}")
        s.add(VanishedRow(record_id=gone.id, partner=owner, tab="leads", kind="lead", row_number=7))
        tokens = {p: f"chan-token-{p}-{n}" for p in OWNERS}
        channel = register_channel(s, channel_id=f"chan-{n}", partner=owner, token=tokens[owner])
        s.flush()
        return World(
            owner,
            lead.id,
            name,
            email,
            az.id,
            agreement.id,
            entry.id,
            foreign_entry.id,
            conflict.id,
            run.id,
            channel.id,
            tokens,
            gone.id,
            asked.id,
            asking_entry.id,
        )


def snapshot(store: Any) -> Any:
    """Everything a write could change, in comparable form."""
    with store.session() as s:
        return (
            [
                (
                    r.id,
                    r.partner,
                    r.version,
                    json.dumps(r.data, sort_keys=True),
                    r.archived_at,
                    r.erased_at,
                )
                for r in s.scalars(select(Lead).order_by(Lead.id))
            ],
            [
                (
                    a.id,
                    a.reporting_partner,
                    a.version,
                    json.dumps(a.data, sort_keys=True),
                    a.archived_at,
                )
                for a in s.scalars(select(Agreement).order_by(Agreement.id))
            ],
            [
                (q.id, q.resolved_at, json.dumps(q.raw, sort_keys=True), q.duplicate_of)
                for q in s.scalars(select(QuarantineEntry).order_by(QuarantineEntry.id))
            ],
            [(c.id, c.resolved_at) for c in s.scalars(select(Conflict).order_by(Conflict.id))],
            [t.id for t in s.scalars(select(Tombstone))],
            [(m.id, m.status) for m in s.scalars(select(MergeRequest).order_by(MergeRequest.id))],
        )


# ------------------------------------------------------------------ callers


@dataclass
class Caller:
    """One caller's credentials and its own dashboard client."""

    role: str  # owner | other | admin | nobody
    partner: str | None  # the partner it acts as (None: admin or nobody)
    bearer: dict[str, str]
    secret: str | None
    token: str | None
    client: Any
    csrf: str = ""

    def form(self, data: dict[str, str]) -> dict[str, str]:
        return {**data, "csrf_token": self.csrf}


@dataclass
class Env:
    app: Any
    store: Any
    config: Any
    tokens: dict[str, str] = field(default_factory=dict)

    def caller(self, role: str, owner: str) -> Caller:
        partner = {"owner": owner, "other": other_of(owner)}.get(role)
        key = partner or role
        token = self.tokens.get(key)
        client = self.app.test_client()
        caller = Caller(
            role,
            partner,
            {"Authorization": f"Bearer {token}"} if token else {},
            self.config.environ[f"{partner.upper()}_WEBHOOK_SECRET"] if partner else None,
            token,
            client,
        )
        client.get("/dashboard/signin")
        with client.session_transaction() as sess:
            caller.csrf = sess.get("csrf", "")
        if token:
            resp = client.post(
                "/dashboard/signin", data={"token": token, "csrf_token": caller.csrf}
            )
            assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
            with client.session_transaction() as sess:
                caller.csrf = sess["csrf"]
        return caller


# ------------------------------------------------------------------ rules

Request = tuple[str, str, dict[str, Any]]


@dataclass
class Rule:
    """How to call a route for a cell, and what each cell must answer."""

    request: Callable[[World, Caller], Request]
    expect: Callable[[str, str], int]  # (caller role, owner) -> status
    writes: bool = False
    #: extra check of a cell's effect: (world, store, caller, response)
    check: Callable[[World, Any, Caller, Any], None] | None = None


def scoped(allowed: int, hidden: int = 404, nobody: int = 401) -> Callable[[str, str], int]:
    """The owner's partner and admins may; another partner gets ``hidden``."""

    def expect(role: str, owner: str) -> int:
        if role == "nobody":
            return nobody
        return allowed if role in ("owner", "admin") else hidden

    return expect


def same(status: int, nobody: int | None = None) -> Callable[[str, str], int]:
    """Every signed-in caller the same (``nobody`` may differ)."""
    return lambda role, owner: nobody if role == "nobody" and nobody is not None else status


def api(method: str, path: Callable[[World], str], **kw: Any) -> Callable[..., Request]:
    body = kw.pop("json", None)

    def make(w: World, c: Caller) -> Request:
        extra = {"headers": c.bearer}
        if body is not None:
            extra["json"] = body(w) if callable(body) else body
        return method, path(w), extra

    return make


def page(method: str, path: Callable[[World], str], form: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    def make(w: World, c: Caller) -> Request:
        extra: dict[str, Any] = {"client": c.client}
        if method == "POST":
            extra["data"] = c.form(form or {})
        return method, path(w), extra

    return make


def signed(  # type: ignore[no-untyped-def]
    path: Callable[[World], str],
    body: Callable[[World], dict[str, Any]],
    *,
    to_own_url: bool = False,
):
    """A webhook signed with the caller's partner secret (an admin sends its
    bearer token instead, which a webhook does not take); ``to_own_url`` posts
    to the caller's own partner URL instead of the owner's."""

    def make(w: World, c: Caller) -> Request:
        raw = json.dumps(body(w)).encode()
        url = path(w)
        if to_own_url and c.partner:
            url = url.rsplit("/", 1)[0] + "/" + c.partner
        headers: dict[str, str] = {"Content-Type": "application/json", **c.bearer}
        if c.secret:
            headers.update(standard_headers(c.secret, f"msg_{uuid.uuid4().hex}", raw))
        return "POST", url, {"data": raw, "headers": headers}

    return make


def drive(w: World, c: Caller) -> Request:
    headers = {
        "X-Goog-Channel-ID": w.channel,
        "X-Goog-Resource-State": "update",
        "X-Goog-Message-Number": "5",
        **c.bearer,
    }
    if c.partner:
        headers["X-Goog-Channel-Token"] = w.channel_tokens[c.partner]
    return "POST", "/webhooks/drive", {"headers": headers}


def lead_unchanged_unless_owner(w: World, store: Any, c: Caller, resp: Any) -> None:
    """A form of another partner for the owner's firm: kept as a linked duplicate."""
    with store.session() as s:
        lead = s.get(Lead, w.lead)
        if c.role == "owner":
            assert resp.get_json()["id"] == w.lead and lead.data.get("notes") == "from the form"
        elif c.role == "other":
            assert resp.get_json()["duplicate_of"] == w.lead and "notes" not in lead.data
            kept = [
                q.raw
                for q in s.scalars(
                    select(QuarantineEntry).where(QuarantineEntry.partner == c.partner)
                )
                if q.duplicate_of == w.lead and q.raw.get("notes") == "from the form"
            ]
            assert len(kept) == 1  # kept for the sending partner, nothing lost


def shows_owner_firm(w: World, store: Any, c: Caller, resp: Any) -> None:
    """Lists show the owner's firm to its partner and admins only."""
    shown = w.name in resp.get_data(as_text=True)
    assert shown == (c.role in ("owner", "admin")), (c.role, shown)


def merge_entry(w: World, c: Caller) -> int:
    """The entry a caller merges: the other partner tries its own duplicate of
    the owner's lead (a merge across partners, which is an admin's decision)."""
    return w.foreign_entry if c.role == "other" else w.entry


def merge_left_lead_alone(w: World, store: Any, c: Caller, resp: Any) -> None:
    with store.session() as s:
        notes = s.get(Lead, w.lead).data.get("notes")
        entry = s.get(QuarantineEntry, merge_entry(w, c))
    if c.role == "other":
        assert notes is None and entry.resolved_at is None
    elif c.role != "nobody":
        assert entry.resolution == "merged"


def stage_is_won(w: World, store: Any, c: Caller) -> None:
    """A dashboard edit the rules let through is applied (a refused one changed
    nothing: the snapshot says so)."""
    if c.role in ("owner", "admin"):
        with store.session() as s:
            assert s.get(Lead, w.lead).data["stage"] == "won"


def card_only(w: World, store: Any, c: Caller, resp: Any) -> None:
    """The other partner, holding a duplicate of the owner's lead, reads its
    minimal card (name, owning chamber, id) and nothing else of the record."""
    if c.role != "other":
        return
    body = resp.get_data(as_text=True)
    assert w.name in body and w.lead in body
    assert w.email not in body and "history-table" not in body and w.agreement not in body


def card_keys_only(w: World, store: Any, c: Caller, resp: Any) -> None:
    assert set(resp.get_json()) - {"merge_request"} == {"id", "company_name", "owner", "owner_name"}
    card_only(w, store, c, resp)


def asked_by_other_only(w: World, store: Any, c: Caller, resp: Any) -> None:
    """Only the entry's own partner files a request; the page refuses an admin."""
    with store.session() as s:
        made = s.scalars(select(MergeRequest).where(MergeRequest.entry_id == w.asking_entry)).all()
    assert [(m.requester, m.lead_id) for m in made] == (
        [(other_of(w.owner), w.az_lead)] if c.role == "other" else []
    ), c.role


def answered_by_owner_only(w: World, store: Any, c: Caller, resp: Any) -> None:
    """The requester never answers its own request; the owner's or an admin's
    accept merges the requester's row into the owner's lead, nothing else."""
    with store.session() as s:
        status = s.get(MergeRequest, w.merge_request).status
        notes = s.get(Lead, w.lead).data.get("notes")
        partner = s.get(Lead, w.lead).partner
    if c.role == "other":
        assert status == "open" and notes is None
    elif c.role != "nobody":
        assert status in ("accepted", "declined") and partner == w.owner
        assert notes == ("the other partner's notes" if status == "accepted" else None)


def shows_owner_firm_beyond_card(w: World, store: Any, c: Caller, resp: Any) -> None:
    """The Needs-fixing page: the other partner reads the owner's firm name only
    in the minimal card of the lead its row duplicates (and its requests' list)."""
    card = r'<div class="merge-plan" data-duplicate-card=.*?</ul>\s*</div>'
    page = re.sub(card, "", resp.get_data(as_text=True), flags=re.S)
    page = re.sub(r"<li data-merge-outcome=.*?</li>", "", page, flags=re.S)
    assert (w.name in page) == (c.role in ("owner", "admin")), c.role


def lead_body(w: World) -> dict[str, Any]:
    n = uuid.uuid4().hex[:8]
    return {
        "partner": w.owner,
        "company_name": f"New {n}",
        "country": COUNTRY[w.owner],
        "sector": "ict",
    }


def agreement_body(w: World) -> dict[str, Any]:
    return {
        "seller_id": w.lead,
        "buyer_id": w.az_lead,
        "status": "draft",
        "reporting_partner": w.owner,
    }


def form_body(w: World) -> dict[str, Any]:
    return {
        "company_name": w.name,
        "country": COUNTRY[w.owner],
        "sector": "ict",
        "email": w.email,
        "notes": "from the form",
    }


DASH = 302  # nobody is sent to the sign-in page
#: (rule, method) -> Rule. Every route of the app must be here.
RULES: dict[tuple[str, str], Rule] = {
    # ---- public: the same for everybody
    ("/", "GET"): Rule(page("GET", lambda w: "/"), same(302)),
    ("/healthz", "GET"): Rule(api("GET", lambda w: "/healthz"), same(200)),
    ("/readyz", "GET"): Rule(api("GET", lambda w: "/readyz"), same(200)),
    ("/openapi.json", "GET"): Rule(api("GET", lambda w: "/openapi.json"), same(200)),
    ("/metrics", "GET"): Rule(api("GET", lambda w: "/metrics"), same(200)),
    ("/static/<path:filename>", "GET"): Rule(
        api("GET", lambda w: "/static/dashboard.css"), same(200)
    ),
    # ---- API: records
    ("/api/v1/leads", "GET"): Rule(
        api("GET", lambda w: f"/api/v1/leads?partner={w.owner}"), scoped(200)
    ),
    ("/api/v1/leads", "POST"): Rule(
        api("POST", lambda w: "/api/v1/leads", json=lead_body), scoped(201, 422), writes=True
    ),
    ("/api/v1/leads/<id>", "GET"): Rule(
        api("GET", lambda w: f"/api/v1/leads/{w.lead}"), scoped(200)
    ),
    ("/api/v1/leads/<id>", "PATCH"): Rule(
        api("PATCH", lambda w: f"/api/v1/leads/{w.lead}", json={"stage": "won"}),
        scoped(200),
        writes=True,
    ),
    ("/api/v1/leads/<id>", "DELETE"): Rule(
        api("DELETE", lambda w: f"/api/v1/leads/{w.lead}"), scoped(200), writes=True
    ),
    ("/api/v1/agreements", "GET"): Rule(
        api("GET", lambda w: f"/api/v1/agreements?partner={w.owner}"), scoped(200)
    ),
    ("/api/v1/agreements", "POST"): Rule(
        api("POST", lambda w: "/api/v1/agreements", json=agreement_body),
        scoped(201, 422),
        writes=True,
    ),
    # the other partner owns the buyer: it reads the agreement, but may not change it
    ("/api/v1/agreements/<id>", "GET"): Rule(
        api("GET", lambda w: f"/api/v1/agreements/{w.agreement}"), scoped(200, 200)
    ),
    ("/api/v1/agreements/<id>", "PATCH"): Rule(
        api("PATCH", lambda w: f"/api/v1/agreements/{w.agreement}", json={"status": "cancelled"}),
        scoped(200, 403),
        writes=True,
    ),
    # ---- API: review
    ("/api/v1/quarantine", "GET"): Rule(
        api("GET", lambda w: f"/api/v1/quarantine?partner={w.owner}"), scoped(200)
    ),
    ("/api/v1/quarantine/<int:entry_id>", "GET"): Rule(
        api("GET", lambda w: f"/api/v1/quarantine/{w.entry}"), scoped(200)
    ),
    ("/api/v1/quarantine/<int:entry_id>/replay", "POST"): Rule(
        api(
            "POST",
            lambda w: f"/api/v1/quarantine/{w.entry}/replay",
            json={"data": {"sector": "ict"}},
        ),
        scoped(200),
        writes=True,
    ),
    ("/api/v1/quarantine/<int:entry_id>/dismiss", "POST"): Rule(
        api("POST", lambda w: f"/api/v1/quarantine/{w.entry}/dismiss", json={}),
        scoped(200),
        writes=True,
    ),
    ("/api/v1/quarantine/<int:entry_id>/merge", "POST"): Rule(
        lambda w, c: (
            "POST",
            f"/api/v1/quarantine/{merge_entry(w, c)}/merge",
            {"headers": c.bearer, "json": {}},
        ),
        scoped(200, 403),
        writes=True,
        check=merge_left_lead_alone,
    ),
    # ---- API: cross-partner duplicates (#23). The other partner holds a
    # duplicate of the owner's lead: it reads the card and asks; the owner answers
    ("/api/v1/leads/<id>/card", "GET"): Rule(
        api("GET", lambda w: f"/api/v1/leads/{w.lead}/card"), same(200, 401), check=card_keys_only
    ),
    ("/api/v1/quarantine/<int:entry_id>/card", "GET"): Rule(
        api("GET", lambda w: f"/api/v1/quarantine/{w.foreign_entry}/card"),
        lambda role, owner: {"owner": 404, "nobody": 401}.get(role, 200),
        check=card_keys_only,
    ),
    ("/api/v1/quarantine/<int:entry_id>/merge-request", "POST"): Rule(
        api("POST", lambda w: f"/api/v1/quarantine/{w.asking_entry}/merge-request", json={}),
        lambda role, owner: {"other": 201, "owner": 404, "admin": 403}.get(role, 401),
        writes=True,
        check=asked_by_other_only,
    ),
    ("/api/v1/merge-requests", "GET"): Rule(
        api("GET", lambda w: "/api/v1/merge-requests"), same(200, 401)
    ),
    ("/api/v1/merge-requests/<int:request_id>/accept", "POST"): Rule(
        api("POST", lambda w: f"/api/v1/merge-requests/{w.merge_request}/accept", json={}),
        scoped(200, 403),
        writes=True,
        check=answered_by_owner_only,
    ),
    ("/api/v1/merge-requests/<int:request_id>/decline", "POST"): Rule(
        api("POST", lambda w: f"/api/v1/merge-requests/{w.merge_request}/decline", json={}),
        scoped(200, 403),
        writes=True,
        check=answered_by_owner_only,
    ),
    ("/api/v1/conflicts", "GET"): Rule(
        api("GET", lambda w: f"/api/v1/conflicts?partner={w.owner}"), scoped(200)
    ),
    ("/api/v1/conflicts/<int:conflict_id>/resolve", "POST"): Rule(
        api("POST", lambda w: f"/api/v1/conflicts/{w.conflict}/resolve", json={"side": "store"}),
        scoped(200),
        writes=True,
    ),
    # ---- API: operations
    ("/api/v1/kpi", "GET"): Rule(  # the network's target: every token sees the numbers
        api("GET", lambda w: f"/api/v1/kpi?partner={w.owner}"), scoped(200, 200)
    ),
    ("/api/v1/report", "GET"): Rule(  # a partner's share: another partner's is not there
        api("GET", lambda w: f"/api/v1/report?partner={w.owner}"), scoped(200)
    ),
    ("/api/v1/sync-runs", "GET"): Rule(
        api("GET", lambda w: f"/api/v1/sync-runs?partner={w.owner}"), scoped(200)
    ),
    ("/api/v1/sync-runs/<int:run_id>", "GET"): Rule(
        api("GET", lambda w: f"/api/v1/sync-runs/{w.run}"), scoped(200)
    ),
    # ---- API: rows that vanished from a sheet; another partner's look absent
    ("/api/v1/vanished-rows", "GET"): Rule(
        api("GET", lambda w: f"/api/v1/vanished-rows?partner={w.owner}"), scoped(200)
    ),
    ("/api/v1/vanished-rows/<id>/restore", "POST"): Rule(
        api("POST", lambda w: f"/api/v1/vanished-rows/{w.vanished}/restore", json={}),
        scoped(200),
        writes=True,
    ),
    ("/api/v1/vanished-rows/<id>/archive", "POST"): Rule(
        api("POST", lambda w: f"/api/v1/vanished-rows/{w.vanished}/archive", json={}),
        scoped(200),
        writes=True,
    ),
    ("/api/v1/sync", "POST"): Rule(
        api("POST", lambda w: "/api/v1/sync", json=lambda w: {"partner": w.owner}),
        scoped(202),
    ),
    # ---- webhooks: the caller's secret, for the owner's firm / spreadsheet
    # each partner posts to its own form URL; an admin token is no signature
    ("/webhooks/forms/<partner>", "POST"): Rule(
        signed(lambda w: "/webhooks/forms/" + w.owner, form_body, to_own_url=True),
        lambda role, owner: {"owner": 200, "other": 202}.get(role, 401),
        writes=True,
        check=lead_unchanged_unless_owner,
    ),
    ("/webhooks/sheets/<partner>", "POST"): Rule(
        signed(lambda w: "/webhooks/sheets/" + w.owner, lambda w: {"sheet": "Leads"}),
        lambda role, owner: 202 if role == "owner" else 401,
    ),
    ("/webhooks/drive", "POST"): Rule(drive, lambda role, owner: 200 if role == "owner" else 401),
    # ---- dashboard: a signed-in session per caller; nobody goes to sign in
    ("/dashboard/", "GET"): Rule(page("GET", lambda w: "/dashboard/"), same(200, DASH)),
    ("/dashboard/<path:unknown>", "GET"): Rule(page("GET", lambda w: "/dashboard/nope"), same(404)),
    ("/dashboard/signin", "GET"): Rule(page("GET", lambda w: "/dashboard/signin"), same(302, 200)),
    ("/dashboard/signin", "POST"): Rule(
        lambda w, c: (
            "POST",
            "/dashboard/signin",
            {"client": c.client, "data": c.form({"token": c.token or "lcs_wrong"})},
        ),
        same(302, 401),
    ),
    ("/dashboard/signout", "POST"): Rule(page("POST", lambda w: "/dashboard/signout"), same(302)),
    ("/dashboard/language", "GET"): Rule(
        page("GET", lambda w: "/dashboard/language?lang=en"), same(302)
    ),
    ("/dashboard/leads", "GET"): Rule(page("GET", lambda w: "/dashboard/leads"), same(200, DASH)),
    ("/dashboard/leads.csv", "GET"): Rule(
        page("GET", lambda w: "/dashboard/leads.csv"), same(200, DASH)
    ),
    # the other partner holds a duplicate of the lead: the minimal card, not the record
    ("/dashboard/leads/<record_id>", "GET"): Rule(
        page("GET", lambda w: f"/dashboard/leads/{w.lead}"), same(200, DASH), check=card_only
    ),
    ("/dashboard/agreements", "GET"): Rule(
        page("GET", lambda w: "/dashboard/agreements"), same(200, DASH)
    ),
    ("/dashboard/reports", "GET"): Rule(  # every token its own share, whatever it asks
        page("GET", lambda w: f"/dashboard/reports?partner={w.owner}"), same(200, DASH)
    ),
    ("/dashboard/reports.<fmt>", "GET"): Rule(
        page("GET", lambda w: f"/dashboard/reports.json?partner={w.owner}"), same(200, DASH)
    ),
    ("/dashboard/agreements.csv", "GET"): Rule(
        page("GET", lambda w: "/dashboard/agreements.csv"), same(200, DASH)
    ),
    ("/dashboard/agreements/<record_id>", "GET"): Rule(
        page("GET", lambda w: f"/dashboard/agreements/{w.agreement}"), scoped(200, 200, DASH)
    ),
    # ---- dashboard: acting on a record (record_changes, the API's rules); another
    # partner's lead is absent (404), an agreement it is a party to is read-only (403)
    ("/dashboard/leads/<record_id>/edit", "GET"): Rule(
        page("GET", lambda w: f"/dashboard/leads/{w.lead}/edit"), scoped(200, 404, DASH)
    ),
    ("/dashboard/leads/<record_id>/edit", "POST"): Rule(
        page("POST", lambda w: f"/dashboard/leads/{w.lead}/edit", {"field:stage": "won"}),
        scoped(302, 404, DASH),
        writes=True,
        check=lambda w, store, c, resp: stage_is_won(w, store, c),
    ),
    ("/dashboard/leads/<record_id>/archive", "POST"): Rule(
        page("POST", lambda w: f"/dashboard/leads/{w.lead}/archive", {"confirm": "yes"}),
        scoped(302, 404, DASH),
        writes=True,
    ),
    ("/dashboard/leads/<record_id>/restore", "POST"): Rule(
        page("POST", lambda w: f"/dashboard/leads/{w.vanished}/restore", {"confirm": "yes"}),
        scoped(302, 404, DASH),
        writes=True,
    ),
    ("/dashboard/agreements/<record_id>/edit", "GET"): Rule(
        page("GET", lambda w: f"/dashboard/agreements/{w.agreement}/edit"),
        scoped(200, 403, DASH),
    ),
    ("/dashboard/agreements/<record_id>/edit", "POST"): Rule(
        page(
            "POST",
            lambda w: f"/dashboard/agreements/{w.agreement}/edit",
            {"field:status": "cancelled"},
        ),
        scoped(302, 403, DASH),
        writes=True,
    ),
    ("/dashboard/agreements/<record_id>/archive", "POST"): Rule(
        page("POST", lambda w: f"/dashboard/agreements/{w.agreement}/archive", {"confirm": "yes"}),
        scoped(302, 403, DASH),
        writes=True,
    ),
    ("/dashboard/agreements/<record_id>/restore", "POST"): Rule(
        page("POST", lambda w: f"/dashboard/agreements/{w.agreement}/restore", {"confirm": "yes"}),
        scoped(302, 403, DASH),
        writes=True,
    ),
    ("/dashboard/fix", "GET"): Rule(page("GET", lambda w: "/dashboard/fix"), same(200, DASH)),
    ("/dashboard/fix.csv", "GET"): Rule(
        page("GET", lambda w: "/dashboard/fix.csv"), same(200, DASH)
    ),
    ("/dashboard/conflicts.csv", "GET"): Rule(
        page("GET", lambda w: "/dashboard/conflicts.csv"), same(200, DASH)
    ),
    # the other partner's own duplicate: the page answers with a message, merges nothing
    ("/dashboard/fix/quarantine/<int:entry_id>", "POST"): Rule(
        lambda w, c: (
            "POST",
            f"/dashboard/fix/quarantine/{merge_entry(w, c)}",
            {"client": c.client, "data": c.form({"action": "merge"})},
        ),
        scoped(302, 302, DASH),
        writes=True,
        check=merge_left_lead_alone,
    ),
    # only the entry's partner asks (an admin is refused with a message); the
    # owner cannot even see the entry
    ("/dashboard/fix/quarantine/<int:entry_id>/merge-request", "POST"): Rule(
        page("POST", lambda w: f"/dashboard/fix/quarantine/{w.asking_entry}/merge-request"),
        lambda role, owner: 404 if role == "owner" else 302,
        writes=True,
        check=asked_by_other_only,
    ),
    # the requester is refused with a message; the owner and admins answer
    ("/dashboard/fix/merge-requests/<int:request_id>", "POST"): Rule(
        page(
            "POST",
            lambda w: f"/dashboard/fix/merge-requests/{w.merge_request}",
            {"action": "accept"},
        ),
        same(302),
        writes=True,
        check=answered_by_owner_only,
    ),
    ("/dashboard/fix/conflicts/<int:conflict_id>", "POST"): Rule(
        page("POST", lambda w: f"/dashboard/fix/conflicts/{w.conflict}", {"side": "store"}),
        scoped(302, 404, DASH),
        writes=True,
    ),
    ("/dashboard/sync", "GET"): Rule(page("GET", lambda w: "/dashboard/sync"), same(200, DASH)),
    ("/dashboard/sync.csv", "GET"): Rule(
        page("GET", lambda w: "/dashboard/sync.csv"), same(200, DASH)
    ),
    ("/dashboard/sync/vanished", "GET"): Rule(
        page("GET", lambda w: "/dashboard/sync/vanished"), same(200, DASH)
    ),
    ("/dashboard/sync/vanished/<record_id>", "POST"): Rule(
        page("POST", lambda w: f"/dashboard/sync/vanished/{w.vanished}", {"action": "restore"}),
        scoped(302, 404, DASH),
        writes=True,
    ),
    ("/dashboard/sync/<partner>", "POST"): Rule(
        page("POST", lambda w: f"/dashboard/sync/{w.owner}"), scoped(302, 404, DASH)
    ),
}

#: Lists and exports that must show the owner's firm to its partner and admins only.
for _path in ("/dashboard/leads", "/dashboard/leads.csv", "/dashboard/fix", "/dashboard/fix.csv"):
    RULES[(_path, "GET")].check = lambda w, store, c, resp, p=_path: (
        (shows_owner_firm_beyond_card if p == "/dashboard/fix" else shows_owner_firm)(
            w, store, c, resp
        )
        if c.role != "nobody"
        else None
    )


def app_routes(app: Any) -> set[tuple[str, str]]:
    return {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


@pytest.fixture
def env(app: Any, store: Any, config: Any) -> Env:
    out = Env(app, store, config)
    with store.session() as s:
        for who in OWNERS:
            out.tokens[who] = create_token(s, who, partner=who)[1]
        out.tokens["admin"] = create_token(s, "admin", partner=None)[1]
    return out


def test_every_route_has_a_rule(base_config: Any, sqlite_url: str) -> None:
    from dataclasses import replace

    app = create_app(replace(base_config, database_url=sqlite_url))
    routes = app_routes(app)
    assert routes - set(RULES) == set(), "routes without an authorization rule"
    assert set(RULES) - routes == set(), "rules for routes that no longer exist"


def send(app: Any, caller: Caller, request: Request) -> Any:
    method, path, extra = request
    client = extra.pop("client", None) or app.test_client()
    return client.open(path, method=method, **extra)


@pytest.mark.parametrize("route", sorted(RULES), ids=lambda r: f"{r[1]} {r[0]}")
def test_route_answers_each_caller_as_the_model_says(env: Env, route: tuple[str, str]) -> None:
    rule = RULES[route]
    for owner in OWNERS:
        for role in CALLERS:
            world = build(env.store, owner)
            caller = env.caller(role, owner)
            before = snapshot(env.store)
            resp = send(env.app, caller, rule.request(world, caller))
            expected = rule.expect(role, owner)
            cell = f"{route[1]} {route[0]} as {role} on {owner.upper()}'s record"
            assert resp.status_code == expected, (cell, resp.get_data(as_text=True)[:400])
            assert "Traceback" not in resp.get_data(as_text=True), cell
            refused = expected >= 400 or role == "nobody"
            if rule.writes and refused:
                assert snapshot(env.store) == before, f"{cell}: refused, yet the store changed"
            if rule.check is not None and resp.status_code < 400:
                rule.check(world, env.store, caller, resp)
