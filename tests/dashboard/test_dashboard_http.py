"""The dashboard over the Flask test client, on SQLite and PostgreSQL: sign-in,
session cookie, CSRF, partner scoping, filters, review actions and CSV export."""

from __future__ import annotations

import re

import pytest
from dashboard_client import BASE, csrf_of, sign_in
from seeding import Seeded, finished_leads_run, leads_run, seed, stored_lead
from sqlalchemy import func, select

from integration.auth import revoke_token, verify_token
from integration.csv_export import FORMULA_TRIGGERS, read_csv
from integration.store import records
from integration.store.models import Conflict, Lead, QuarantineEntry, SyncRequest


@pytest.fixture
def seeded(store) -> Seeded:  # type: ignore[no-untyped-def]
    return seed(store, leads_per_partner=10)


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def row_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-id="([LA]-\d{6})"', html)


def test_root_redirects_and_pages_require_sign_in(web) -> None:  # type: ignore[no-untyped-def]
    root = web.get("/", base_url=BASE)
    assert root.status_code == 302 and root.headers["Location"].endswith("/dashboard/")
    for path in (
        "/dashboard/",
        "/dashboard/sync",
        "/dashboard/fix",
        "/dashboard/leads",
        "/dashboard/agreements",
        "/dashboard/leads.csv",
        "/dashboard/leads/L-000001",
    ):
        answer = web.get(path, base_url=BASE)
        assert answer.status_code == 302, path
        assert "/dashboard/signin?next=" in answer.headers["Location"], path


def test_sign_in_sets_a_hardened_session_cookie(web, seeded) -> None:  # type: ignore[no-untyped-def]
    answer = sign_in(web, seeded.tokens["lv"])
    assert answer.status_code == 302
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert seeded.tokens["lv"] not in cookie  # the secret never goes into the cookie
    page = web.get("/dashboard/", base_url=BASE)
    assert page.status_code == 200
    assert "lv staff" in page.text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert page.headers["Cache-Control"] == "no-store"


def test_bad_token_is_refused_without_detail(web, seeded) -> None:  # type: ignore[no-untyped-def]
    answer = sign_in(web, "lcs_not-a-real-token")
    assert answer.status_code == 401
    assert "not valid or has been revoked" in answer.text
    assert web.get("/dashboard/", base_url=BASE).status_code == 302


def test_next_parameter_cannot_redirect_off_site(web, seeded) -> None:  # type: ignore[no-untyped-def]
    page = web.get("/dashboard/signin?next=//evil.example/x", base_url=BASE)
    answer = web.post(
        "/dashboard/signin",
        data={
            "token": seeded.tokens["admin"],
            "csrf_token": csrf_of(page.text),
            "next": "https://evil.example/",
        },
        base_url=BASE,
    )
    assert answer.headers["Location"] == "/dashboard/"
    page = web.get("/dashboard/signin?next=/dashboard/leads", base_url=BASE)
    assert page.status_code == 302 and page.headers["Location"] == "/dashboard/leads"


def test_post_without_csrf_token_changes_nothing(web, store, seeded) -> None:  # type: ignore[no-untyped-def]
    refused = web.post("/dashboard/signin", data={"token": seeded.tokens["admin"]}, base_url=BASE)
    assert refused.status_code == 400
    assert web.get("/dashboard/", base_url=BASE).status_code == 302  # still signed out
    sign_in(web, seeded.tokens["admin"])
    forged = web.post("/dashboard/sync/lv", data={"csrf_token": "forged"}, base_url=BASE)
    assert forged.status_code == 400
    assert "expired" in forged.text
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(SyncRequest)) == 0
    still_in = web.get("/dashboard/", base_url=BASE)
    assert still_in.status_code == 200


def test_sign_out_and_revocation_end_the_session(web, store, seeded) -> None:  # type: ignore[no-untyped-def]
    sign_in(web, seeded.tokens["ee"])
    page = web.get("/dashboard/", base_url=BASE)
    out = web.post("/dashboard/signout", data={"csrf_token": csrf_of(page.text)}, base_url=BASE)
    assert out.status_code == 302
    assert web.get("/dashboard/", base_url=BASE).status_code == 302
    sign_in(web, seeded.tokens["ee"])
    assert web.get("/dashboard/", base_url=BASE).status_code == 200
    with store.session() as s:
        token = verify_token(s, seeded.tokens["ee"])
        assert token is not None
        revoke_token(s, token.id)
    assert web.get("/dashboard/", base_url=BASE).status_code == 302


