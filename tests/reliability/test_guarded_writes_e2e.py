"""Every record write goes through one guarded store operation: over real HTTP,
on SQLite and PostgreSQL, concurrent writers never lose a change or revert a
move, and no route brings an erased person back or gives a partner's lead
another partner's firm keys (patch, form, merge, review)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
from signed_forms import post_signed_form
from sqlalchemy import create_engine, select, text
from waiting import pg_backends_waiting

from integration.auth import create_token
from integration.store.firm_locks import LOCK_SPACE, firm_buckets
from integration.store.models import AuditEntry, Lead, QuarantineEntry

ROUNDS = 6


@pytest.fixture
def bearer(store) -> Callable[[str | None], dict[str, str]]:  # type: ignore[no-untyped-def]
    def make(partner: str | None) -> dict[str, str]:
        with store.session() as s:
            _, secret = create_token(s, f"t-{partner}-{uuid.uuid4().hex[:6]}", partner)
        return {"Authorization": f"Bearer {secret}"}

    return make


def new_lead(http: requests.Session, live: str, auth: dict[str, str], **fields: Any) -> dict:
    n = uuid.uuid4().hex[:10]
    body = {
        "company_name": f"Firm {n}",
        "country": "LV",
        "sector": "ict",
        "email": f"c{n}@firm{n}.example.com",
        **fields,
    }
    resp = http.post(f"{live}/api/v1/leads", json=body, headers=auth, timeout=30)
    assert resp.status_code == 201, resp.text
    return resp.json()


def at_once(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run ``calls`` on their own threads, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        out[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(r is not None for r in out)
    return out


def no_traceback(resp: requests.Response) -> None:
    assert resp.status_code < 500, resp.text
    assert "Traceback" not in resp.text


# ------------------------------------------------------- finding 1: lost updates


def test_concurrent_patches_with_one_if_match_let_exactly_one_win(live_url, http, bearer) -> None:
    lv = bearer("lv")
    for _ in range(ROUNDS):
        lead = new_lead(http, live_url, lv)
        url = f"{live_url}/api/v1/leads/{lead['id']}"
        etag = http.get(url, headers=lv, timeout=30).headers["ETag"]
        notes = [f"note {i}" for i in range(4)]
        answers = at_once(
            [
                lambda n=n, u=url, e=etag: http.patch(
                    u, json={"notes": n}, headers={**lv, "If-Match": e}, timeout=60
                )
                for n in notes
            ]
        )
        for resp in answers:
            no_traceback(resp)
        won = [n for n, r in zip(notes, answers, strict=True) if r.status_code == 200]
        assert len(won) == 1, [r.status_code for r in answers]
        assert sorted(r.status_code for r in answers) == [200, 412, 412, 412]
        assert http.get(url, headers=lv, timeout=30).json()["notes"] == won[0]


def test_concurrent_patches_without_if_match_keep_every_change(live_url, http, bearer) -> None:
    lv = bearer("lv")
    fields = {
        "notes": "n",
        "website": "https://x.example.com",
        "contact_name": "Jānis",
        "phone": "+37129111222",
    }
    for _ in range(ROUNDS):
        lead = new_lead(http, live_url, lv)
        url = f"{live_url}/api/v1/leads/{lead['id']}"
        answers = at_once(
            [
                lambda f=f, v=v, u=url: http.patch(u, json={f: v}, headers=lv, timeout=60)
                for f, v in fields.items()
            ]
        )
        assert [r.status_code for r in answers] == [200] * len(fields), [r.text for r in answers]
        assert len({r.headers["ETag"] for r in answers}) == len(fields)
        final = http.get(url, headers=lv, timeout=30).json()
        for name, value in fields.items():
            assert final[name] == value, (name, final)
        assert final["version"] == lead["version"] + len(fields)


def test_a_partner_patch_racing_an_admin_move_never_reverts_the_move(
    live_url, http, bearer
) -> None:
    lv, admin = bearer("lv"), bearer(None)
    for _ in range(ROUNDS):
        lead = new_lead(http, live_url, lv)
        url = f"{live_url}/api/v1/leads/{lead['id']}"
        move, patch = at_once(
            [
                lambda u=url: http.patch(u, json={"partner": "ee"}, headers=admin, timeout=60),
                lambda u=url: http.patch(u, json={"stage": "contacted"}, headers=lv, timeout=60),
            ]
        )
        assert move.status_code == 200, move.text
        no_traceback(patch)
        final = http.get(url, headers=admin, timeout=30).json()
        assert final["partner"] == "ee"
        if patch.status_code == 200:  # it landed before the move
            assert final["stage"] == "contacted"
        else:
            assert patch.status_code == 404 and final.get("stage") != "contacted"


# ------------------------------------------------- finding 2: erasure cannot be undone


def test_an_erasure_racing_a_patch_leaves_no_personal_data(live_url, http, bearer) -> None:
    lv = bearer("lv")
    for _ in range(ROUNDS):
        lead = new_lead(http, live_url, lv, contact_name="Anna Bērziņa")
        url = f"{live_url}/api/v1/leads/{lead['id']}"
        erase, patch = at_once(
            [
                lambda u=url: http.delete(u, headers=lv, timeout=60),
                lambda u=url: http.patch(
                    u, json={"phone": "+37129111222", "notes": "call her"}, headers=lv, timeout=60
                ),
            ]
        )
        assert erase.status_code == 200, erase.text
        no_traceback(patch)
        assert patch.status_code in (200, 409), patch.text
        final = http.get(url, headers=lv, timeout=30).json()
        assert final.get("erased_at")
        for name in ("email", "contact_name", "phone", "notes"):
            assert name not in final, final


def test_an_erased_person_comes_back_by_no_route(live_url, http, bearer, config, store) -> None:
    lv = bearer("lv")
    secret = config.environ["LV_WEBHOOK_SECRET"]
    person = {
        "email": "Anna@Erased.example.lv",
        "contact_name": "Anna Dzēstā",
        "phone": "+37129111333",
    }
    gone = new_lead(http, live_url, lv, **person)
    assert http.delete(f"{live_url}/api/v1/leads/{gone['id']}", headers=lv, timeout=30).ok
    form = f"{live_url}/webhooks/forms/lv"
    # an invalid form with the person: refused, and not kept in quarantine either
    invalid = {"company_name": "Jauna SIA", "country": "LV", "sector": "no-such-sector", **person}
    resp = post_signed_form(http.post, form, secret, invalid, timeout=30)
    assert resp.status_code == 409, resp.text
    # the e-mail in another case, in a patch of another own lead: refused
    other = new_lead(http, live_url, lv)
    other_url = f"{live_url}/api/v1/leads/{other['id']}"
    resp = http.patch(other_url, json={"email": "anna@ERASED.example.lv"}, headers=lv, timeout=30)
    assert resp.status_code == 409, resp.text
    assert "anna" not in http.get(other_url, headers=lv, timeout=30).json()["email"]
    with store.session() as s:
        for entry in s.scalars(select(QuarantineEntry)):
            assert "erased.example.lv" not in str(entry.raw).lower(), entry.raw
        for lead in s.scalars(select(Lead).where(Lead.partner == "lv")):
            assert lead.email != "anna@erased.example.lv", lead.id


def test_quarantine_keeps_no_erased_identifier_and_a_merge_refuses_it(
    live_url, http, bearer, store
) -> None:
    """An entry kept from before an erasure reached it (or by a path that does
    not look) is emptied by the store's quarantine write, and a merge of an
    entry carrying an erased identifier fills nothing."""
    from integration.store import records

    lv = bearer("lv")
    gone = new_lead(http, live_url, lv, email="erika@gone.example.lv")
    assert http.delete(f"{live_url}/api/v1/leads/{gone['id']}", headers=lv, timeout=30).ok
    blank = new_lead(http, live_url, lv, email="office@blank.example.lv")
    with store.session() as s:
        entry = records.quarantine(
            s,
            kind="lead",
            source="webhook:lv",
            partner="lv",
            raw={"E-pasts": "ERIKA@gone.example.lv", "Tālrunis": "+37129111444"},
            errors=[{"field": "sector", "code": "enum", "message": "x"}],
        )
        s.flush()
        entry_id = entry.id
        assert entry.raw == {} and entry.errors[0]["code"] == "erased"
    resp = http.post(
        f"{live_url}/api/v1/quarantine/{entry_id}/merge",
        json={"into": blank["id"]},
        headers=lv,
        timeout=30,
    )
    no_traceback(resp)
    final = http.get(f"{live_url}/api/v1/leads/{blank['id']}", headers=lv, timeout=30).json()
    assert final["email"] == "office@blank.example.lv" and "phone" not in final


# --------------------------------------- finding 3: merge and cross-partner firm keys


def test_a_merge_never_gives_a_partners_lead_another_partners_firm(
    live_url, http, bearer, config, store
) -> None:
    lv, ee = bearer("lv"), bearer("ee")
    ee_lead = new_lead(
        http, live_url, ee, country="EE", registration_code="10000001", email="info@meri.ee"
    )
    # LV's form for EE's firm is kept for LV as a linked duplicate
    secret = config.environ["LV_WEBHOOK_SECRET"]
    payload = {
        "company_name": "Meri OÜ",
        "country": "EE",
        "registration_code": "10000001",
        "email": "info@meri.ee",
        "sector": "ict",
    }
    kept = post_signed_form(http.post, f"{live_url}/webhooks/forms/lv", secret, payload, timeout=30)
    assert kept.status_code == 202, kept.text
    entry_id = kept.json()["quarantine_id"]
    blank = http.post(
        f"{live_url}/api/v1/leads",
        json={"company_name": "Tukša SIA", "country": "LV", "sector": "ict"},
        headers=lv,
        timeout=30,
    ).json()
    resp = http.post(
        f"{live_url}/api/v1/quarantine/{entry_id}/merge",
        json={"into": blank["id"]},
        headers=lv,
        timeout=30,
    )
    assert resp.status_code == 409, resp.text
    assert resp.json()["reason"] == "duplicate"
    assert ee_lead["id"] not in resp.text  # the other partner's id is not disclosed
    final = http.get(f"{live_url}/api/v1/leads/{blank['id']}", headers=lv, timeout=30).json()
    assert "email" not in final and "registration_code" not in final
    with store.session() as s:
        assert s.get(QuarantineEntry, entry_id).resolved_at is None
        merges = s.scalars(
            select(AuditEntry).where(
                AuditEntry.record_id == blank["id"], AuditEntry.action == "merge"
            )
        ).all()
        assert merges == []
    # the same code by PATCH is refused too
    resp = http.patch(
        f"{live_url}/api/v1/leads/{blank['id']}",
        json={"email": "INFO@meri.ee"},
        headers=lv,
        timeout=30,
    )
    assert resp.status_code == 409, resp.text


# ------------------------------------- finding 5: a retry after a lost answer


def _wait_for(probe: Callable[[], Any], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError("timed out")


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_retry_after_the_connection_dropped_gets_the_first_outcome(
    live_url, http, bearer, store
) -> None:
    """The create's connection is cut at the worst moment the store allows
    (after the record committed and before its key's outcome was stored, where
    those are two transactions; else inside the create's one transaction): the
    retry with the same key answers 201 and the firm is created once."""
    lv = bearer("lv")
    body = {
        "company_name": "SIA Atkārtojums",
        "country": "LV",
        "sector": "ict",
        "email": "birojs@atkartojums.example.lv",
    }
    key = {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    engine = create_engine(store.url)
    holder, claimer, watcher = engine.connect(), engine.connect(), engine.connect()
    # hold the firm's lock, so the create waits inside its transaction
    firm = holder.begin()
    holder.execute(
        text("SELECT pg_advisory_xact_lock(:s, b) FROM unnest(CAST(:b AS integer[])) AS b"),
        {"s": LOCK_SPACE, "b": firm_buckets([body])},
    )
    first: list[requests.Response] = []
    thread = threading.Thread(
        target=lambda: first.append(
            http.post(f"{live_url}/api/v1/leads", json=body, headers={**lv, **key}, timeout=60)
        )
    )
    thread.start()
    (waiting,) = _wait_for(lambda: pg_backends_waiting(watcher, "advisory"))
    # the claim row, unless the create's transaction holds it
    claim_txn = claimer.begin()
    claim = claimer.execute(
        text("SELECT key FROM idempotency_keys WHERE key = :k FOR UPDATE SKIP LOCKED"),
        {"k": key["Idempotency-Key"]},
    ).first()
    if claim is not None:
        # the create commits, then waits to store the outcome: cut it there
        firm.commit()
        (storing,) = _wait_for(
            lambda: (
                pg_backends_waiting(watcher, "transactionid")
                or pg_backends_waiting(watcher, "tuple")
            )
        )
        watcher.execute(text("SELECT pg_terminate_backend(:p)"), {"p": storing})
    else:
        # record and outcome are one transaction: cut it while it waits
        watcher.execute(text("SELECT pg_terminate_backend(:p)"), {"p": waiting})
        firm.commit()
    thread.join(60)
    claim_txn.commit()
    for conn in (holder, claimer, watcher):
        conn.close()
    engine.dispose()
    assert first and first[0].status_code >= 500, first[0].text  # the answer is lost
    retry = http.post(f"{live_url}/api/v1/leads", json=body, headers={**lv, **key}, timeout=60)
    assert retry.status_code == 201, retry.text
    with store.session() as s:
        ids = s.scalars(select(Lead.id).where(Lead.company_name == body["company_name"])).all()
    assert ids == [retry.json()["id"]]


# ---------------------------------------------- finding 6: webhook deliveries


def test_a_delivery_id_with_another_body_is_refused_and_changes_nothing(
    live_url, http, config, store
) -> None:
    secret = config.environ["LV_WEBHOOK_SECRET"]
    form = f"{live_url}/webhooks/forms/lv"
    first = {"company_name": "SIA Pirmā", "country": "LV", "sector": "ict", "email": "a@pirma.lv"}
    other = {**first, "company_name": "SIA Otrā", "email": "b@otra.lv"}
    created = post_signed_form(http.post, form, secret, first, msg_id="msg_same", timeout=30)
    assert created.status_code == 201, created.text
    again = post_signed_form(http.post, form, secret, first, msg_id="msg_same", timeout=30)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    reused = post_signed_form(http.post, form, secret, other, msg_id="msg_same", timeout=30)
    assert reused.status_code == 409, reused.text
    assert reused.headers["Content-Type"].startswith("application/problem+json")
    assert reused.json()["type"].endswith("/delivery-id-reused")
    with store.session() as s:
        assert s.scalars(select(Lead.company_name)).all() == ["SIA Pirmā"]


# ------------------------------------------- finding 4: a merge that means it


def test_a_merge_says_nothing_to_fill_and_takes_a_chosen_value(
    live_url, http, bearer, store
) -> None:
    from integration.store import records

    lv = bearer("lv")
    lead = new_lead(http, live_url, lv, notes="Sazvanīts")
    raw = {k: lead[k] for k in ("company_name", "country", "sector", "email")}

    def entry(**extra: Any) -> int:
        with store.session() as s:
            kept = records.quarantine(
                s,
                kind="lead",
                source="api",
                partner="lv",
                raw={**raw, **extra},
                errors=[{"field": "", "code": "duplicate", "message": "x"}],
                duplicate_of=lead["id"],
            )
            s.flush()
            return kept.id

    def merge(entry_id: int, **body: Any) -> requests.Response:
        url = f"{live_url}/api/v1/quarantine/{entry_id}/merge"
        return http.post(url, json=body, headers=lv, timeout=30)

    same = merge(entry(notes="Cits teksts"))
    assert same.status_code == 200, same.text
    assert same.json()["filled"] == [] and same.json()["kept"] == ["notes"]
    assert same.json()["message"].startswith("Nothing to fill")
    wrong = merge(entry(notes="Cits teksts"), choose={"website": "entry"})
    assert wrong.status_code == 422, wrong.text
    chosen = merge(entry(notes="Jauns teksts", phone="+37129111555"), choose={"notes": "entry"})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["filled"] == ["phone"] and chosen.json()["replaced"] == ["notes"]
    final = http.get(f"{live_url}/api/v1/leads/{lead['id']}", headers=lv, timeout=30).json()
    assert final["notes"] == "Jauns teksts" and final["phone"] == "+37129111555"
    with store.session() as s:
        audits = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.record_id == lead["id"], AuditEntry.action == "merge")
            .order_by(AuditEntry.id)
        ).all()
        assert [a.changes for a in audits] == [
            {"filled": [], "replaced": [], "kept": ["notes"]},
            {"filled": ["phone"], "replaced": ["notes"], "kept": []},
        ]


# ------------------------------- one way to create a lead; an erased phone alone

#: A Latvian leads tab with a phone column and no e-mail or registration code.
PHONE_HEADER = ["Uzņēmums", "Valsts", "Nozare", "Kontaktpersona", "Tālrunis"]


def _phone_person(http: requests.Session, live: str, auth: dict[str, str], phone: str) -> str:
    """A lead whose person is known by phone only (no e-mail, no code), erased."""
    body = {
        "company_name": f"SIA Zvans {uuid.uuid4().hex[:6]}",
        "country": "LV",
        "sector": "ict",
        "contact_name": "Pēteris Zvans",
        "phone": phone,
    }
    created = http.post(f"{live}/api/v1/leads", json=body, headers=auth, timeout=30)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _sheet_sync(config: Any, store: Any, emulator: Any, rows: list[list[Any]]) -> Any:
    """An LV spreadsheet with ``rows`` under :data:`PHONE_HEADER` in the emulator:
    functions that sync its leads tab, read its cells and write one (real
    gspread over HTTP)."""
    from emulator_fixtures import create_spreadsheet, with_sheet
    from fast_retry import fast_policy

    from integration.sync.engine import run_sync

    gc = emulator.client(timeout=10)
    tabs = {"Leads": [PHONE_HEADER, *rows], "Agreements": [["Seller"]]}
    cfg = with_sheet(config, emulator, "lv", create_spreadsheet(gc, "lv", tabs))
    sid = cfg.partners["lv"].spreadsheet_id

    def sync() -> Any:
        report = run_sync(cfg, store, "lv", tab="leads", client=gc, retry=fast_policy())
        assert report.ok, report.tabs[0].error
        return report.tabs[0]

    def cells() -> list[list[Any]]:
        return gc.open_by_key(sid).worksheet("Leads").get_values()

    def write(a1: str, value: str) -> None:
        gc.open_by_key(sid).worksheet("Leads").update([[value]], a1, value_input_option="RAW")

    return sync, cells, write


def _nowhere_but_erased(store: Any, digits: str) -> None:
    """No live lead, quarantine entry or audit entry holds the number."""
    with store.session() as s:
        for lead in s.scalars(select(Lead)):
            if lead.erased_at is None:
                assert digits not in str(lead.data).replace(" ", ""), lead.id
        for entry in s.scalars(select(QuarantineEntry)):
            assert digits not in str(entry.raw).replace(" ", ""), entry.raw
        for audit in s.scalars(select(AuditEntry)):
            assert digits not in str(audit.changes).replace(" ", ""), audit.changes


def test_an_erased_phone_alone_is_refused_by_every_route(
    live_url, http, bearer, config, store, emulator
) -> None:
    """A person known only by phone, once erased, is refused by a form (valid or
    not), the API and a sheet row, whatever the number's formatting, and kept
    nowhere, not even in quarantine."""
    from integration.sync.messages import text as message

    lv = bearer("lv")
    gone = _phone_person(http, live_url, lv, "+37129111555")
    assert http.delete(f"{live_url}/api/v1/leads/{gone}", headers=lv, timeout=30).ok
    secret = config.environ["LV_WEBHOOK_SECRET"]
    form = f"{live_url}/webhooks/forms/lv"
    firm = {"country": "LV", "sector": "ict", "contact_name": "Pēteris"}
    for phone, sector in (("2911 1555", "ict"), ("+371 2911 1555", "no-such-sector")):
        sent = {**firm, "company_name": "SIA Cits Zvans", "sector": sector, "phone": phone}
        resp = post_signed_form(http.post, form, secret, sent, timeout=30)
        assert resp.status_code == 409, resp.text
        assert resp.json()["type"].endswith("/erased-person")
    body = {**firm, "company_name": "SIA Trešais Zvans", "phone": "+37129111555"}
    resp = http.post(f"{live_url}/api/v1/leads", json=body, headers=lv, timeout=30)
    assert resp.status_code == 409, resp.text
    assert resp.json()["type"].endswith("/erased-person")
    sync, cells, write = _sheet_sync(
        config,
        store,
        emulator,
        [
            ["SIA Ceturtais Zvans", "LV", "IKT", "Pēteris", "29111555"],
            ["SIA Piektais", "LV", "IKT", "Ilze", ""],
        ],
    )
    tab = sync()
    assert tab.counts["erased"] == 1 and tab.counts["created"] == 1
    header, new_row, other = cells()[:3]
    status = header.index("Sinhronizācijas statuss")
    assert new_row[status] == message("erased", "lv"), new_row
    assert "29111555" not in "".join(new_row)
    # the number typed into an existing row: not applied, the row says why
    write("E3", "2911 1555")
    sync()
    header, _, other = cells()[:3]
    assert message("erased", "lv") in other[status], other
    with store.session() as s:
        stored = s.get(Lead, other[header.index("CRM ID")])
        assert "phone" not in stored.data
    _nowhere_but_erased(store, "29111555")


def test_a_sheet_row_planned_before_an_erasure_is_not_stored_after_it(
    live_url, http, bearer, config, store, emulator
) -> None:
    """The sync's create is the store's one create: a new row planned while its
    person was live, stored after the person was erased (during the sheet
    write), is refused by the store's own tombstone check, and the next sync
    clears the row as it does for any erased person's row."""
    from integration.sync.messages import text as message

    lv = bearer("lv")
    person = _phone_person(http, live_url, lv, "+37129111666")
    sync, cells, _write = _sheet_sync(
        config, store, emulator, [["SIA Rinda", "LV", "IKT", "Jānis", "+371 2911 1666"]]
    )
    emulator.inject_fault(endpoint="spreadsheets.batchUpdate", hold=True)
    done: list[Any] = []
    thread = threading.Thread(target=lambda: done.append(sync()))
    thread.start()
    try:
        emulator.wait_held()
        erased = http.delete(f"{live_url}/api/v1/leads/{person}", headers=lv, timeout=30)
        assert erased.status_code == 200, erased.text
    finally:
        emulator.release()
        thread.join(60)
    assert done, "the sync did not finish"
    _nowhere_but_erased(store, "29111666")
    again = sync()
    assert again.counts["erased"] == 1 and again.counts["created"] == 0
    header, row = cells()[:2]
    assert row[header.index("Sinhronizācijas statuss")] == message("erased", "lv")
    assert "29111666" not in "".join(row).replace(" ", "")
    _nowhere_but_erased(store, "29111666")


# --------------------------------------- a dashboard resolve is a guarded write


def _dashboard(http: requests.Session, live: str, secret: str) -> Callable[..., requests.Response]:
    """A signed-in dashboard over real HTTP: ``post(path, **form)`` with the
    session's CSRF token. The session cookie is Secure, which a browser sends
    to localhost over HTTP and requests does not, so it is sent by hand."""
    import re

    def csrf(html: str) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert found, "page has no CSRF field"
        return found.group(1)

    page = http.get(f"{live}/dashboard/signin", timeout=30)
    cookie = {"Cookie": page.headers["Set-Cookie"].split(";", 1)[0]}
    signed = http.post(
        f"{live}/dashboard/signin",
        data={"token": secret, "csrf_token": csrf(page.text)},
        headers=cookie,
        allow_redirects=False,
        timeout=30,
    )
    assert signed.status_code == 302, signed.text
    cookie = {"Cookie": signed.headers["Set-Cookie"].split(";", 1)[0]}
    token = csrf(http.get(f"{live}/dashboard/fix", headers=cookie, timeout=30).text)

    def post(path: str, **form: str) -> requests.Response:
        answer = http.post(
            f"{live}{path}",
            data={"csrf_token": token, **form},
            headers=cookie,
            allow_redirects=False,
            timeout=60,
        )
        no_traceback(answer)
        assert answer.status_code == 302, answer.text
        # the flashed message (in the session the answer sets), on the page it
        # sends the reader to
        fresh = answer.headers.get("Set-Cookie")
        after = {"Cookie": fresh.split(";", 1)[0]} if fresh else cookie
        return http.get(f"{live}{answer.headers['Location']}", headers=after, timeout=30)

    return post


def _flashed(page: requests.Response) -> str:
    """The one-line messages a dashboard page shows (flashed by the action)."""
    import re

    return " | ".join(re.findall(r'<p class="flash flash-\w+">([^<]*)</p>', page.text))


def _said(page: requests.Response, key: str) -> bool:
    """Whether ``page`` flashes the interface text ``key`` in any language."""
    from integration.messages import text as message

    return any(message(key, locale) in _flashed(page) for locale in ("en", "lv", "et", "fi"))


def _staff(store: Any, partner: str) -> str:
    with store.session() as s:
        _, secret = create_token(s, f"staff-{partner}-{uuid.uuid4().hex[:6]}", partner)
    return secret


def _open_conflict(store: Any, lead_id: str) -> int:
    """A stage conflict the sheet won: the lead says ``contacted``, the store
    side ``qualified``."""
    from seeding import sheet_won_conflict

    with store.session() as s:
        lead = s.get(Lead, lead_id)
        lead.data = {**lead.data, "stage": "contacted"}
        lead.stage = "contacted"
        lead.version += 1
        conflict = sheet_won_conflict(
            lead.partner, lead_id, "stage", base="new", sheet="contacted", store="qualified"
        )
        s.add(conflict)
        s.flush()
        return conflict.id


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_dashboard_resolve_that_lost_a_race_is_taken_again(live_url, http, bearer, store) -> None:
    """A record write racing the resolve (here: held until the resolve's
    version-checked update waits, then committed) makes the dashboard take the
    resolve again on the record as it is now, as the API does: the chosen value
    lands, the other write is kept, and staff read "Done", never an error page."""
    from integration.store.models import Conflict

    lead = new_lead(http, live_url, bearer("lv"))
    conflict_id = _open_conflict(store, lead["id"])
    post = _dashboard(http, live_url, _staff(store, "lv"))
    with store.session() as s:
        seen = s.get(Lead, lead["id"]).version
    engine = create_engine(store.url)
    writer, watcher = engine.connect(), engine.connect()
    other = writer.begin()
    writer.execute(text("SELECT id FROM leads WHERE id = :i FOR UPDATE"), {"i": lead["id"]})
    answers: list[requests.Response] = []
    thread = threading.Thread(
        target=lambda: answers.append(post(f"/dashboard/fix/conflicts/{conflict_id}", side="store"))
    )
    thread.start()
    _wait_for(lambda: pg_backends_waiting(watcher, "transactionid"))
    writer.execute(text("UPDATE leads SET version = version + 1 WHERE id = :i"), {"i": lead["id"]})
    other.commit()
    thread.join(60)
    writer.close()
    watcher.close()
    engine.dispose()
    assert answers, "the resolve did not answer"
    assert _said(answers[0], "ui.done"), _flashed(answers[0])
    with store.session() as s:
        stored = s.get(Lead, lead["id"])
        assert stored.data["stage"] == "qualified"
        assert stored.version == seen + 2  # the other write and the resolve, both kept
        assert s.get(Conflict, conflict_id).resolution == "chose_store"


def test_two_dashboard_resolves_of_one_conflict_let_one_win_and_tell_the_other(
    live_url, http, bearer, store
) -> None:
    """Staff choosing both sides of one conflict at once: one choice lands, the
    other reads that the conflict was resolved meanwhile (in the reader's
    language) and changes nothing, so the record and the conflict agree."""
    from integration.store.models import Conflict

    lv = bearer("lv")
    first, second = (_dashboard(http, live_url, _staff(store, "lv")) for _ in range(2))
    for _ in range(ROUNDS):
        lead = new_lead(http, live_url, lv)
        conflict_id = _open_conflict(store, lead["id"])
        path = f"/dashboard/fix/conflicts/{conflict_id}"
        answers = at_once(
            [
                lambda p=path: first(p, side="sheet"),
                lambda p=path: second(p, side="store"),
            ]
        )
        told = [_said(a, "ui.conflict_resolved_meanwhile") for a in answers]
        assert sorted(told) == [False, True], [_flashed(a) for a in answers]
        with store.session() as s:
            conflict = s.get(Conflict, conflict_id)
            stage = s.get(Lead, lead["id"]).data["stage"]
        winner = "sheet" if told == [False, True] else "store"
        assert conflict.resolution == f"chose_{winner}"
        assert stage == ("contacted" if winner == "sheet" else "qualified")
