"""Edit, archive and restore from a record's page (#23 "Act from the dashboard"),
over real HTTP to the app on SQLite and PostgreSQL: the rules are the API's
(:mod:`integration.record_changes`), so what the API refuses the page refuses,
whatever forms the page showed; and an edit reaches the partner's sheet at the
next sync (the real gspread client against the emulator)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from dashboard_client import BASE, csrf_of, sign_in
from emulator_fixtures import create_spreadsheet, with_sheet
from fast_retry import fast_policy
from seeding import stored_lead
from sqlalchemy import func, select

from integration import create_app
from integration.auth import create_token
from integration.csv_export import read_csv
from integration.store import records
from integration.store.models import Agreement, AuditEntry, Lead, SyncRequest
from integration.sync.engine import run_sync

LV_HEADER = ["Uzņēmums", "Valsts", "Nozare", "Kontaktpersona", "E-pasts", "Piezīmes"]


@pytest.fixture
def world(store: Any) -> dict[str, Any]:
    """An LV lead, an EE lead, an LV-reported agreement whose buyer is EE's,
    and a token per partner and an admin's."""
    with store.session() as s:
        tokens = {
            "lv": create_token(s, "Anna (LV staff)", "lv")[1],
            "ee": create_token(s, "Mart (EE staff)", "ee")[1],
            "admin": create_token(s, "Admin Ilze", None)[1],
        }
        lv = stored_lead(
            s,
            {
                "partner": "lv",
                "company_name": "SIA Ābele",
                "country": "LV",
                "sector": "ict",
                "stage": "new",
                "email": "info@abele.example",
            },
            source="api",
        )
        ee = stored_lead(
            s,
            {"partner": "ee", "company_name": "Kask OÜ", "country": "AZ", "sector": "ict"},
            source="api",
        )
        s.flush()
        agreement = records.create_agreement(
            s,
            {
                "seller_id": lv.id,
                "buyer_id": ee.id,
                "status": "negotiating",
                "reporting_partner": "lv",
            },
            source="api",
        )
        s.flush()
        return {"tokens": tokens, "lv": lv.id, "ee": ee.id, "agreement": agreement.id}


def signed_in(app: Any, secret: str) -> Any:
    web = app.test_client()
    assert sign_in(web, secret).status_code == 302
    return web


def csrf(web: Any, path: str) -> str:
    return csrf_of(web.get(path, base_url=BASE).text)


def lead_state(store: Any, lead_id: str) -> tuple[Any, ...]:
    with store.session() as s:
        lead = s.get(Lead, lead_id)
        return (lead.partner, lead.version, dict(lead.data), lead.archived_at)


def edit_form(web: Any, path: str, **fields: str) -> dict[str, str]:
    """The edit form as the page fills it, with ``fields`` changed."""
    html = web.get(path, base_url=BASE).text
    form = {"csrf_token": csrf_of(html), **edit_form_from(html)}
    form.update({f"field:{k}": v for k, v in fields.items()})
    return form


def test_owner_edits_a_lead_and_the_history_names_who(app: Any, store: Any, world: dict) -> None:
    web = signed_in(app, world["tokens"]["lv"])
    page = web.get(f"/dashboard/leads/{world['lv']}", base_url=BASE).text
    assert "data-record-actions" in page and f"/dashboard/leads/{world['lv']}/edit" in page
    edit = f"/dashboard/leads/{world['lv']}/edit"
    html = web.get(edit, base_url=BASE).text
    # choices are the catalog's words in the viewer's language (LV staff: Latvian)
    assert re.search(r'<select id="edit-stage" name="field:stage">', html)
    assert ">Jauns<" in html or ">jauns<" in html.lower(), "stage words in Latvian"
    assert 'name="field:partner"' not in html  # only an admin moves a record
    resp = web.post(
        edit, data=edit_form(web, edit, stage="contacted", notes="Zvanīt pirmdien"), base_url=BASE
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(world["lv"])
    _partner, _version, data, _archived = lead_state(store, world["lv"])
    assert data["stage"] == "contacted" and data["notes"] == "Zvanīt pirmdien"
    assert data["email"] == "info@abele.example"  # untouched fields stay
    with store.session() as s:
        entry = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.record_id == world["lv"], AuditEntry.action == "update")
            .order_by(AuditEntry.id.desc())
        ).first()
        assert entry.source == "dashboard" and entry.actor == "Anna (LV staff)"
        assert entry.changes["stage"] == ["new", "contacted"]
        asked = s.scalars(select(SyncRequest).where(SyncRequest.partner == "lv")).all()
        assert any(r.tab == "leads" and world["lv"] in (r.reason or "") for r in asked)
    page = web.get(f"/dashboard/leads/{world['lv']}", base_url=BASE).text
    assert "Anna (LV staff)" in page and "Zvanīt pirmdien" in page
    # saving the form unchanged changes nothing (no second history entry)
    before = lead_state(store, world["lv"])
    assert web.post(edit, data=edit_form(web, edit), base_url=BASE).status_code == 302
    assert lead_state(store, world["lv"]) == before