def test_partner_sees_only_its_rows(web, seeded) -> None:  # type: ignore[no-untyped-def]
    sign_in(web, seeded.tokens["lv"])
    leads = web.get("/dashboard/leads?per_page=100", base_url=BASE)
    ids = row_ids(leads.text)
    assert sorted(ids) == sorted(seeded.leads["lv"])
    assert not set(ids) & set(seeded.leads["ee"] + seeded.leads["fi"])
    # Asking for another partner by filter or by id shows nothing of it.
    assert row_ids(web.get("/dashboard/leads?partner=ee", base_url=BASE).text) == row_ids(
        web.get("/dashboard/leads", base_url=BASE).text
    )
    other = seeded.leads["ee"][0]
    assert web.get(f"/dashboard/leads/{other}", base_url=BASE).status_code == 404
    agreements = row_ids(web.get("/dashboard/agreements", base_url=BASE).text)
    assert agreements and all(a in seeded.agreements for a in agreements)
    assert len(agreements) == 3  # the three LV-reported ones
    exported = read_csv(web.get("/dashboard/leads.csv", base_url=BASE).text)
    assert {row[1] for row in exported[1:]} == {"lv"}
    fix = web.get("/dashboard/fix", base_url=BASE).text
    assert "Bad Row SIA" in fix and "Vigane" not in fix
    assert (
        web.post("/dashboard/sync/ee", data={"csrf_token": csrf_of(fix)}, base_url=BASE).status_code
        == 404
    )


def test_filters_search_sort_and_paging(web, seeded) -> None:  # type: ignore[no-untyped-def]
    sign_in(web, seeded.tokens["admin"])
    everything = web.get("/dashboard/leads?per_page=100", base_url=BASE).text
    assert len(row_ids(everything)) == 30
    ict = row_ids(web.get("/dashboard/leads?sector=ict&per_page=100", base_url=BASE).text)
    assert 0 < len(ict) < 30
    az = row_ids(web.get("/dashboard/leads?country=AZ&partner=fi", base_url=BASE).text)
    assert az and set(az) <= set(seeded.leads["fi"])
    found = row_ids(web.get("/dashboard/leads?q=ee+firm+03", base_url=BASE).text)
    assert found == [seeded.leads["ee"][3]]
    # LIKE wildcards typed by a person are literal.
    assert row_ids(web.get("/dashboard/leads?q=%25", base_url=BASE).text) == []
    by_id = row_ids(web.get("/dashboard/leads?sort=id&dir=asc&per_page=100", base_url=BASE).text)
    assert by_id == sorted(by_id)
    desc = row_ids(web.get("/dashboard/leads?sort=id&dir=desc&per_page=100", base_url=BASE).text)
    assert desc == by_id[::-1]
    page1 = web.get("/dashboard/leads?sort=id&dir=asc", base_url=BASE).text
    page2 = web.get("/dashboard/leads?sort=id&dir=asc&page=2", base_url=BASE).text
    assert row_ids(page1) == by_id[:25] and row_ids(page2) == by_id[25:]
    assert "Page 2 / 2" in page2 and 'rel="next"' in page1
    # A page past the end shows the last page.
    assert row_ids(web.get("/dashboard/leads?sort=id&page=9", base_url=BASE).text) == by_id[25:]
    # Nonsense parameters fall back to defaults instead of failing.
    odd = web.get("/dashboard/leads?sort=password&dir=sideways&page=-4&per_page=7", base_url=BASE)
    assert odd.status_code == 200 and len(row_ids(odd.text)) == 25
    signed = row_ids(web.get("/dashboard/agreements?status=signed", base_url=BASE).text)
    assert len(signed) == 4
    window = row_ids(
        web.get(
            "/dashboard/agreements?signed_from=2024-01-01&signed_to=2024-12-31", base_url=BASE
        ).text
    )
    assert len(window) == 1


def test_sync_now_records_a_request(web, store, seeded) -> None:  # type: ignore[no-untyped-def]
    sign_in(web, seeded.tokens["fi"])
    page = web.get("/dashboard/sync", base_url=BASE)
    assert 'data-next-run="fi"' in page.text and 'data-next-run="lv"' not in page.text
    answer = web.post("/dashboard/sync/fi", data={"csrf_token": csrf_of(page.text)}, base_url=BASE)
    assert answer.status_code == 302
    with store.session() as s:
        requests = list(s.scalars(select(SyncRequest)))
    assert [(r.partner, r.trigger, r.consumed_at) for r in requests] == [("fi", "api", None)]
    after = web.get(answer.headers["Location"], base_url=BASE)
    assert "Sync requested" in after.text or "Synkronointi pyydetty" in after.text


