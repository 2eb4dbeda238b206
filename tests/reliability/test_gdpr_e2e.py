"""GDPR erasure end to end: a person known through the sheet, a web form (merged
and rejected submissions) and an API edit is erased through the API; after a
real sync against the emulator, no trace of them is left in any table of the
store, any cell of the spreadsheet, or any log record; and neither an old copy of
their row pasted back (with or without its CRM ID) nor a repeated form
submission brings them back."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from emulator_fixtures import create_spreadsheet
from fast_retry import fast_policy
from log_capture import everything_logged
from signed_forms import post_signed_form
from sqlalchemy import select

from integration.auth import create_token
from integration.store.models import Base, Lead
from integration.sync.engine import run_sync

HEADER = ["Uzņēmums", "Valsts", "Nozare", "Kontaktpersona", "E-pasts", "Tālrunis", "Piezīmes"]
PERSON = {
    "contact_name": "Ilze Kalniņa-Zīle",
    "email": "ilze.kalnina.zile@example.lv",
    "phone": "+37129998877",
    "notes": "Ilze Kalniņa-Zīle met at Baku forum",
}
#: The firm the person works for, as the web form sends it.
FIRM = {"company_name": "SIA Privāts", "country": "LV", "sector": "ict"}
ROW = [
    "SIA Privāts",
    "LV",
    "IKT",
    PERSON["contact_name"],
    PERSON["email"],
    PERSON["phone"],
    PERSON["notes"],
]
NEEDLES = ["ilze", "kalni", "29998877", "2999 8877", "example.lv"]


def _traces(text: str) -> list[str]:
    low = text.casefold()
    return [n for n in NEEDLES if n in low]


def _store_traces(store: Any) -> list[str]:
    found = []
    with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                text = json.dumps([str(v) for v in row], ensure_ascii=False)
                if _traces(text):
                    found.append(f"{table.name}: {text[:300]}")
    return found


def _sheet_traces(gc: Any, sid: str) -> list[str]:
    found = []
    for ws in gc.open_by_key(sid).worksheets():
        for row in ws.get_values(value_render_option="UNFORMATTED_VALUE"):
            text = json.dumps(row, ensure_ascii=False)
            if _traces(text):
                found.append(f"{ws.title}: {text[:300]}")
    return found


def _form(client: Any, secret: str, payload: dict[str, Any]) -> Any:
    return post_signed_form(client.post, "/webhooks/forms/lv", secret, payload)


def test_erasure_leaves_nothing_anywhere_and_copies_cannot_bring_it_back(
    config, store, emulator, app, client
) -> None:
    with everything_logged() as lines:
        gc = emulator.client(timeout=10)
        sid = create_spreadsheet(gc, "lv", {"Leads": [HEADER, ROW], "Agreements": [["Seller"]]})
        pc = dataclasses.replace(config.partners["lv"], spreadsheet_id=sid)
        cfg = dataclasses.replace(config, partners={**config.partners, "lv": pc})

        def sync() -> Any:
            report = run_sync(cfg, store, "lv", tab="leads", client=gc, retry=fast_policy())
            assert report.ok, report.tabs[0].error
            return report.tabs[0]

        sync()
        with store.session() as s:
            lead_id = s.scalars(select(Lead.id)).one()
            _, admin = create_token(s, "admin", partner=None)
        auth = {"Authorization": f"Bearer {admin}"}
        secret = cfg.environ["LV_WEBHOOK_SECRET"]
        # the same person through the web form (merged), and a rejected submission
        merged = _form(
            client,
            secret,
            {**FIRM, "email": PERSON["email"], "phone": PERSON["phone"]},
        )
        assert merged.status_code in (200, 201), merged.get_json()
        rejected = _form(
            client,
            secret,
            {
                "company_name": "SIA Privāts 2",
                "country": "Nowhere",
                "email": PERSON["email"],
                "contact_name": PERSON["contact_name"],
            },
        )
        assert rejected.status_code in (202, 422), rejected.get_json()
        patched = client.patch(
            f"/api/v1/leads/{lead_id}", json={"notes": PERSON["notes"] + " (again)"}, headers=auth
        )
        assert patched.status_code == 200
        sync()
        assert _sheet_traces(gc, sid) and _store_traces(store)  # the checks can see them

        erased = client.delete(f"/api/v1/leads/{lead_id}", headers=auth)
        assert erased.status_code == 200, erased.get_data(as_text=True)
        # an admin's erasure reaches the whole network, and says so
        assert erased.get_json()["scope"] == "network" and lead_id in erased.get_json()["erased"]
        sync()
        assert _sheet_traces(gc, sid) == []

        # an old copy of the row pasted back: once with its CRM ID, once without
        ws = gc.open_by_key(sid).worksheet("Leads")
        rows = ws.get_values()
        id_col = rows[0].index("CRM ID")
        with_id = ROW + [""] * (id_col - len(ROW)) + [lead_id]
        ws.update([with_id, ROW], f"A{len(rows) + 1}", value_input_option="RAW")
        pasted = sync()
        # both copies are refused: the one without an ID by the tombstone, and the one
        # with it too (the erased row still holds that ID, so the copy counts as new)
        assert pasted.counts["erased"] == 2 and pasted.counts["created"] == 0
        # and the person submits the form again
        again = _form(
            client,
            secret,
            {**FIRM, "email": PERSON["email"], "contact_name": PERSON["contact_name"]},
        )
        assert again.status_code == 409, again.get_data(as_text=True)
        assert again.get_json()["type"].endswith("/erased-person")
        sync()

    assert _sheet_traces(gc, sid) == []
    assert _store_traces(store) == []
    with store.session() as s:
        live = [x for x in s.scalars(select(Lead)) if x.archived_at is None]
        assert [x.id for x in live if x.erased_at is None and x.data.get("email")] == []
    logged = [line for line in lines if _traces(line)]
    assert lines and logged == [], logged[:3]