def test_invalid_input_is_shown_again_named_by_field_in_the_viewers_language(
    app: Any, store: Any, world: dict
) -> None:
    web = signed_in(app, world["tokens"]["lv"])
    edit = f"/dashboard/leads/{world['lv']}/edit"
    before = lead_state(store, world["lv"])
    form = edit_form(web, edit, email="nav-epasts", notes="Mana piezīme", company_name="")
    resp = web.post(edit, data=form, base_url=BASE)
    assert resp.status_code == 422
    html = resp.text
    assert "data-edit-errors" in html and "Nav saglabāts" in html
    # each problem names its field, in Latvian (the sheet's own headers)
    assert "E-pasts:" in html and "Uzņēmums:" in html
    assert "E-pasts: E-pasts" not in html  # named once
    # nothing typed is lost
    assert 'value="nav-epasts"' in html and "Mana piezīme</textarea>" in html
    assert lead_state(store, world["lv"]) == before
    # in English for a viewer who chose English
    web.get("/dashboard/language?lang=en", base_url=BASE)
    html = web.post(edit, data={**form, "csrf_token": csrf(web, edit)}, base_url=BASE).text
    assert "Not saved" in html and "E-mail:" in html


def test_another_partner_can_neither_see_nor_post_the_forms(
    app: Any, store: Any, world: dict
) -> None:
    ee = signed_in(app, world["tokens"]["ee"])
    token = csrf(ee, "/dashboard/leads")
    before = lead_state(store, world["lv"])
    for lead_id in (world["lv"], "L-999999", "L-000000", "x' OR 1=1 --"):
        base = f"/dashboard/leads/{lead_id}"
        assert ee.get(base + "/edit", base_url=BASE).status_code == 404
        resp = ee.post(
            base + "/edit", data={"csrf_token": token, "field:stage": "lost"}, base_url=BASE
        )
        assert resp.status_code == 404, lead_id
        for action in ("archive", "restore"):
            data = {"csrf_token": token, "confirm": "yes"}
            assert ee.post(f"{base}/{action}", data=data, base_url=BASE).status_code == 404
    assert lead_state(store, world["lv"]) == before
    # EE owns the agreement's buyer: it reads the agreement but gets no forms, and
    # a POST is refused by the API's rule (403), not by a hidden button
    page = ee.get(f"/dashboard/agreements/{world['agreement']}", base_url=BASE)
    assert page.status_code == 200 and "data-record-actions" not in page.text
    base = f"/dashboard/agreements/{world['agreement']}"
    assert ee.get(base + "/edit", base_url=BASE).status_code == 403
    resp = ee.post(
        base + "/edit", data={"csrf_token": token, "field:status": "cancelled"}, base_url=BASE
    )
    assert resp.status_code == 403
    for action in ("archive", "restore"):
        data = {"csrf_token": token, "confirm": "yes"}
        assert ee.post(f"{base}/{action}", data=data, base_url=BASE).status_code == 403
    with store.session() as s:
        agreement = s.get(Agreement, world["agreement"])
        assert agreement.status == "negotiating" and agreement.archived_at is None