def test_review_actions_dismiss_and_choose_a_side(web, store, seeded) -> None:  # type: ignore[no-untyped-def]
    sign_in(web, seeded.tokens["lv"])
    page = web.get("/dashboard/fix", base_url=BASE)
    token = csrf_of(page.text)
    answer = web.post(
        f"/dashboard/fix/quarantine/{seeded.quarantine_id}",
        data={"csrf_token": token, "action": "dismiss"},
        base_url=BASE,
    )
    assert answer.status_code == 302
    answer = web.post(
        f"/dashboard/fix/conflicts/{seeded.conflict_id}",
        data={"csrf_token": token, "side": "store"},
        base_url=BASE,
    )
    assert answer.status_code == 302
    with store.session() as s:
        entry = s.get(QuarantineEntry, seeded.quarantine_id)
        assert entry.resolution == "dismissed"
        conflict = s.get(Conflict, seeded.conflict_id)
        assert conflict.resolution == "chose_store"
        assert s.get(Lead, conflict.record_id).stage == "qualified"
    again = web.post(
        f"/dashboard/fix/quarantine/{seeded.quarantine_id}",
        data={"csrf_token": token, "action": "dismiss"},
        base_url=BASE,
        follow_redirects=True,
    )
    assert "already dismissed" in again.text
    fix = web.get("/dashboard/fix", base_url=BASE).text
    assert "Bad Row SIA" not in fix


def test_csv_export_is_formula_inert_and_reversible(web, store, seeded) -> None:  # type: ignore[no-untyped-def]
    nasty = {
        "company_name": '=HYPERLINK("http://evil.example","Click")',
        "contact_name": "+371 2000 0000",
        "notes": "@SUM(A1:A9)",
        "event": "-2+3",
        "registration_code": "\tcmd|' /C calc'!A0",
        "website": "'=already quoted",
    }
    with store.session() as s:
        lead = stored_lead(
            s, {"partner": "lv", "country": "LV", "sector": "ict", **nasty}, source="api"
        )
        lead_id = lead.id
    sign_in(web, seeded.tokens["lv"])
    answer = web.get("/dashboard/leads.csv?q=HYPERLINK", base_url=BASE)
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    text = answer.get_data(as_text=True)
    import csv
    import io

    # a Latvian reader: ";" between cells (Excel's list separator with a decimal comma)
    raw_rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    header, row = raw_rows[0], raw_rows[1]
    assert all(not cell.startswith(FORMULA_TRIGGERS) for cell in row)
    assert row[header.index("company_name")].startswith("'=HYPERLINK")
    original = dict(zip(header, read_csv(text)[1], strict=True))
    assert original["id"] == lead_id
    for field, value in nasty.items():
        assert original[field] == value


def test_record_page_shows_audit_history(web, store, seeded) -> None:  # type: ignore[no-untyped-def]
    sign_in(web, seeded.tokens["lv"])
    lead_id = seeded.leads["lv"][1]
    page = web.get(f"/dashboard/leads/{lead_id}", base_url=BASE)
    assert page.status_code == 200
    history = page.text.split('id="history-table"')[1]
    assert history.count("<tr>") == 2 + 1  # header + create + update
    # The stage change in the reader's words (Latvian for LV staff), its source named.
    assert "<ins>Sarunas</ins>" in history and ">negotiation<" not in history
    assert "Tabula (Latvija)" in history and ">sheet:lv<" not in history
    assert web.get("/dashboard/leads/L-999999", base_url=BASE).status_code == 404
    agreement = web.get(f"/dashboard/agreements/{seeded.agreements[0]}", base_url=BASE)
    assert agreement.status_code == 200 and "Software licences" in agreement.text


