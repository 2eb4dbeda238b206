"""GDPR erasure end to end: a lead arrives by form webhook, a sync writes it to
the partner's sheet (the emulator, real gspread over HTTP), the API erases it,
the next sync blanks the cells; afterwards no personal value is left anywhere:
not in any store table, not in the sheet, not in the logs."""

from __future__ import annotations

import dataclasses
import json
import logging

from emulator_fixtures import create_spreadsheet
from fast_retry import fast_policy
from signed_forms import post_signed_form
from sqlalchemy import select

from integration import create_app
from integration.store.models import Base
from integration.sync.engine import run_sync

HEADER = ["Company name", "Country", "Sector", "Contact name", "E-mail", "Phone", "Notes"]
PERSON = {
    "contact_name": "Ilze Kalniņa",
    "email": "ilze.kalnina@example.lv",
    "phone": "+37129876543",
    "notes": "Ilze prefers calls in the morning",
}
NEEDLES = ("Ilze", "Kalni", "ilze.kalnina", "29876543", "morning")


def dump_store(store) -> str:  # type: ignore[no-untyped-def]
    out = []
    with store.session() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)).all():
                out.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(out)


def test_erasure_through_a_sync(config, store, emulator, tokens, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    gc = emulator.client(timeout=10)
    sid = create_spreadsheet(gc, "lv CRM", {"Leads": [HEADER], "Agreements": [["Seller"]]})
    partners = {
        **config.partners,
        "lv": dataclasses.replace(config.partners["lv"], spreadsheet_id=sid),
    }
    cfg = dataclasses.replace(config, partners=partners, emulator_host=emulator.host_port)
    client = create_app(cfg, store=store).test_client()
    secret = cfg.environ["LV_WEBHOOK_SECRET"]

    def submit(payload: dict, msg_id: str):  # type: ignore[no-untyped-def]
        return post_signed_form(client.post, "/webhooks/forms/lv", secret, payload, msg_id=msg_id)

    firm = {"company_name": "SIA Mežs", "country": "LV", "sector": "ict"}
    # First a rejected submission (kept in quarantine), then the good one.
    assert submit({**firm, "sector": "fishing", **PERSON}, "m-bad").status_code == 422
    created = submit({**firm, **PERSON}, "m-good")
    assert created.status_code == 201
    lead_id = created.get_json()["id"]

    def sync() -> None:
        report = run_sync(cfg, store, "lv", tab="leads", client=gc, retry=fast_policy())
        assert report.tabs[0].outcome == "completed", report

    sync()
    sheet = gc.open_by_key(sid).worksheet("Leads").get_all_values()
    assert any(PERSON["email"] in row for row in sheet)

    resp = client.delete(f"/api/v1/leads/{lead_id}", headers=tokens.lv)
    assert resp.status_code == 200 and resp.get_json()["scope"] == "partner"
    sync()

    sheet = gc.open_by_key(sid).worksheet("Leads").get_all_values()
    sheet_text = json.dumps(sheet, ensure_ascii=False)
    assert "SIA Mežs" in sheet_text  # the firm stays
    everything = "\n".join([sheet_text, dump_store(store), caplog.text])
    for needle in NEEDLES:
        assert needle not in everything, needle
    # A later submission by the same person is refused and leaves nothing.
    again = submit({**firm, **PERSON}, "m-again")
    assert again.status_code == 409
    for needle in NEEDLES:
        assert needle not in dump_store(store), needle
