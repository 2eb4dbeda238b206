"""``/metrics`` over real HTTP, on both stores: its size stays bounded whatever
methods and paths clients send, and it says when each partner's tab last
synced successfully and what state its Drive push channels are in."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta

import requests
from metrics_scrape import samples, value
from seeding import finished_leads_run

from integration.store.models import DriveChannel


def _samples(text: str) -> set[tuple]:
    """The request counters' samples (their label sets)."""
    return {
        key
        for name in ("crm_api_requests_total", "crm_webhook_requests_total")
        for key in samples(text, name)
    }


def test_invented_methods_and_paths_do_not_grow_the_exposition(
    live_url: str, http: requests.Session
) -> None:
    # the counters live in this process, so count what the invented requests add
    before = _samples(http.get(f"{live_url}/metrics", timeout=10).text)
    rng = random.Random(5)
    for _ in range(200):
        method = "".join(rng.choices(string.ascii_uppercase, k=8))
        path = "".join(rng.choices(string.ascii_lowercase, k=12))
        for prefix in ("/api/v1/", "/webhooks/"):
            http.request(method, f"{live_url}{prefix}{path}", timeout=10)
    http.request("GET", f"{live_url}/api/v1/{'x' * 20}", timeout=10)
    text = http.get(f"{live_url}/metrics", timeout=10).text
    added = _samples(text) - before
    # every invented method and path is one of a handful of label sets
    assert len(added) <= 8, sorted(added)
    assert samples(text, "crm_api_requests_total", method="OTHER", route="unmatched")
    assert samples(text, "crm_webhook_requests_total", method="OTHER", route="unmatched")
    assert not [s for s in _samples(text) if any("x" * 20 in v for _, v in s[1])]


def test_last_successful_sync_per_tab_and_channel_states(
    live_url: str, http: requests.Session, store
) -> None:  # type: ignore[no-untyped-def]
    good = datetime(2026, 11, 30, 2, 0, 5, tzinfo=UTC)
    with store.session() as s:
        s.add(finished_leads_run("lv", "completed", at=good, seconds=5))
        # a later failure does not move the last success
        s.add(finished_leads_run("lv", "failed", at=good + timedelta(hours=1), seconds=0))
        s.add(DriveChannel(id="ch-1", partner="lv", token_hash="0" * 64, status="active"))
        s.add(DriveChannel(id="ch-0", partner="lv", token_hash="1" * 64, status="replaced"))
    text = http.get(f"{live_url}/metrics", timeout=10).text
    last = "crm_sync_last_success_timestamp_seconds"
    assert value(text, last, partner="lv", tab="leads") == good.timestamp()
    assert not samples(text, last, partner="ee")
    assert value(text, "crm_drive_channels", partner="lv", state="active") == 1
    assert value(text, "crm_drive_channels", partner="lv", state="replaced") == 1
