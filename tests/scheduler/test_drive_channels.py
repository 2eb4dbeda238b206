"""Drive push channels and the modifiedTime poll, end to end over HTTP.

The web app and the clock run here on a real HTTP server; the emulator sends its
push notifications to that server as Drive would; partners edit with gspread. No
Apps Script and no test-side poke: the only way an edit reaches the store is the
channel (or, with notifications dropped, the poll).
"""

from __future__ import annotations

import itertools
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
import requests
from scheduler_helpers import Setup, make_setup, wait_until
from sqlalchemy import select

from integration import create_app
from integration.config import AppConfig
from integration.drive.channels import register_channel
from integration.scheduler import jobs
from integration.scheduler.drive_jobs import DriveJobs
from integration.scheduler.scheduler_command import WebServer
from integration.scheduler.service import SchedulerService
from integration.store.models import DriveChannel, DriveChannelEvent, Lead, SyncRequest, utcnow

EDITED = "Tõukejõud Push Oy"


@contextmanager
def web_server(s: Setup) -> Iterator[WebServer]:
    web = WebServer(create_app(s.config, store=s.store), "127.0.0.1", 0).start()
    try:
        yield web
    finally:
        web.stop()


@contextmanager
def clock(config: AppConfig, s: Setup) -> Iterator[SchedulerService]:
    service = SchedulerService(config, s.store, catch_up=False)
    service.start()
    try:
        yield service
    finally:
        service.stop(15)


def _first_sync(s: Setup, partner: str = "fi") -> None:
    result = jobs.run_partner_sync(s.config, s.store, partner, trigger="cli")
    assert result.completed, result.error


def _edit_fi(s: Setup, value: str) -> str:
    """A partner renames the firm in row 2 of their Leads tab; returns its CRM ID."""
    ws = s.emulator.client().open_by_key(s.ids["fi"]).worksheet("Liidit")  # type: ignore[attr-defined]
    header = ws.row_values(1)
    lead_id = ws.cell(2, header.index("CRM ID") + 1).value
    ws.update_acell("A2", value)
    return lead_id


def _company(s: Setup, lead_id: str) -> str | None:
    with s.store.session() as session:
        return session.get(Lead, lead_id).company_name


def _channels(
    s: Setup, partner: str | None = None, status: str | None = None
) -> list[DriveChannel]:
    with s.store.session() as session:
        q = select(DriveChannel).order_by(DriveChannel.created_at)
        if partner:
            q = q.where(DriveChannel.partner == partner)
        if status:
            q = q.where(DriveChannel.status == status)
        return list(session.scalars(q))


def _events(s: Setup, partner: str, kind: str | None = None) -> list[DriveChannelEvent]:
    with s.store.session() as session:
        q = select(DriveChannelEvent).where(DriveChannelEvent.partner == partner)
        if kind:
            q = q.where(DriveChannelEvent.kind == kind)
        return list(session.scalars(q.order_by(DriveChannelEvent.id)))


def _triggers(s: Setup, partner: str) -> list[str]:
    with s.store.session() as session:
        return list(
            session.scalars(select(SyncRequest.trigger).where(SyncRequest.partner == partner))
        )


def _all_greeted(s: Setup) -> bool:
    """Every partner has a live channel that received Drive's ``sync`` hello."""
    live = _channels(s, status="active")
    return {c.partner for c in live if c.last_message_number >= 1} == {"lv", "ee", "fi"}


def test_an_edit_reaches_the_store_by_push_then_debounced_sync(emulator, sqlite_url, tmp_path):
    s = make_setup(emulator, sqlite_url, tmp_path, poll_seconds=3600)
    _first_sync(s)
    with web_server(s) as web, clock(replace(s.config, public_url=web.url), s):
        wait_until(lambda: _all_greeted(s), timeout=30)
        assert emulator.notifications()["channels"] == 3
        started = time.monotonic()
        lead_id = _edit_fi(s, EDITED)
        wait_until(lambda: _company(s, lead_id) == EDITED, timeout=30)
        elapsed = time.monotonic() - started
    assert "drive-push" in _triggers(s, "fi")
    assert "drive-poll" not in _triggers(s, "fi")
    assert [e.kind for e in _events(s, "fi")] == ["registered"]
    print(f"edit -> store by push in {elapsed:.2f} s (debounce 0.5 s)")