def test_every_table_exports_csv_within_scope(web, seeded) -> None:  # type: ignore[no-untyped-def]
    sign_in(web, seeded.tokens["lv"])
    fix = read_csv(web.get("/dashboard/fix.csv", base_url=BASE).text)
    assert fix[0][:3] == ["id", "partner", "kind"]
    assert [row[1] for row in fix[1:]] == ["lv"]
    assert "Bad Row SIA" in fix[1][-1]
    conflicts = read_csv(web.get("/dashboard/conflicts.csv", base_url=BASE).text)
    assert [(row[1], row[4]) for row in conflicts[1:]] == [("lv", "stage")]
    runs = read_csv(web.get("/dashboard/sync.csv", base_url=BASE).text)
    assert len(runs) == 1 + 6 and {row[1] for row in runs[1:]} == {"lv"}
    agreements = read_csv(web.get("/dashboard/agreements.csv?status=signed", base_url=BASE).text)
    assert len(agreements) == 1 + 2 and {row[7] for row in agreements[1:]} == {"signed"}


def test_csv_exports_follow_the_readers_locale(web, seeded) -> None:  # type: ignore[no-untyped-def]
    sign_in(web, seeded.tokens["lv"])
    latvian = web.get("/dashboard/agreements.csv?status=signed", base_url=BASE).text
    rows = read_csv(latvian, delimiter=";")
    values = {row[rows[0].index("value")] for row in rows[1:]}
    assert values == {"25000,0", "12500,5"}  # a decimal comma, cells split by ";"
    web.get("/dashboard/language?lang=en", base_url=BASE)
    english = web.get("/dashboard/agreements.csv?status=signed", base_url=BASE).text
    rows = read_csv(english, delimiter=",")
    assert {row[rows[0].index("value")] for row in rows[1:]} == {"25000.0", "12500.5"}
    # read_csv finds the separator by itself
    assert read_csv(latvian) == read_csv(latvian, delimiter=";")
    assert read_csv(english) == rows


def test_replay_of_a_sheet_row_asks_for_a_sync(web, store, seeded) -> None:  # type: ignore[no-untyped-def]
    sign_in(web, seeded.tokens["lv"])
    page = web.get("/dashboard/fix", base_url=BASE)
    answer = web.post(
        f"/dashboard/fix/quarantine/{seeded.quarantine_id}",
        data={"csrf_token": csrf_of(page.text), "action": "replay"},
        base_url=BASE,
        follow_redirects=True,
    )
    assert answer.status_code == 200
    with store.session() as s:
        requests = [(r.partner, r.tab, r.trigger) for r in s.scalars(select(SyncRequest))]
        entry = s.get(QuarantineEntry, seeded.quarantine_id)
        assert entry.resolved_at is None  # the sync closes it once the row is fixed
    assert requests == [("lv", "leads", "api")]
    # Another partner's entry cannot be acted on, even with a valid form.
    with store.session() as s:
        other = s.scalars(select(QuarantineEntry).where(QuarantineEntry.partner == "ee")).one()
    refused = web.post(
        f"/dashboard/fix/quarantine/{other.id}",
        data={"csrf_token": csrf_of(page.text), "action": "dismiss"},
        base_url=BASE,
    )
    assert refused.status_code == 404


def test_language_follows_partner_and_choice(web, seeded) -> None:  # type: ignore[no-untyped-def]
    sign_in(web, seeded.tokens["fi"])
    page = web.get("/dashboard/leads", base_url=BASE).text
    assert '<html lang="fi">' in page and "Liidit" in page
    switched = web.get("/dashboard/language?lang=lv&next=/dashboard/leads", base_url=BASE)
    assert switched.headers["Location"] == "/dashboard/leads"
    page = web.get("/dashboard/leads", base_url=BASE).text
    assert '<html lang="lv">' in page and "Kontakti" in page
    off_site = web.get("/dashboard/language?lang=xx&next=//evil.example", base_url=BASE)
    assert off_site.headers["Location"] == "/dashboard/"
    assert '<html lang="lv">' in web.get("/dashboard/", base_url=BASE).text
    # An unknown partner in the KPI switch shows the project-wide numbers.
    unknown = web.get("/dashboard/?partner=zz", base_url=BASE).text
    assert 'data-kpi="signed">4<' in unknown


