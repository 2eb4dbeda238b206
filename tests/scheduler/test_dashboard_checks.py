"""The Sync page's "Configuration checks" card against the emulator: an admin
sees the settings, the store and its migrations, and each partner's spreadsheet
and tabs (an unshared one with the words of ``crm-sync check``), each group with
the time it was checked; the checks that call Google are cached, so more page
views make no more Sheets calls; partner staff see only their own spreadsheet."""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

from dashboard_client import BASE, sign_in
from scheduler_helpers import make_setup

from integration import create_app
from integration.auth import create_token


def _groups(page: str) -> dict[str, str]:
    """Each check group's heading text and the lines under it."""
    parts = re.split(r"<h3 data-check-group=", page)[1:]
    out = {}
    for part in parts:
        key, rest = part.split(">", 1)
        heading = " ".join(
            html.unescape(re.sub(r"<[^>]+>", " ", rest[: rest.index("</h3>")])).split()
        )
        body = rest[rest.index("</h3>") : rest.index("</ul>")]
        out[f"{key.strip(chr(34))}: {heading}"] = " ".join(
            html.unescape(re.sub(r"<[^>]+>", " ", body)).split()
        )
    return out


def test_the_sync_page_shows_cached_store_and_spreadsheet_checks(
    emulator, sqlite_url: str, tmp_path: Path
) -> None:
    s = make_setup(emulator, sqlite_url, tmp_path)
    lv = dataclasses.replace(s.config.partners["lv"], spreadsheet_id="1NotSharedWithUs")
    config = dataclasses.replace(
        s.config,
        partners={**s.config.partners, "lv": lv},
        environ={**s.config.environ, "CRM_SECRET_KEY": "k"},
    )
    with s.store.session() as session:
        _a, admin = create_token(session, "admin")
        _e, ee_staff = create_token(session, "ee staff", "ee")
    web = create_app(config, store=s.store).test_client()
    sign_in(web, admin)
    emulator.reset_stats()
    page = web.get("/dashboard/sync", base_url=BASE).text
    groups = _groups(page)
    headings = list(groups)
    assert headings[0] == "checks_settings: Settings · checked now", headings
    store = next(h for h in headings if h.startswith("checks_store: Store and Google · "))
    assert "· checked 20" in store, store  # with the time it was checked
    assert "ok migrations: at the newest revision" in groups[store]
    sheets = {h: lines for h, lines in groups.items() if "checks_spreadsheet" in h}
    assert len(sheets) == 3, headings
    (lv_lines,) = [lines for h, lines in sheets.items() if config.partners["lv"].name in h]
    lv_name, ee_name = config.partners["lv"].name, config.partners["ee"].name
    assert (
        f"failed spreadsheet {lv_name}: 1NotSharedWithUs cannot be opened; share it with"
        in lv_lines
    )
    (ee_lines,) = [lines for h, lines in sheets.items() if ee_name in h]
    assert f"ok spreadsheet {ee_name}" in ee_lines and f"ok tab {ee_name}/" in ee_lines, ee_lines
    called = emulator.stats()["total"]
    assert called > 0
    # more page views: the same checks, from the cache, with no Sheets call
    for _ in range(3):
        again = web.get("/dashboard/sync", base_url=BASE).text
    assert emulator.stats()["total"] == called
    assert _groups(again) == groups

    staff = create_app(config, store=s.store).test_client()
    sign_in(staff, ee_staff)
    mine = _groups(staff.get("/dashboard/sync", base_url=BASE).text)
    assert [h.split(":")[0] for h in mine] == ["checks_spreadsheet"], list(mine)
    (only,) = mine.values()
    # in the reader's language (Estonian staff: Estonian), the partner by name
    ee_id = config.partners["ee"].spreadsheet_id
    assert f"korras arvutustabel: {ee_name}: {ee_id} avaneb" in only, only
    assert "päis reas 1: " in only and lv_name not in only
    # in the language chosen, the spreadsheet's id marked as no language
    staff.get("/dashboard/language?lang=lv&next=/dashboard/sync", base_url=BASE)
    latvian = staff.get("/dashboard/sync", base_url=BASE).text
    (only,) = _groups(latvian).values()
    assert f"izklājlapa: {ee_name}: {ee_id} atveras" in only
    assert f'<code lang="zxx">{ee_id}</code> atveras' in latvian
    assert "galvene 1. rindā: " in only and " opens" not in only, only
    s.store.dispose()


