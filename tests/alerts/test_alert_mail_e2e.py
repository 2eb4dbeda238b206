"""Alerts end to end, on SQLite and PostgreSQL: real syncs against the emulator
fail the way Google fails (a renamed tab, a cleared tab, 401, 403, 503), the
clock's alert job runs, and a real SMTP server on 127.0.0.1 receives the mails,
each in its recipient's language, once per condition until it changes or clears."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import requests
from alert_world import ADMIN, STAFF, World
from live_server import serving
from metrics_scrape import samples

from integration.alerts.notify import open_alerts
from integration.app import create_app
from integration.drive.channels import record_event
from integration.sync.engine import run_sync


def sync(world: World, partner: str) -> bool:
    return run_sync(world.config, world.store, partner).ok


def leads_tab(world: World, partner: str):  # type: ignore[no-untyped-def]
    title = world.config.partners[partner].tab_name("leads")
    return world.emulator.client().open_by_key(world.ids[partner]).worksheet(title)  # type: ignore[attr-defined]


def google_answers(world: World, status: int, partner: str) -> None:
    """Google answers every call with ``status`` while ``partner`` syncs (which fails)."""
    world.emulator.inject_fault(status=status, times=1000)  # type: ignore[attr-defined]
    try:
        assert not sync(world, partner)
    finally:
        world.emulator.clear_faults()  # type: ignore[attr-defined]


def start(world: World) -> None:
    """Every partner synced once, and the first check's digests taken away."""
    for code in world.config.partners:
        assert sync(world, code)
    world.service.check_alerts()
    world.inbox.take()


def is_digest(mail) -> bool:  # type: ignore[no-untyped-def]
    """A digest links to the rows to fix; every condition's mail to the Sync page."""
    return "/dashboard/fix" in mail.body


def only(mails, address: str, *, digests: bool = True):  # type: ignore[no-untyped-def]
    """The one mail to ``address`` (``digests`` False: leaving out the digest that
    a test moving the clock past the project's midnight also gets)."""
    found = [m for m in mails if address in m.to and (digests or not is_digest(m))]
    assert len(found) == 1, [(m.to, m.subject) for m in mails]
    return found[0]


def test_a_renamed_tab_is_mailed_once_per_reader_in_their_language_and_its_end_too(
    world: World,
) -> None:
    start(world)
    lv = world.config.partners["lv"]
    ws = leads_tab(world, "lv")
    ws.update_title("Kontakti (vecie)")  # staff renamed the tab
    assert not sync(world, "lv")
    world.service.check_alerts()
    mails = world.inbox.wait_for(2)
    staff, admin = only(mails, STAFF["lv"]), only(mails, ADMIN)
    assert staff.subject == f"[LEF CRM] {lv.name}: cilnes {lv.leads_tab} sinhronizācija apturēta"
    assert "cilne vai tabula nav atrasta" in staff.body
    assert "https://crm.lef.example/dashboard/sync" in staff.body
    assert admin.subject == f"[LEF CRM] {lv.name}: the sync of the {lv.leads_tab} tab stopped"
    assert not [m for m in mails if STAFF["ee"] in m.to]  # not the Estonians' business
    with world.store.session() as s:  # what a monitoring system is shown
        shown = [(a["kind"], a["partner"], a["tab"], a["reason"]) for a in open_alerts(s)]
    assert shown == [("tab_stopped", "lv", "leads", "tab_not_found")]
    with serving(create_app(world.config, store=world.store)) as url:
        scraped = requests.get(f"{url}/metrics", timeout=10).text
    opened = samples(scraped, "crm_alert_open_since_timestamp_seconds")
    assert list(opened) == [
        (
            "crm_alert_open_since_timestamp_seconds",
            (("kind", "tab_stopped"), ("partner", "lv"), ("tab", "leads")),
        )
    ], opened
    assert staff.message["From"] == "crm@lef.example"
    # The condition holds through more syncs and checks: nothing more is sent.
    assert not sync(world, "lv")
    world.service.check_alerts()
    world.service.check_alerts()
    assert world.inbox.take() == []
    # Fixed: one "resolved" to each.
    ws.update_title(lv.leads_tab)
    assert sync(world, "lv")
    world.service.check_alerts()
    mails = world.inbox.wait_for(2)
    assert only(mails, STAFF["lv"]).subject.startswith("[LEF CRM] Atrisināts: ")
    assert only(mails, ADMIN).subject.startswith("[LEF CRM] Resolved: ")
    world.service.check_alerts()
    assert world.inbox.take() == []
    with world.store.session() as s:
        assert open_alerts(s) == []
    with serving(create_app(world.config, store=world.store)) as url:
        scraped = requests.get(f"{url}/metrics", timeout=10).text
    assert not samples(scraped, "crm_alert_open_since_timestamp_seconds")


def test_the_deletion_stop_is_mailed_in_estonian_and_a_new_reason_is_news(world: World) -> None:
    start(world)
    ee = world.config.partners["ee"]
    ws = leads_tab(world, "ee")
    header = ws.row_values(1)
    ws.batch_clear([f"A2:Z{ws.row_count}"])  # an accidental clear of every row
    assert not sync(world, "ee")
    world.service.check_alerts()
    staff = only(world.inbox.wait_for(2), STAFF["ee"])
    assert staff.subject == f"[LEF CRM] {ee.name}: lehe {ee.leads_tab} sünkroonimine peatus"
    assert "kustutamise kaitse" in staff.body
    # The same tab now stops for another reason (its header is gone too): mailed again.
    ws.update([[f"x{i}" for i, _ in enumerate(header)]], "A1")
    ws.update([["a", "b"]], "A2")
    assert not sync(world, "ee")
    world.service.check_alerts()
    again = only(world.inbox.wait_for(2), STAFF["ee"])
    assert "päiserida ei tuntud ära" in again.body