def test_missing_csrf_owner_field_and_id_are_refused(app: Any, store: Any, world: dict) -> None:
    web = signed_in(app, world["tokens"]["lv"])
    edit = f"/dashboard/leads/{world['lv']}/edit"
    before = lead_state(store, world["lv"])
    for path, data in (
        (edit, {"field:stage": "won"}),
        (edit, {"field:stage": "won", "csrf_token": "forged"}),
        (f"/dashboard/leads/{world['lv']}/archive", {"confirm": "yes"}),
    ):
        assert web.post(path, data=data, base_url=BASE).status_code == 400
    assert lead_state(store, world["lv"]) == before
    # a partner moving its lead to another partner: the API's rule says only an admin
    resp = web.post(edit, data=edit_form(web, edit, partner="ee"), base_url=BASE)
    assert resp.status_code == 422 and "administrators" in resp.text
    assert lead_state(store, world["lv"]) == before
    # an id or a timestamp in the form is never taken
    form = edit_form(web, edit, id="L-000001", created_at="2000-01-01T00:00:00Z", notes="ok")
    assert web.post(edit, data=form, base_url=BASE).status_code == 302
    with store.session() as s:
        lead = s.get(Lead, world["lv"])
        assert lead is not None and lead.data["notes"] == "ok" and "id" not in lead.data
        assert lead.created_at.year > 2000
    # an archive without the confirmation button is not an archive
    token = csrf(web, edit)
    path = f"/dashboard/leads/{world['lv']}/archive"
    assert web.post(path, data={"csrf_token": token}, base_url=BASE).status_code == 400
    assert lead_state(store, world["lv"])[3] is None


def test_admin_may_move_a_record(app: Any, store: Any, world: dict) -> None:
    web = signed_in(app, world["tokens"]["admin"])
    edit = f"/dashboard/leads/{world['lv']}/edit"
    assert 'name="field:partner"' in web.get(edit, base_url=BASE).text
    assert web.post(edit, data=edit_form(web, edit, partner="ee"), base_url=BASE).status_code == 302
    assert lead_state(store, world["lv"])[0] == "ee"
    with store.session() as s:
        asked = {r.partner for r in s.scalars(select(SyncRequest))}
        assert {"lv", "ee"} <= asked  # both sheets follow the move


def test_archive_and_restore_and_restore_refused_for_a_firm_another_partner_holds(
    app: Any, store: Any, world: dict
) -> None:
    web = signed_in(app, world["tokens"]["lv"])
    page_url = f"/dashboard/leads/{world['lv']}"
    page = web.get(page_url, base_url=BASE).text
    assert f'action="{page_url}/archive"' in page and 'name="confirm" value="yes"' in page
    token = csrf_of(page)
    resp = web.post(
        f"{page_url}/archive", data={"csrf_token": token, "confirm": "yes"}, base_url=BASE
    )
    assert resp.status_code == 302
    assert lead_state(store, world["lv"])[3] is not None
    page = web.get(page_url, base_url=BASE).text
    assert f'action="{page_url}/restore"' in page
    # while it was archived, EE's sheet listed the same firm (same e-mail): the
    # sync judges new rows against live leads only, so EE holds it now
    with store.session() as s:
        other = stored_lead(
            s,
            {"partner": "ee", "company_name": "Abele Baltic", "country": "LV", "sector": "ict"},
            source="sheet:ee",
        )
        other.data = {**other.data, "email": "info@abele.example"}
        records.apply_lead_columns(other)
    resp = web.post(
        f"{page_url}/restore", data={"csrf_token": token, "confirm": "yes"}, base_url=BASE
    )
    assert resp.status_code == 302
    shown = web.get(page_url, base_url=BASE).text
    assert "tagad ir cita partnera kontakts" in shown  # why, in Latvian
    assert lead_state(store, world["lv"])[3] is not None
    # once EE's lead is another firm again it comes back, and the history says who did both
    with store.session() as s:
        other = s.scalars(select(Lead).where(Lead.company_name == "Abele Baltic")).one()
        other.data = {**other.data, "email": "sales@abele-baltic.example"}
        records.apply_lead_columns(other)
    resp = web.post(
        f"{page_url}/restore", data={"csrf_token": token, "confirm": "yes"}, base_url=BASE
    )
    assert resp.status_code == 302 and lead_state(store, world["lv"])[3] is None
    with store.session() as s:
        done = [
            (e.action, e.actor)
            for e in s.scalars(select(AuditEntry).where(AuditEntry.record_id == world["lv"]))
            if e.source == "dashboard"
        ]
    assert done == [("archive", "Anna (LV staff)"), ("restore", "Anna (LV staff)")]


