"""The clock's two Drive jobs: keep push channels open, and poll ``modifiedTime``.

- ``drive-channels`` (only with ``CRM_PUBLIC_URL``): :func:`integration.drive.watch.maintain`
  per partner, at start and then a few times per renewal window;
- ``drive-poll``: :func:`integration.drive.poll.poll_partner` per partner every
  ``[sync] poll_seconds``; a change the poll finds that no notification announced
  marks the partner's channel lost, so the next ``drive-channels`` run opens a new
  one. A 429 or a 5xx holds that partner's poll back with the
  same growing delay as a failed sync, so a quota storm is not made worse.

Both build their connector with the process's shared quota budgets, so Drive
calls count against the same per-minute budget as the syncs.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from connectors.google_sheets.drive import DriveConnector
from connectors.google_sheets.errors import SheetsError
from connectors.google_sheets.retry import RetryPolicy
from integration.config import AppConfig, ConfigError
from integration.drive import poll, watch
from integration.drive.channels import log_event, mark_lost
from integration.google_connector import make_connector
from integration.scheduler.debounce import retry_delay
from integration.store.db import Store
from integration.store.models import utcnow

log = logging.getLogger(__name__)

#: A poll is one cheap call; it should not sit in retries for minutes.
POLL_RETRY_SECONDS = 15.0


def channel_check_interval(renew_seconds: float) -> float:
    """How often to look at channels: several times per renewal window, at most
    once a minute, at least every half second."""
    return max(0.5, min(60.0, renew_seconds / 4))


class Backoff:
    """Per-key hold after failures: 30 s doubling to 15 min (as a failed sync)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._hold: dict[str, datetime] = {}

    def held(self, key: str, now: datetime) -> bool:
        with self._lock:
            hold = self._hold.get(key)
        return hold is not None and now < hold

    def failed(self, key: str, now: datetime, delay: float | None = None) -> float:
        """Record a failure; returns the seconds ``key`` is now held back."""
        with self._lock:
            failures = self._failures.get(key, 0) + 1
            self._failures[key] = failures
            wait = retry_delay(failures) if delay is None else delay
            self._hold[key] = now + timedelta(seconds=wait)
        return wait

    def ok(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
            self._hold.pop(key, None)


class DriveJobs:
    """State the Drive jobs keep between runs (back-off per job and partner)."""

    def __init__(
        self, config: AppConfig, store: Store, *, poll_retry: RetryPolicy | None = None
    ) -> None:
        self.config = config
        self.store = store
        self.poll_retry = poll_retry or RetryPolicy(budget_seconds=POLL_RETRY_SECONDS)
        self.backoff = Backoff()

    def _connector(self, retry: RetryPolicy | None = None) -> DriveConnector:
        return make_connector(self.config, retry=retry).drive

    def maintain_channels(self, now: datetime | None = None) -> list[watch.ChannelOutcome]:
        """Open, renew or re-register each partner's channel as needed; a partner
        whose channel could not be opened is retried after a growing delay."""
        now = now or utcnow()
        try:
            watch.webhook_address(self.config)
        except ConfigError as exc:
            log.warning("drive channels not maintained: %s", exc)
            return []
        try:
            connector = self._connector()
        except Exception as exc:  # e.g. missing credentials: the syncs will say so too
            log.warning("drive channels not maintained: %s", exc)
            return []
        outcomes = []
        for partner in sorted(self.config.partners):
            if self.backoff.held(f"channel:{partner}", now):
                continue
            try:
                outcome = watch.maintain(self.config, self.store, connector, partner)
            except SQLAlchemyError as exc:
                log.warning(
                    "drive channel of %s: store unavailable (%s)", partner, type(exc).__name__
                )
                continue
            if outcome.action == "failed":
                wait = self.backoff.failed(f"channel:{partner}", now)
                log.warning(
                    "drive channel of %s could not be opened (next try in %.0f s): %s",
                    partner,
                    wait,
                    outcome.detail,
                )
            else:
                self.backoff.ok(f"channel:{partner}")
            if outcome.action not in ("kept", "skipped", "busy", "failed"):
                log.info("drive channel of %s %s: %s", partner, outcome.action, outcome.channel_id)
            outcomes.append(outcome)
        return outcomes

    def poll_once(self, now: datetime | None = None) -> list[str]:
        """Ask Drive for each spreadsheet's ``modifiedTime``; returns the partners
        for which a sync was requested."""
        now = now or utcnow()
        try:
            connector = self._connector(self.poll_retry)
        except Exception as exc:
            log.warning("modifiedTime poll skipped: %s", exc)
            return []
        requested = []
        for partner in sorted(self.config.partners):
            if self.backoff.held(f"poll:{partner}", now):
                continue
            try:
                modified = poll.poll_partner(self.config, self.store, connector, partner)
                if modified is not None:
                    requested.append(partner)
                    debounce = self.config.sync.debounce_seconds
                    for lost in mark_lost(self.store, partner, modified, now, debounce):
                        log.warning("drive channel %s of %s stopped silently", lost, partner)
                self.backoff.ok(f"poll:{partner}")
            except SheetsError as exc:
                self._back_off(partner, now, exc)
            except SQLAlchemyError as exc:
                log.warning(
                    "modifiedTime poll of %s: store unavailable (%s)", partner, type(exc).__name__
                )
        return requested

    def _back_off(self, partner: str, now: datetime, exc: SheetsError) -> None:
        delay = self.backoff.failed(
            f"poll:{partner}", now, None if exc.retryable else self.config.sync.poll_seconds
        )
        log.warning("modifiedTime poll of %s failed (next in %.0f s): %s", partner, delay, exc)
        with contextlib.suppress(SQLAlchemyError):
            log_event(self.store, partner, "poll-failed", f"{exc} (next try in {delay:.0f} s)")
