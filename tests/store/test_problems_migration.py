"""Migration 0010: quarantine problems stored as sentences become data that every
reader sees in their own language; a downgrade writes the English sentence back."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from integration.issues import render
from integration.store import migrate
from integration.store.db import Store
from integration.store.models import QuarantineEntry, utcnow

SHEET_ROW = [  # a Latvian sheet row, as the sync stored it before 0010
    {"field": "email", "code": "email", "message": "E-pasts: 'anna@' nav derīga e-pasta adrese."},
    {
        "field": "sector",
        "code": "enum",
        "message": "Nozare: 'Kosmoss' nav starp atļautajām vērtībām (IKT, Zaļās tehnoloģijas, "
        "Izglītība, Interjera dizains, Cits).",
    },
    {
        "field": "registration_code",
        "code": "registration_code",
        "message": "Reģistrācijas numurs: '123' nav derīgs reģistrācijas numurs valstij LV.",
    },
    {"field": "", "code": "duplicate", "message": "Dublikāts: L-000011 (EE)"},
    {"field": "notes", "code": "invalid", "message": "typed by hand, no template reads it"},
]
FORM = [  # a form submission: English plus the partner's language
    {
        "field": "phone",
        "code": "phone",
        "message": "Phone: '12' is not a valid phone number (use the international form, "
        "e.g. +371 2612 3456).",
        "messages": {"en": "…", "lv": "…"},
    }
]


def _insert(store: Store, errors: list[dict[str, str]]) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO quarantine (partner, kind, source, raw, errors, created_at,"
                " updated_at) VALUES ('lv', 'lead', 'sheet:lv', '{}', :errors, :at, :at)"
            ),
            {"errors": json.dumps(errors, ensure_ascii=False), "at": utcnow()},
        )


def test_sentences_become_data_and_read_in_every_language(db_url: str) -> None:
    store = Store(db_url)
    migrate.downgrade(store, "0006")
    _insert(store, SHEET_ROW)
    FORM[0]["messages"] = {"en": FORM[0]["message"], "lv": "Tālrunis: '12' nav derīgs."}
    _insert(store, FORM)
    migrate.upgrade(store)
    with store.session() as s:
        sheet, form = s.scalars(select(QuarantineEntry).order_by(QuarantineEntry.id)).all()
        email, sector, reg, duplicate, by_hand = sheet.errors
        assert email == {"field": "email", "code": "email", "params": {"value": "anna@"}}
        assert render(email, "en", "lead") == "E-mail: 'anna@' is not a valid e-mail address."
        assert sector["params"]["allowed"] == [
            "ict",
            "green_tech",
            "education",
            "interior_design",
            "other",
        ]
        assert render(sector, "fi", "lead").startswith("Toimiala: 'Kosmoss' ")
        assert reg["params"] == {"value": "123", "country": "LV"}
        assert render(reg, "en", "lead").endswith("registration code for Latvia.")
        assert duplicate["template"] == "sync.duplicate"
        assert duplicate["params"] == {"id": "L-000011", "partner": "ee"}
        assert render(duplicate, "en", "lead") == "Duplicate of L-000011 (EE)"
        assert "params" not in by_hand  # kept as typed, shown as stored
        assert render(by_hand, "en", "lead") == "typed by hand, no template reads it"
        (phone,) = form.errors
        assert phone["params"] == {"value": "12"}
        assert render(phone, "lv", "lead").startswith("Tālrunis: '12' nav derīgs tālruņa numurs")
    migrate.downgrade(store, "0006")
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT errors FROM quarantine ORDER BY id")).all()
    back = [e if isinstance(e, list) else json.loads(e) for (e,) in rows]
    assert back[0][0] == {
        "field": "email",
        "code": "email",
        "message": "E-mail: 'anna@' is not a valid e-mail address.",
        "messages": {"en": "E-mail: 'anna@' is not a valid e-mail address."},
    }
    assert back[0][4] == SHEET_ROW[4]
    migrate.upgrade(store)
    store.dispose()