def test_an_edit_reaches_the_sheet_as_text_never_a_formula(
    config: Any, store: Any, emulator: Any
) -> None:
    """Sheet row -> store; a dashboard edit with a formula typed into a text
    field; the next sync writes it to the row as text (read back unformatted: a
    formula would show its result), as an API edit would."""
    gc = emulator.client(timeout=5)
    sid = create_spreadsheet(
        gc,
        "lv CRM",
        {
            "Leads": [LV_HEADER, ["SIA Bērzs", "LV", "IKT", "Anna", "anna@berzs.example", ""]],
            "Agreements": [["Seller", "Buyer", "Status"]],
        },
    )
    cfg = with_sheet(config, emulator, "lv", sid)
    cfg = dataclasses.replace(cfg, database_url=store.url)
    assert run_sync(cfg, store, "lv", client=gc, retry=fast_policy(), tab="leads").ok
    with store.session() as s:
        lead_id = s.scalars(select(Lead.id).where(Lead.company_name == "SIA Bērzs")).one()
        secret = create_token(s, "Anna (LV staff)", "lv")[1]
    app = create_app(cfg, store=store)
    web = signed_in(app, secret)
    edit = f"/dashboard/leads/{lead_id}/edit"
    evil = '=HYPERLINK("http://evil.example","click")'
    form = edit_form(web, edit, notes=evil, contact_name="+SUM(1,2)")
    assert web.post(edit, data=form, base_url=BASE).status_code == 302
    # a dry run first: nothing written, nothing in the record's history, and
    # marked as a dry run in the Sync page's lists and in the runs CSV
    before = gc.http_client.values_batch_get(sid, ["'Leads'"])["valueRanges"][0]["values"]
    with store.session() as s:
        entries = s.scalar(select(func.count()).where(AuditEntry.record_id == lead_id))
    dry = run_sync(cfg, store, "lv", client=gc, retry=fast_policy(), tab="leads", dry_run=True)
    assert dry.ok
    assert gc.http_client.values_batch_get(sid, ["'Leads'"])["valueRanges"][0]["values"] == before
    with store.session() as s:
        assert s.scalar(select(func.count()).where(AuditEntry.record_id == lead_id)) == entries
    sync_page = web.get("/dashboard/sync", base_url=BASE).text
    assert "data-dry-run" in sync_page
    header, *runs = read_csv(web.get("/dashboard/sync.csv", base_url=BASE).text)
    marked = {row[0]: row[header.index("dry_run")] for row in runs}
    assert marked[str(dry.tabs[0].sync_run_id)] not in ("", "False", "false", "0")
    assert run_sync(cfg, store, "lv", client=gc, retry=fast_policy(), tab="leads").ok
    ws = gc.open_by_key(sid).worksheet("Leads")
    header = ws.row_values(1)
    plain = gc.http_client.values_batch_get(
        sid, ["'Leads'"], params={"valueRenderOption": "UNFORMATTED_VALUE"}
    )["valueRanges"][0]["values"]
    row = dict(zip(header, plain[1], strict=False))
    assert row["Piezīmes"] == evil and row["Kontaktpersona"] == "+SUM(1,2)"
    assert row["CRM ID"] == lead_id and "OK" in row.values(), row  # its status cell
    # a formula cell would read back as its result ("click"), not as what was typed
    # a second sync writes nothing: the sheet and the store agree
    report = run_sync(cfg, store, "lv", client=gc, retry=fast_policy(), tab="leads")
    assert report.tabs[0].cells_written == 0