def test_dropped_notifications_are_covered_by_the_poll(emulator, sqlite_url, tmp_path):
    s = make_setup(emulator, sqlite_url, tmp_path, poll_seconds=2)
    _first_sync(s)
    with web_server(s) as web, clock(replace(s.config, public_url=web.url), s):
        wait_until(lambda: _all_greeted(s), timeout=30)
        # the first sync's own writes moved modifiedTime: let the poll settle them first
        wait_until(lambda: not _pending(s), timeout=30)
        emulator.drop_notifications(True)
        started = time.monotonic()
        lead_id = _edit_fi(s, EDITED)
        wait_until(lambda: _company(s, lead_id) == EDITED, timeout=30)
        elapsed = time.monotonic() - started
    assert emulator.notifications()["dropped"] >= 1
    assert "drive-poll" in _triggers(s, "fi")
    assert "drive-push" not in _triggers(s, "fi")
    print(f"edit -> store by poll in {elapsed:.2f} s (poll every 2 s, debounce 0.5 s)")


def _pending(s: Setup) -> int:
    with s.store.session() as session:
        return len(
            session.scalars(select(SyncRequest).where(SyncRequest.consumed_at.is_(None))).all()
        )


def test_the_poll_alone_needs_no_channel_and_no_public_url(emulator, sqlite_url, tmp_path):
    s = make_setup(emulator, sqlite_url, tmp_path, poll_seconds=1)
    _first_sync(s)
    with clock(s.config, s):
        wait_until(lambda: not _pending(s) and "drive-poll" in _triggers(s, "lv"), timeout=30)
        lead_id = _edit_fi(s, EDITED)
        wait_until(lambda: _company(s, lead_id) == EDITED, timeout=30)
    assert _channels(s) == []


def test_channels_are_renewed_before_expiry_with_no_gap_and_no_double(
    emulator, sqlite_url, tmp_path
):
    s = make_setup(
        emulator,
        sqlite_url,
        tmp_path,
        poll_seconds=3600,
        # renewed once 6 s are left, checked every 1.5 s: a slow tick still renews in time
        channel_ttl_seconds=8,
        channel_renew_seconds=6,
    )
    _first_sync(s)
    with web_server(s) as web, clock(replace(s.config, public_url=web.url), s):
        wait_until(lambda: len(_events(s, "fi", "renewed")) >= 2, timeout=40)
        lead_id = _edit_fi(s, EDITED)  # an edit after two renewals still arrives by push
        wait_until(lambda: _company(s, lead_id) == EDITED, timeout=30)
        wait_until(lambda: emulator.notifications()["channels"] == 3, timeout=10)
    assert "drive-push" in _triggers(s, "fi")
    for partner in ("lv", "ee", "fi"):
        chain = _channels(s, partner)
        assert len([c for c in chain if c.status == "active"]) == 1
        for old, new in itertools.pairwise(chain):
            assert old.status == "replaced"
            # the next channel was open before the old one was stopped or expired
            assert new.created_at < old.stopped_at <= old.expires_at
        assert [e.kind for e in _events(s, partner, "expired")] == []
        assert len(_events(s, partner, "registered")) == 1