def test_a_web_form_payload_is_corrected_and_replayed(web, store, seeded) -> None:  # type: ignore[no-untyped-def]
    with store.session() as s:
        entry = records.quarantine(
            s,
            kind="lead",
            source="webhook:lv",
            raw={
                "company_name": "Replay SIA",
                "country": "LV",
                "sector": "ict",
                "email": "broken@@replay.example",
            },
            errors=[{"field": "email", "code": "email", "message": "E-mail is not valid."}],
            partner="lv",
        )
        s.flush()
        entry_id = entry.id
    sign_in(web, seeded.tokens["lv"])
    page = web.get("/dashboard/fix", base_url=BASE).text
    assert f'id="fix-{entry_id}-email"' in page and 'value="broken@@replay.example"' in page
    token = csrf_of(page)
    still_bad = web.post(
        f"/dashboard/fix/quarantine/{entry_id}",
        data={"csrf_token": token, "action": "replay", "field:email": "still@@bad"},
        base_url=BASE,
        follow_redirects=True,
    )
    # what is still wrong, by field, in the viewer's language (was English only)
    assert "Joprojām nav derīgs" in still_bad.text and "E-pasts:" in still_bad.text
    with store.session() as s:
        entry = s.get(QuarantineEntry, entry_id)
        assert entry.resolved_at is None and entry.raw["email"] == "still@@bad"
    fixed = web.post(
        f"/dashboard/fix/quarantine/{entry_id}",
        data={
            "csrf_token": token,
            "action": "replay",
            "field:email": "sales@replay.example",
            "field:id": "L-999999",
            "field:partner": "ee",
        },
        base_url=BASE,
    )
    assert fixed.status_code == 302
    with store.session() as s:
        entry = s.get(QuarantineEntry, entry_id)
        assert entry.resolution == "applied"
        lead = s.scalars(select(Lead).where(Lead.company_name == "Replay SIA")).one()
        assert lead.email == "sales@replay.example" and lead.partner == "lv"
        assert lead.id != "L-999999"


def test_unknown_dashboard_address_gets_the_dashboard_404(web, seeded) -> None:  # type: ignore[no-untyped-def]
    sign_in(web, seeded.tokens["admin"])
    answer = web.get("/dashboard/no/such/page", base_url=BASE)
    assert answer.status_code == 404
    assert "Not found" in answer.text and "Traceback" not in answer.text
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_sync_health_shows_the_push_channel_and_its_alerts(web, store, seeded) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from integration.drive.channels import record_event, register_channel
    from integration.store.models import utcnow

    with store.session() as s:
        register_channel(
            s,
            channel_id="chan-fi",
            partner="fi",
            token="never-shown-token",
            expires_at=utcnow() + timedelta(hours=20),
        )
        record_event(s, "fi", "registered", "expires tomorrow", "chan-fi")
    sign_in(web, seeded.tokens["admin"])
    page = web.get("/dashboard/sync", base_url=BASE).text
    assert '<span class="tag tag-ok" data-channel-status="fi">Active</span>' in page
    assert "never-shown-token" not in page
    assert 'data-push-alert="fi"' not in page
    lv = page[page.index('data-push="lv"') :]
    assert "No push channel" in lv[: lv.index("</div>")]

    with store.session() as s:
        record_event(s, "fi", "trash", "the spreadsheet was moved to the trash", "chan-fi")
    page = web.get("/dashboard/sync", base_url=BASE).text
    assert 'data-push-alert="fi"' in page and "moved to the trash" in page


def test_sync_health_shows_the_newest_header_report_and_quotes_its_lines(
    web, store, seeded
) -> None:  # type: ignore[no-untyped-def]
    """A run that read no header (busy) does not hide the last report; a header
    with quotes and a backslash gets partners-file lines that read back as typed."""
    import html
    import tomllib
    from datetime import timedelta

    from integration.store.models import utcnow

    odd = 'Kood "äri" \\ reg'
    report = {
        "row": 3,
        "mapped": [
            {"column": "A", "header": "Ärinimi", "field": "company_name", "source": "configured"},
            {"column": "B", "header": "Riik", "field": "country", "source": "alias"},
        ],
        "unrecognised": [
            {"column": "C", "header": odd, "suggestion": "registration_code"},
            {"column": "D", "header": "Märkused 2", "suggestion": None},
        ],
        "missing": ["registration_code", "email"],
    }
    now = utcnow()
    with store.session() as s:
        s.add(
            leads_run(
                "ee",
                trigger="nightly",
                outcome="completed",
                started_at=now - timedelta(minutes=2),
                header_report=report,
            )
        )
        s.add(leads_run("ee", trigger="webhook", outcome="busy", started_at=now))
    sign_in(web, seeded.tokens["admin"])
    page = web.get("/dashboard/sync", base_url=BASE).text
    ee = page[
        page.index('data-header-report="ee-leads"') : page.index(
            'data-header-report="ee-agreements"'
        )
    ]
    assert 'data-header-row="3"' in ee
    assert 'data-kept-header="C"' in ee and 'data-kept-header="D"' in ee
    (block,) = re.findall(r'<pre class="toml" data-mapping="C"><code>(.*?)</code></pre>', ee, re.S)
    lines = html.unescape(block)
    assert lines == '[partners.columns.leads]\n"Kood \\"äri\\" \\\\ reg" = "registration_code"'
    (entry,) = tomllib.loads('[[partners]]\ncode = "ee"\n' + lines)["partners"]
    assert entry["columns"]["leads"] == {odd: "registration_code"}
    assert 'data-mapping="D"' not in ee  # no suggestion, no lines
    assert (
        '<li data-missing-field="registration_code">' in ee and 'data-missing-field="email"' in ee
    )
    configured = ee[ee.index('data-mapped-header="A"') : ee.index('data-mapped-header="B"')]
    assert "set in the partners file" in configured
    assert "set in the partners file" not in ee[ee.index('data-mapped-header="B"') :]
    # the seeded runs read no header: their tabs say so
    lv = page[
        page.index('data-header-report="lv-leads"') : page.index(
            'data-header-report="lv-agreements"'
        )
    ]
    assert "No header read yet." in lv and "No header read yet." not in ee


