"""Races the concurrency campaign found between an erasure and the writes that
would bring the person back, replayed deterministically over real HTTP on
PostgreSQL (on SQLite every write transaction takes the one write lock first,
so these interleavings cannot happen there).

An invalid form of a person, in flight while the person is erased: the form
looked at the tombstones before the erasure committed, and the erasure scrubbed
the review copies before the form committed its quarantine entry, so the entry
kept the erased e-mail and phone (campaign seed 10). Now the quarantine write
holds the person's firm locks, which the erasure takes too.

A sync whose sheet write is in flight while the person is erased: its store
commit moved the row's base forward to the values it had read (the e-mail and
phone included) at the erased record's new version, so every later sync took
the row for agreed and the sheet kept the person for good (campaign seed 34).
Now a record written since the sync read it keeps its base, on both stores.

A sheet row of the person, quarantined by a sync that read it before the
erasure and committed after it, kept the erased phone (campaign seed 3): a
phone was no tombstone key. Now tombstones hold the phone in international
form too, so the quarantine write, a patch and a form refuse it.

A lead erased by its partner and then moved by an admin to another partner
left its row in the first partner's sheet with the person's e-mail and phone:
the sync keeps its hands off another partner's record, and kept the row in
review as it was (campaign seed 40). Now the row of an erased record is
blanked whoever owns it, and nothing of it is kept.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from typing import Any

import pytest
import requests
from emulator_fixtures import create_spreadsheet
from fast_retry import fast_policy
from signed_forms import post_signed_form
from sqlalchemy import create_engine, select, text
from waiting import pg_backends_waiting, wait_until

from integration.auth import create_token
from integration.store.models import QuarantineEntry, SyncShadow
from integration.sync.engine import run_sync

LV_HEADER = ["Uzņēmums", "Valsts", "Nozare", "Kontaktpersona", "E-pasts", "Tālrunis", "Piezīmes"]


def _bearer(store: Any, partner: str) -> dict[str, str]:
    with store.session() as s:
        _, secret = create_token(s, f"t-{partner}-{uuid.uuid4().hex[:6]}", partner)
    return {"Authorization": f"Bearer {secret}"}


def _lv_sheet(config: Any, emulator: Any) -> tuple[Any, str, Any]:
    """A new LV spreadsheet with an empty Leads tab: (client, id, config using it)."""
    gc = emulator.client()
    sid = create_spreadsheet(gc, "LV CRM", {"Leads": [LV_HEADER]})
    partners = dict(config.partners)
    partners["lv"] = dataclasses.replace(partners["lv"], spreadsheet_id=sid)
    return gc, sid, dataclasses.replace(config, partners=partners, emulator_host=emulator.host_port)


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_an_invalid_form_in_flight_during_an_erasure_keeps_no_erased_value(
    live_url: str, http: requests.Session, store: Any, config: Any
) -> None:
    with store.session() as s:
        _, secret = create_token(s, f"t-lv-{uuid.uuid4().hex[:6]}", "lv")
    lv = {"Authorization": f"Bearer {secret}"}
    person = {"email": "Rita@Dzesta.example.lv", "phone": "+37129111777"}
    created = http.post(
        f"{live_url}/api/v1/leads",
        json={"company_name": "Dzēstā SIA", "country": "LV", "sector": "ict", **person},
        headers=lv,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    lead_id = created.json()["id"]

    engine = create_engine(store.url)
    blocker = engine.connect()
    # each look at pg_stat_activity in its own transaction (a transaction sees one snapshot)
    watcher = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    # An uncommitted delivery row with the form's id: the form's transaction runs
    # its work (the tombstone look-up, the quarantine entry), then waits on it.
    msg_id = f"msg_{uuid.uuid4().hex}"
    held = blocker.begin()
    blocker.execute(
        text(
            "INSERT INTO webhook_deliveries (partner, delivery_id, source, received_at, "
            "status_code, response) VALUES ('lv', :d, 'forms', now(), 0, '{}')"
        ),
        {"d": msg_id},
    )
    answers: dict[str, requests.Response] = {}
    invalid = {
        "company_name": "Dzēstā SIA",
        "country": "LV",
        "sector": "no-such-sector",
        "email": person["email"].upper(),
        "phone": "+371 2911 1777",
    }

    def form() -> None:
        answers["form"] = post_signed_form(
            requests.post,
            f"{live_url}/webhooks/forms/lv",
            config.environ["LV_WEBHOOK_SECRET"],
            invalid,
            msg_id=msg_id,
            timeout=60,
        )

    def erase() -> None:
        answers["erase"] = requests.delete(
            f"{live_url}/api/v1/leads/{lead_id}", headers=lv, timeout=60
        )

    threads = [threading.Thread(target=form)]
    threads[0].start()
    wait_until(lambda: pg_backends_waiting(watcher, "transactionid"), what="the form waits")
    threads.append(threading.Thread(target=erase))
    threads[1].start()
    # the erasure either finishes at once (nothing stops it) or waits for the
    # person's locks, which the form's transaction holds
    wait_until(
        lambda: "erase" in answers or pg_backends_waiting(watcher, "advisory"),
        what="the erasure finishes or waits for the form",
    )
    held.rollback()
    for t in threads:
        t.join(60)
    blocker.close()
    watcher.close()
    engine.dispose()

    assert answers["erase"].status_code == 200, answers["erase"].text
    assert answers["form"].status_code in (409, 422), answers["form"].text
    with store.session() as s:
        for entry in s.scalars(select(QuarantineEntry)):
            kept = str(entry.raw).lower()
            assert "dzesta.example.lv" not in kept and "2911 1777" not in kept, entry.raw


def test_a_sync_writing_while_the_person_is_erased_leaves_the_sheet_blanked(
    live_url: str, http: requests.Session, store: Any, config: Any, emulator: Any
) -> None:
    lv = _bearer(store, "lv")
    body = {
        "company_name": "Sinhronā SIA",
        "country": "LV",
        "sector": "ict",
        "contact_name": "Inga Dzēšamā",
        "email": "inga@sinhrona.example.lv",
        "phone": "+37129111888",
        "notes": "pirmā",
    }
    created = http.post(f"{live_url}/api/v1/leads", json=body, headers=lv, timeout=30)
    assert created.status_code == 201, created.text
    lead_id = created.json()["id"]
    gc, sid, cfg = _lv_sheet(config, emulator)

    def sync() -> str:
        report = run_sync(cfg, store, "lv", tab="leads", client=gc, retry=fast_policy())
        return report.tabs[0].outcome

    assert sync() == "completed"  # the row is in the sheet
    # a change in the store: the next sync writes it into the row and moves its base
    patched = http.patch(
        f"{live_url}/api/v1/leads/{lead_id}", json={"notes": "otrā"}, headers=lv, timeout=30
    )
    assert patched.status_code == 200, patched.text
    emulator.inject_fault(endpoint="spreadsheets.batchUpdate", hold=True)
    outcomes: list[str] = []
    thread = threading.Thread(target=lambda: outcomes.append(sync()))
    thread.start()
    try:
        emulator.wait_held()  # the sync read and planned; its write waits
        erased = http.delete(f"{live_url}/api/v1/leads/{lead_id}", headers=lv, timeout=30)
        assert erased.status_code == 200, erased.text
    finally:
        emulator.release()
        thread.join(60)
    assert outcomes and outcomes[0] in ("completed", "failed"), outcomes
    assert sync() == "completed"
    assert sync() == "completed"
    rows = gc.open_by_key(sid).worksheet("Leads").get_values()
    text_ = str(rows).lower()
    assert "inga@sinhrona.example.lv" not in text_ and "29111888" not in text_, rows
    assert "dzēšamā" not in text_, rows
    with store.session() as s:
        for shadow in s.scalars(select(SyncShadow).where(SyncShadow.record_id == lead_id)):
            assert "email" not in (shadow.base or {}) and "phone" not in (shadow.base or {})


def test_a_row_quarantined_across_an_erasure_keeps_no_erased_phone(
    live_url: str, http: requests.Session, store: Any, config: Any, emulator: Any
) -> None:
    lv, ee = _bearer(store, "lv"), _bearer(store, "ee")
    other = {"company_name": "Meri OÜ", "country": "EE", "sector": "ict", "email": "info@meri.ee"}
    assert http.post(f"{live_url}/api/v1/leads", json=other, headers=ee, timeout=30).ok
    body = {
        "company_name": "Tālrunis SIA",
        "country": "LV",
        "sector": "ict",
        "email": "janis@talrunis.example.lv",
        "phone": "+37129111999",
    }
    created = http.post(f"{live_url}/api/v1/leads", json=body, headers=lv, timeout=30)
    assert created.status_code == 201, created.text
    lead_id = created.json()["id"]
    gc, sid, cfg = _lv_sheet(config, emulator)
    assert run_sync(cfg, store, "lv", tab="leads", client=gc, retry=fast_policy()).ok
    # staff type the EE firm's e-mail into the row: the next sync quarantines it
    ws = gc.open_by_key(sid).worksheet("Leads")
    ws.update([["info@meri.ee"]], "E2", value_input_option="RAW")
    emulator.inject_fault(endpoint="spreadsheets.batchUpdate", hold=True)
    thread = threading.Thread(
        target=lambda: run_sync(cfg, store, "lv", tab="leads", client=gc, retry=fast_policy())
    )
    thread.start()
    try:
        emulator.wait_held()  # read and planned (the row quarantined); the write waits
        erased = http.delete(f"{live_url}/api/v1/leads/{lead_id}", headers=lv, timeout=30)
        assert erased.status_code == 200, erased.text
    finally:
        emulator.release()
        thread.join(60)
    with store.session() as s:
        for entry in s.scalars(select(QuarantineEntry)):
            assert "29111999" not in str(entry.raw).replace(" ", ""), entry.raw
    # and the erased phone by another route: a patch of another own lead
    again = http.post(
        f"{live_url}/api/v1/leads",
        json={"company_name": "Cita SIA", "country": "LV", "sector": "ict"},
        headers=lv,
        timeout=30,
    )
    resp = http.patch(
        f"{live_url}/api/v1/leads/{again.json()['id']}",
        json={"phone": "+37129111999"},
        headers=lv,
        timeout=30,
    )
    assert resp.status_code == 409, resp.text


def test_an_erased_lead_moved_to_another_partner_leaves_no_copy_in_the_sheet(
    live_url: str, http: requests.Session, store: Any, config: Any, emulator: Any
) -> None:
    lv, admin = _bearer(store, "lv"), _bearer(store, None)
    body = {
        "company_name": "Pārvietotā SIA",
        "country": "LV",
        "registration_code": "40003000021",
        "sector": "ict",
        "email": "zane@parvietota.example.lv",
        "phone": "+37129111666",
    }
    created = http.post(f"{live_url}/api/v1/leads", json=body, headers=lv, timeout=30)
    assert created.status_code == 201, created.text
    url = f"{live_url}/api/v1/leads/{created.json()['id']}"
    gc, sid, cfg = _lv_sheet(config, emulator)
    assert run_sync(cfg, store, "lv", tab="leads", client=gc, retry=fast_policy()).ok
    assert http.delete(url, headers=lv, timeout=30).status_code == 200
    moved = http.patch(url, json={"partner": "ee"}, headers=admin, timeout=30)
    assert moved.status_code == 200, moved.text
    for _ in range(2):
        assert run_sync(cfg, store, "lv", tab="leads", client=gc, retry=fast_policy()).ok
    rows = gc.open_by_key(sid).worksheet("Leads").get_values()
    assert "parvietota" not in str(rows).lower() and "29111666" not in str(rows), rows
    with store.session() as s:
        for entry in s.scalars(select(QuarantineEntry)):
            assert "40003000021" not in str(entry.raw), entry.raw