def test_a_forged_or_expired_channel_is_refused_over_http(emulator, sqlite_url, tmp_path):
    s = make_setup(emulator, sqlite_url, tmp_path)
    with s.store.session() as session:
        register_channel(
            session,
            channel_id="expired-1",
            partner="lv",
            token="right-token",
            expires_at=utcnow().replace(year=2020),
        )
        live = register_channel(session, channel_id="live-1", partner="lv", token="right-token")
        live.expires_at = None
        stopped = register_channel(session, channel_id="stopped-1", partner="lv", token="t")
        stopped.status = "replaced"

    def post(channel: str, token: str, number: int = 7) -> requests.Response:
        return requests.post(
            f"{web.url}/webhooks/drive",
            headers={
                "X-Goog-Channel-ID": channel,
                "X-Goog-Channel-Token": token,
                "X-Goog-Resource-State": "update",
                "X-Goog-Message-Number": str(number),
            },
            timeout=10,
        )

    with web_server(s) as web:
        assert post("expired-1", "right-token").status_code == 401
        assert post("live-1", "forged-token").status_code == 401
        assert post("forged-channel", "right-token").status_code == 401
        assert post("stopped-1", "t").status_code == 401
        assert _triggers(s, "lv") == []
        accepted = post("live-1", "right-token")
        assert accepted.status_code == 200 and accepted.json()["status"] == "queued"
    assert _triggers(s, "lv") == ["drive-push"]


@pytest.mark.postgres
def test_two_clocks_on_postgresql_renew_each_channel_once(emulator, pg_url, tmp_path, monkeypatch):
    s = make_setup(
        emulator,
        pg_url,
        tmp_path,
        poll_seconds=3600,
        channel_ttl_seconds=10,
        channel_renew_seconds=7,
    )
    # opening a channel takes a while, so the two clocks' renewals overlap
    emulator.inject_fault(endpoint="drive.files.watch", delay=0.4, probability=1.0, times=10_000)
    procs: list[subprocess.Popen] = []
    with web_server(s) as web:
        monkeypatch.setenv("CRM_PUBLIC_URL", web.url)
        try:
            procs = [s.scheduler("--no-catch-up"), s.scheduler("--no-catch-up")]
            wait_until(
                lambda: all(len(_events(s, p, "renewed")) >= 2 for p in ("lv", "ee", "fi")),
                timeout=60,
            )
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                out, err = proc.communicate(timeout=30)
                assert proc.returncode == 0, out + err
    for partner in ("lv", "ee", "fi"):
        chain = _channels(s, partner)
        assert len(_events(s, partner, "registered")) == 1
        replaced = [c for c in chain if c.status == "replaced"]
        renewals = _events(s, partner, "renewed")
        # one new channel per renewal, and every replaced channel was replaced once,
        # by the next one: no clock opened a second channel for the same renewal
        assert len(chain) == 1 + len(renewals)
        assert len(replaced) == len(chain) - len([c for c in chain if c.status == "active"])
        for old, new in itertools.pairwise(chain):
            stops = [e for e in _events(s, partner, "replaced") if e.channel_id == old.id]
            assert [e.detail for e in stops] == [f"replaced by {new.id}"]
    s.store.dispose()