def kpi_value(html: str) -> str:
    match = re.search(r'<dd data-kpi="value">(.*?)</dd>', html, re.S)
    assert match, "overview has no value total"
    return re.sub(r"<[^>]+>", " ", match.group(1)).replace("\xa0", " ").replace("\u202f", " ")


def test_a_partner_token_sees_the_value_of_its_own_agreements_only(web, app, seeded) -> None:  # type: ignore[no-untyped-def]
    # Seeded signed values: LV 25,000 + 12,500.50; EE 40,000; FI 8,000 (EUR).
    sign_in(web, seeded.tokens["admin"])
    web.get("/dashboard/language?lang=en", base_url=BASE)
    assert "85,500.50" in kpi_value(web.get("/dashboard/", base_url=BASE).text)
    assert "40,000" in kpi_value(web.get("/dashboard/?partner=ee", base_url=BASE).text)
    web = app.test_client()
    sign_in(web, seeded.tokens["lv"])
    web.get("/dashboard/language?lang=en", base_url=BASE)
    page = web.get("/dashboard/", base_url=BASE).text
    # The count stays project-wide; the value is LV's own, and says so.
    assert 'data-kpi="signed">4<' in page
    assert "37,500.50" in kpi_value(page) and "85,500" not in kpi_value(page)
    assert 'data-kpi="value-scope"' in page
    other = web.get("/dashboard/?partner=ee", base_url=BASE).text
    assert "40,000" not in kpi_value(other) and kpi_value(other).strip() == "–"


def _duration_cell(page: str, partner: str, tab: str) -> str:
    """The last cell (the duration) of a partner's tab row on the Sync page."""
    card = page[page.index(f'id="partner-{partner}"') :]
    row = card[card.index(f'<tr data-tab="{tab}">') :]
    row = row[: row.index("</tr>")]
    return re.findall(r'<td class="num">([^<]*)</td>', row)[-1]


def test_a_duration_is_never_negative_zero_and_a_missing_one_is_a_dash(
    web, store, seeded, config
) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from integration.store.models import utcnow
    from integration.sync.engine import run_sync

    # The example configuration has no Google credentials: the engine records
    # the failed run at once (the path that stamped its start after its finish).
    report = run_sync(config, store, "lv", tab="leads")
    assert report.tabs[0].outcome == "failed"
    now = utcnow()
    with store.session() as s:
        # a run recorded before the fix, finished a hair before its start
        s.add(
            finished_leads_run("ee", "failed", at=now - timedelta(milliseconds=3), seconds=-0.003)
        )
        s.add(leads_run("fi", trigger="nightly", outcome="running", started_at=now))
    sign_in(web, seeded.tokens["admin"])
    page = web.get("/dashboard/sync", base_url=BASE).text
    assert "-0" not in "".join(re.findall(r'<td class="num">([^<]*)</td>', page))
    assert _duration_cell(page, "lv", "leads") == "0.00 s"
    assert _duration_cell(page, "ee", "leads") == "0.00 s"
    assert _duration_cell(page, "fi", "leads") == "–"
    token = {"Authorization": f"Bearer {seeded.tokens['admin']}"}
    api = web.get("/api/v1/sync-runs?partner=ee", headers=token).get_json()
    assert api["items"][0]["seconds"] == 0.0, api["items"][0]  # the newest