def test_staff_never_see_the_servers_credential_setup(
    emulator, sqlite_url: str, tmp_path: Path
) -> None:
    """With a Google key file that is not there, an admin reads its path and the
    fix on the Sync page; a partner's staff read, on the page, in the runs CSV
    and through the runs API, that Google access is not set up and to ask the
    administrator: the server's paths and settings are not theirs to see."""
    from integration.sync.engine import run_sync

    s = make_setup(emulator, sqlite_url, tmp_path)
    key = tmp_path / "secret-dir" / "sa-key.json"
    environ = {k: v for k, v in s.config.environ.items() if k != "SHEETS_EMULATOR_HOST"}
    config = dataclasses.replace(
        s.config,
        environ={**environ, "CRM_SECRET_KEY": "k", "GOOGLE_APPLICATION_CREDENTIALS": str(key)},
        emulator_host=None,
        credentials_file=str(key),
    )
    report = run_sync(config, s.store, "ee")
    assert report.tabs[0].stop_reason == "credentials_refused", report
    assert str(key) in (report.tabs[0].error or "")
    with s.store.session() as session:
        _a, admin = create_token(session, "admin")
        _e, ee_staff = create_token(session, "ee staff", "ee")

    web = create_app(config, store=s.store).test_client()
    sign_in(web, admin)
    admin_page = html.unescape(web.get("/dashboard/sync", base_url=BASE).text)
    assert str(key) in admin_page and "GOOGLE_APPLICATION_CREDENTIALS" in admin_page
    admin_runs = web.get("/api/v1/sync-runs", headers={"Authorization": f"Bearer {admin}"})
    assert str(key) in admin_runs.get_json()["items"][0]["error"]

    for lang, words in (
        ("en", "ask the administrator"),
        ("lv", "vērsieties pie administratora"),
        ("fi", "ota yhteyttä ylläpitäjään"),
    ):
        staff = create_app(config, store=s.store).test_client()
        sign_in(staff, ee_staff)
        staff.get(f"/dashboard/language?lang={lang}&next=/dashboard/sync", base_url=BASE)
        page = html.unescape(staff.get("/dashboard/sync", base_url=BASE).text)
        csv = staff.get("/dashboard/sync.csv", base_url=BASE).text
        runs = staff.get("/api/v1/sync-runs", headers={"Authorization": f"Bearer {ee_staff}"})
        assert runs.status_code == 200
        (spreadsheet,) = _groups(page).values()
        assert words in spreadsheet, (lang, spreadsheet)
        for seen in (page, csv, runs.text):
            assert "secret-dir" not in seen and "GOOGLE_APPLICATION_CREDENTIALS" not in seen
        assert 'data-stop-reason="credentials_refused"' in page
        assert all(item["error"] is None for item in runs.get_json()["items"])
        assert runs.get_json()["items"][0]["stop_reason"] == "credentials_refused"
    s.store.dispose()


def test_staff_read_a_failure_in_their_words_and_never_the_systems(
    emulator, sqlite_url: str, tmp_path: Path
) -> None:
    """A sync that fails for a reason that may pass (Google answering 503): the
    admin reads the failing system's words; staff read, in their language, that
    the next sync tries again, and nothing of the error."""
    from fast_retry import fast_policy

    from integration.sync.engine import run_sync

    s = make_setup(emulator, sqlite_url, tmp_path)
    config = dataclasses.replace(s.config, environ={**s.config.environ, "CRM_SECRET_KEY": "k"})
    emulator.inject_fault(status=503, times=1000)
    try:
        report = run_sync(config, s.store, "lv", retry=fast_policy(max_attempts=1))
    finally:
        emulator.clear_faults()
    (failed,) = [t for t in report.tabs if t.outcome == "failed"]
    assert failed.stop_reason is None and failed.error
    with s.store.session() as session:
        _a, admin = create_token(session, "admin")
        _l, lv_staff = create_token(session, "lv staff", "lv")
    web = create_app(config, store=s.store).test_client()
    sign_in(web, admin)
    assert failed.error[:40] in html.unescape(web.get("/dashboard/sync", base_url=BASE).text)
    staff = create_app(config, store=s.store).test_client()
    sign_in(staff, lv_staff)
    staff.get("/dashboard/language?lang=lv&next=/dashboard/sync", base_url=BASE)
    page = html.unescape(staff.get("/dashboard/sync", base_url=BASE).text)
    assert "nākamā sinhronizācija mēģinās vēlreiz" in page
    assert failed.error[:40] not in page
    runs = staff.get("/api/v1/sync-runs", headers={"Authorization": f"Bearer {lv_staff}"})
    assert [item["error"] for item in runs.get_json()["items"]] == [None] * len(runs.json["items"])
    s.store.dispose()