def _cli(s: Setup, *args: str, public_url: str) -> subprocess.CompletedProcess:
    import sys

    env = {**s.env(), "CRM_PUBLIC_URL": public_url}
    return subprocess.run(
        [sys.executable, "-m", "integration.cli", "watch", *args],
        env=env,
        cwd=s.partners_file.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_watch_command_registers_lists_and_stops(emulator, sqlite_url, tmp_path):
    s = make_setup(emulator, sqlite_url, tmp_path, poll_seconds=3600)
    with web_server(s) as web:
        done = _cli(s, public_url=web.url)
        assert done.returncode == 0, done.stderr
        assert done.stdout.count("registered channel") == 3
        wait_until(lambda: _all_greeted(s), timeout=20)
        listed = _cli(s, "--list", "--partner", "fi", public_url=web.url)
        assert listed.returncode == 0 and listed.stdout.count("active") == 1
        assert "right" not in listed.stdout and "token" not in listed.stdout.lower()
        stopped = _cli(s, "--stop", "--partner", "fi", public_url=web.url)
        assert stopped.returncode == 0 and "stopped 1 channel" in stopped.stdout
        assert emulator.notifications()["channels"] == 2
        # the clock leaves a partner stopped by hand alone
        jobs_ = DriveJobs(replace(s.config, public_url=web.url), s.store)
        outcomes = {o.partner: o.action for o in jobs_.maintain_channels()}
        assert outcomes == {"lv": "kept", "ee": "kept", "fi": "skipped"}
        again = _cli(s, "--partner", "fi", public_url=web.url)
        assert again.returncode == 0 and "re-registered channel" in again.stdout


def test_watch_needs_an_https_public_url(emulator, sqlite_url, tmp_path):
    s = make_setup(emulator, sqlite_url, tmp_path)
    done = _cli(s, public_url="http://crm.example.org")
    assert done.returncode == 2 and "must be an https:// address" in done.stderr
    assert "Traceback" not in done.stderr
    missing = _cli(s, public_url="")
    assert missing.returncode == 2 and "CRM_PUBLIC_URL is not set" in missing.stderr
    assert _channels(s) == []


def test_a_429_holds_the_poll_back_and_it_resumes_later(emulator, sqlite_url, tmp_path):
    from datetime import timedelta

    from fast_retry import fast_policy

    s = make_setup(emulator, sqlite_url, tmp_path, poll_seconds=300)
    drive_jobs = DriveJobs(s.config, s.store, poll_retry=fast_policy(max_attempts=2))
    emulator.inject_fault(endpoint="drive.files.get", status=429, probability=1.0, times=1000)
    emulator.reset_stats()
    now = utcnow()
    assert drive_jobs.poll_once(now) == []
    tried = emulator.stats()["by_endpoint"]["drive.files.get"]
    assert tried == 3 * 2  # three partners, each tried twice (the policy allows two attempts)
    assert [e.kind for e in _events(s, "lv")] == ["poll-failed"]
    # held back: the next tick asks Drive nothing
    assert drive_jobs.poll_once(now + timedelta(seconds=5)) == []
    assert emulator.stats()["by_endpoint"]["drive.files.get"] == tried
    emulator.clear_faults()
    # after the back-off (30 s for the first failure) the poll asks again; no sync yet
    # completed, so every partner's sheet counts as changed
    assert drive_jobs.poll_once(now + timedelta(seconds=31)) == ["ee", "fi", "lv"]
    assert _triggers(s, "lv") == ["drive-poll"]


def test_a_channel_drive_never_confirmed_is_replaced(emulator, sqlite_url, tmp_path):
    """A clock that died between writing the channel and Drive's answer left a row
    Drive knows nothing of; the next clock opens a real channel instead."""
    from datetime import timedelta

    s = make_setup(emulator, sqlite_url, tmp_path)
    with s.store.session() as session:
        orphan = register_channel(session, channel_id="orphan", partner="lv", token="t")
        orphan.created_at = utcnow() - timedelta(minutes=5)
        orphan.expires_at = utcnow() + timedelta(hours=20)
    with web_server(s) as web:
        outcomes = DriveJobs(replace(s.config, public_url=web.url), s.store).maintain_channels()
        assert {o.partner: o.action for o in outcomes}["lv"] == "re-registered"
        wait_until(lambda: _all_greeted(s), timeout=20)
    assert [c.status for c in _channels(s, "lv")] == ["gone", "active"]
    assert [e.kind for e in _events(s, "lv")] == ["failed", "re-registered"]


def test_a_refused_channel_is_recorded_and_retried_after_a_delay(emulator, sqlite_url, tmp_path):
    from datetime import timedelta

    s = make_setup(emulator, sqlite_url, tmp_path)
    emulator.inject_fault(endpoint="drive.files.watch", status=404, probability=1.0, times=1000)
    emulator.reset_stats()
    with web_server(s) as web:
        drive_jobs = DriveJobs(replace(s.config, public_url=web.url), s.store)
        now = utcnow()
        assert {o.action for o in drive_jobs.maintain_channels(now)} == {"failed"}
        assert emulator.stats()["by_endpoint"]["drive.files.watch"] == 3
        assert drive_jobs.maintain_channels(now + timedelta(seconds=10)) == []
        assert emulator.stats()["by_endpoint"]["drive.files.watch"] == 3
        emulator.clear_faults()
        later = drive_jobs.maintain_channels(now + timedelta(seconds=31))
        assert {o.action for o in later} == {"registered"}
    failed = _events(s, "lv", "failed")
    assert len(failed) == 1 and "files.watch" in failed[0].detail
    assert _channels(s, "lv", "active")


def test_the_first_poll_after_an_edit_finds_it_and_a_settled_sheet_asks_nothing(
    emulator, sqlite_url, tmp_path
):
    """The poll's decision on its own: a sync that wrote into the sheet is confirmed
    by one more sync that writes nothing; after that the poll stays quiet until a
    partner edits, and then the very next poll asks for the sync."""
    s = make_setup(emulator, sqlite_url, tmp_path)
    drive_jobs = DriveJobs(s.config, s.store)
    for partner in ("lv", "ee", "fi"):
        _first_sync(s, partner)
    assert drive_jobs.poll_once() == ["ee", "fi", "lv"]  # the first syncs wrote ids
    for partner in ("lv", "ee", "fi"):
        confirm = jobs.run_partner_sync(s.config, s.store, partner, trigger="drive-poll")
        assert confirm.completed and confirm.report.cells_written == 0
    assert not _pending(s)
    assert drive_jobs.poll_once() == []
    _edit_fi(s, EDITED)
    assert drive_jobs.poll_once() == ["fi"]
    assert drive_jobs.poll_once() == []  # one request is enough while it waits


def test_a_channel_that_stopped_silently_is_found_by_the_poll_and_replaced(
    emulator, sqlite_url, tmp_path
):
    from datetime import datetime, timedelta

    s = make_setup(emulator, sqlite_url, tmp_path)
    for partner in ("lv", "ee", "fi"):
        _first_sync(s, partner)
        jobs.run_partner_sync(s.config, s.store, partner, trigger="cli")  # settled
    with web_server(s) as web:
        drive_jobs = DriveJobs(replace(s.config, public_url=web.url), s.store)
        drive_jobs.maintain_channels()
        wait_until(lambda: _all_greeted(s), timeout=20)
        emulator.drop_notifications(True)  # Drive stops telling, and says nothing
        _edit_fi(s, EDITED)
        info = s.emulator.client().http_client.get_file_drive_metadata(s.ids["fi"])  # type: ignore[attr-defined]
        changed = datetime.fromisoformat(info["modifiedTime"].replace("Z", "+00:00"))
        # a poll soon after the change asks for the sync but does not judge the channel
        assert drive_jobs.poll_once(changed + timedelta(seconds=5)) == ["fi"]
        assert _channels(s, "fi", "active")
        jobs.run_partner_sync(s.config, s.store, "fi", trigger="drive-poll")
        emulator.drop_notifications(False)
        _edit_fi(s, EDITED + " 2")
        emulator.drop_notifications(True)
        info = s.emulator.client().http_client.get_file_drive_metadata(s.ids["fi"])  # type: ignore[attr-defined]
        changed = datetime.fromisoformat(info["modifiedTime"].replace("Z", "+00:00"))
        wait_until(lambda: "drive-push" in _triggers(s, "fi"), timeout=20)  # that one came
        assert drive_jobs.poll_once(changed + timedelta(minutes=2)) == []  # already asked

        jobs.run_partner_sync(s.config, s.store, "fi", trigger="drive-push")
        _edit_fi(s, EDITED + " 3")  # dropped
        info = s.emulator.client().http_client.get_file_drive_metadata(s.ids["fi"])  # type: ignore[attr-defined]
        changed = datetime.fromisoformat(info["modifiedTime"].replace("Z", "+00:00"))
        # two minutes on, nobody announced the change: the channel is lost
        assert drive_jobs.poll_once(changed + timedelta(minutes=2)) == ["fi"]
        assert [e.kind for e in _events(s, "fi", "lost")] == ["lost"]
        assert not _channels(s, "fi", "active") and len(_channels(s, "lv", "active")) == 1
        outcomes = {o.partner: o.action for o in drive_jobs.maintain_channels()}
    assert outcomes == {"lv": "kept", "ee": "kept", "fi": "re-registered"}