def test_refused_credentials_go_to_the_admins_only_and_access_denied_to_the_partner(
    world: World,
) -> None:
    start(world)
    google_answers(world, 401, "lv")
    world.service.check_alerts()
    admin = only(world.inbox.wait_for(1), ADMIN)
    assert admin.subject == "[LEF CRM] Google refused the service's credentials"
    assert "GOOGLE_APPLICATION_CREDENTIALS" in admin.body
    google_answers(world, 403, "lv")
    world.service.check_alerts()
    mails = world.inbox.wait_for(3)
    subjects = sorted(m.subject for m in mails if ADMIN in m.to)
    assert subjects == [
        f"[LEF CRM] {world.config.partners['lv'].name}: the sync of the "
        f"{world.config.partners['lv'].leads_tab} tab stopped",
        "[LEF CRM] Resolved: Google refused the service's credentials",
    ]
    assert "cilnes" in only(mails, STAFF["lv"]).subject
    assert "servisam nav piekļuves tabulai" in only(mails, STAFF["lv"]).body


def test_a_partner_failing_longer_than_configured_and_a_channel_not_renewable(
    world: World,
) -> None:
    start(world)
    google_answers(world, 503, "ee")
    world.service.check_alerts()
    assert world.inbox.take() == []  # a transient failure is not yet anyone's problem
    later = datetime.now(UTC) + timedelta(hours=3)  # failing_hours = 2
    world.service.check_alerts(now=later)
    staff = only(world.inbox.wait_for(2), STAFF["ee"], digests=False)
    assert staff.subject.endswith("sünkroonimine on ebaõnnestunud 3 tundi")
    with world.store.session() as s:  # how the Drive jobs record a refused renewal
        record_event(s, "lv", "failed", "files.watch: Drive refused (403)", "ch-1")
    world.service.check_alerts(now=later)
    channel = only(world.inbox.wait_for(2), STAFF["lv"])
    assert "Drive paziņojumu kanālu nevar atjaunot" in channel.subject
    assert "403" not in channel.body  # Drive's words stay in the log, not in the mail
    with world.store.session() as s:
        record_event(s, "lv", "renewed", "renewed", "ch-2")
    assert sync(world, "ee")
    world.service.check_alerts(now=later)
    resolved = world.inbox.wait_for(4)
    assert not any(is_digest(m) for m in resolved)  # a day's digest goes once
    words = {m.subject.split(":")[0].removeprefix("[LEF CRM] ") for m in resolved}
    assert words == {"Atrisināts", "Lahendatud", "Resolved"}  # lv, ee staff, admins


def test_the_digest_tells_each_partner_its_own_rows_and_no_personal_data(world: World) -> None:
    for code in world.config.partners:
        assert sync(world, code)
    world.service.check_alerts()
    mails = world.inbox.wait_for(3)  # lv staff, ee staff, admins (fi lists no one)
    lv, ee, admin = only(mails, STAFF["lv"]), only(mails, STAFF["ee"]), only(mails, ADMIN)
    names = {code: p.name for code, p in world.config.partners.items()}
    assert names["lv"] in lv.body and names["ee"] not in lv.body and names["fi"] not in lv.body
    assert names["ee"] in ee.body and names["lv"] not in ee.body
    assert all(name in admin.body for name in names.values())
    assert "https://crm.lef.example/dashboard/fix" in lv.body
    assert lv.subject.startswith("[LEF CRM] Jālabo rindas: ")
    from sqlalchemy import select

    from integration.store.models import QuarantineEntry

    with world.store.session() as s:
        raw = [e.raw for e in s.scalars(select(QuarantineEntry))]
    typed = {str(v) for r in raw for v in r.values() if isinstance(v, str) and len(v) > 3}
    # what staff typed into the rows to fix (a country is no secret: it is in the names)
    typed = {v for v in typed if not any(v in name for name in names.values())}
    assert typed, "the demo data has rows to fix"
    for mail in mails:
        assert not [v for v in typed if v in mail.body], mail.body
    # Once a day.
    world.service.check_alerts()
    assert world.inbox.take() == []
    world.service.check_alerts(now=datetime.now(UTC) + timedelta(days=1))
    assert len(world.inbox.wait_for(3)) == 3


def test_the_running_clock_sends_them(world: World) -> None:
    for code in world.config.partners:
        assert sync(world, code)
    fast = dataclasses.replace(world.config.alerts, check_seconds=1)
    from integration.scheduler.service import SchedulerService

    service = SchedulerService(
        dataclasses.replace(world.config, alerts=fast), world.store, catch_up=False
    )
    assert service.scheduler.get_job("alerts") is not None
    service.start()
    try:
        mails = world.inbox.wait_for(3, timeout=30)
    finally:
        service.stop(grace=5)
    assert {ADMIN, STAFF["lv"], STAFF["ee"]} <= {a for m in mails for a in m.to}