def test_retry_after_fix_says_what_is_still_wrong(app: Any, store: Any, world: dict) -> None:
    """ "Retry after fix" on a row still wrong: a form's payload says its
    problems by field; a sheet row asks for a sync and says what the row still
    had when last read. Both in the viewer's language (Latvian)."""
    with store.session() as s:
        form = records.quarantine(
            s,
            kind="lead",
            source="webhook:lv",
            partner="lv",
            raw={"company_name": "SIA Liepa", "country": "LV", "sector": "mining"},
            errors=[{"field": "sector", "code": "enum", "params": {"value": "mining"}}],
        )
        row = records.quarantine(
            s,
            kind="lead",
            source="sheet:lv",
            partner="lv",
            tab="Leads",
            row_number=4,
            raw={"Uzņēmums": "SIA Kļava", "E-pasts": "nav"},
            errors=[{"field": "email", "code": "email", "params": {"value": "nav"}}],
        )
        s.flush()
        form_id, row_id = form.id, row.id
    web = signed_in(app, world["tokens"]["lv"])
    token = csrf(web, "/dashboard/fix")
    resp = web.post(
        f"/dashboard/fix/quarantine/{form_id}",
        data={"csrf_token": token, "action": "replay", "field:sector": "kalnrūpniecība"},
        base_url=BASE,
    )
    assert resp.status_code == 302
    shown = web.get("/dashboard/fix", base_url=BASE).text
    assert "Joprojām nav derīgs" in shown and "Nozare:" in shown
    resp = web.post(
        f"/dashboard/fix/quarantine/{row_id}",
        data={"csrf_token": token, "action": "replay"},
        base_url=BASE,
    )
    assert resp.status_code == 302
    shown = web.get("/dashboard/fix", base_url=BASE).text
    assert "Sinhronizācija pieprasīta" in shown and "E-pasts:" in shown
    with store.session() as s:
        assert s.scalars(select(SyncRequest).where(SyncRequest.partner == "lv")).first()


def test_an_agreement_amount_is_read_in_the_viewers_locale_and_kept_when_untouched(
    app: Any, store: Any, world: dict
) -> None:
    web = signed_in(app, world["tokens"]["lv"])
    edit = f"/dashboard/agreements/{world['agreement']}/edit"
    form = edit_form(web, edit, value="1 234,50", currency="EUR", subject="Piegāde")
    assert web.post(edit, data=form, base_url=BASE).status_code == 302
    with store.session() as s:
        agreement = s.get(Agreement, world["agreement"])
        assert agreement.data["value"] == 1234.5 and agreement.data["currency"] == "EUR"
        agreement.data = {**agreement.data, "value": 1.234}
        records.apply_agreement_columns(agreement)
        version = agreement.version
    # saved again untouched: 1.234 stays 1.234 (not a Latvian 1 234)
    assert web.post(edit, data=edit_form(web, edit), base_url=BASE).status_code == 302
    with store.session() as s:
        agreement = s.get(Agreement, world["agreement"])
        assert agreement.data["value"] == 1.234 and agreement.version == version
    # a value that is no number is named by its field, as typed
    resp = web.post(edit, data=edit_form(web, edit, value="daudz"), base_url=BASE)
    assert resp.status_code == 422 and 'value="daudz"' in resp.text


def _api_patch(app: Any, secret: str, path: str, body: dict[str, Any]) -> Any:
    return app.test_client().patch(
        path, json=body, headers={"Authorization": f"Bearer {secret}"}, base_url=BASE
    )


def test_a_field_left_alone_keeps_what_someone_changed_while_the_form_was_open(
    app: Any, store: Any, world: dict
) -> None:
    """Staff A opens the edit form; meanwhile B (another session, the API) moves
    the stage; A only types a note and saves: the note is saved and B's stage
    stays (it was written back to A's stale 'new' before)."""
    lead = world["lv"]
    web = signed_in(app, world["tokens"]["lv"])
    path = f"/dashboard/leads/{lead}/edit"
    form = edit_form(web, path, notes="Zvanīt pirmdien")  # the form as A opened it
    other = _api_patch(
        app, world["tokens"]["lv"], f"/api/v1/leads/{lead}", {"stage": "negotiation"}
    )
    assert other.status_code == 200, other.text
    resp = web.post(path, data=form, base_url=BASE)
    assert resp.status_code == 302, resp.text
    _partner, version, data, _archived = lead_state(store, lead)
    assert data["stage"] == "negotiation" and data["notes"] == "Zvanīt pirmdien"
    assert version == 3
    with store.session() as s:
        changes = [
            e.changes
            for e in s.scalars(
                select(AuditEntry).where(
                    AuditEntry.record_id == lead, AuditEntry.source == "dashboard"
                )
            )
        ]
    assert changes and all("stage" not in c for c in changes), changes


def test_a_field_both_changed_is_a_conflict_and_saving_again_keeps_the_viewers(
    app: Any, store: Any, world: dict
) -> None:
    """A and B both change the stage: A's save stores nothing (409), names the
    field and what it holds now in A's language, and keeps A's typed values;
    saving that form again is A's deliberate choice and wins."""
    lead = world["lv"]
    web = signed_in(app, world["tokens"]["lv"])
    path = f"/dashboard/leads/{lead}/edit"
    form = edit_form(web, path, stage="contacted", notes="Mana piezīme")
    assert (
        _api_patch(
            app, world["tokens"]["lv"], f"/api/v1/leads/{lead}", {"stage": "negotiation"}
        ).status_code
        == 200
    )
    before = lead_state(store, lead)
    resp = web.post(path, data=form, base_url=BASE)
    assert resp.status_code == 409
    assert lead_state(store, lead) == before  # nothing saved, not even the note
    html = resp.text
    assert "data-edit-errors" in html and "Sarunas" in html  # what it holds now, in Latvian
    again = edit_form_from(html)
    assert again["field:stage"] == "contacted" and again["field:notes"] == "Mana piezīme"
    assert again["shown:stage"] == "negotiation"  # judged against what it holds now
    resp = web.post(path, data={**again, "csrf_token": csrf_of(html)}, base_url=BASE)
    assert resp.status_code == 302, resp.text
    data = lead_state(store, lead)[2]
    assert data["stage"] == "contacted" and data["notes"] == "Mana piezīme"


def edit_form_from(html: str) -> dict[str, str]:
    """Every value an edit form sends, as a browser does: the boxes and lists,
    and what the form showed (the save is judged against it)."""
    form: dict[str, str] = {}
    for name, value in re.findall(
        r'<input type="hidden" name="(shown:[^"]+)" value="([^"]*)"', html
    ):
        form[name] = value
    for name, value in re.findall(
        r'<input id="edit-[^"]+" name="(field:[^"]+)" type="\w+" value="([^"]*)"', html
    ):
        form[name] = value
    for name in re.findall(r'<select id="edit-[^"]+" name="(field:[^"]+)"', html):
        block = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        chosen = re.search(r'<option value="([^"]*)" selected>', block)
        form[name] = chosen.group(1) if chosen else ""
    for name, value in re.findall(
        r'<textarea id="edit-[^"]+" name="(field:[^"]+)"[^>]*>([^<]*)</textarea>', html
    ):
        form[name] = value
    return form


def test_an_oversized_edit_says_why_in_the_viewers_language_and_leads_back(
    app: Any, store: Any, world: dict
) -> None:
    """3 MB typed into Notes: nothing saved, a page that says too much text in
    Latvian and links back to the form (not a bare 'Kļūda (413)')."""
    web = signed_in(app, world["tokens"]["lv"])
    path = f"/dashboard/leads/{world['lv']}/edit"
    before = lead_state(store, world["lv"])
    resp = web.post(
        path,
        data=edit_form(web, path, notes="x" * 3_000_000),
        base_url=BASE,
        headers={"Referer": f"{BASE}{path}"},
    )
    assert resp.status_code == 413
    assert "Pārāk daudz teksta" in resp.text and "5000" in resp.text
    assert f'href="{path}" data-back' in resp.text
    assert lead_state(store, world["lv"]) == before


def test_an_oversized_post_from_another_site_offers_no_way_back_there(
    app: Any, store: Any, world: dict
) -> None:
    web = signed_in(app, world["tokens"]["lv"])
    path = f"/dashboard/leads/{world['lv']}/edit"
    resp = web.post(
        path,
        data=edit_form(web, path, notes="x" * 3_000_000),
        base_url=BASE,
        headers={"Referer": "https://evil.example/dashboard/leads"},
    )
    assert resp.status_code == 413 and "data-back" not in resp.text
