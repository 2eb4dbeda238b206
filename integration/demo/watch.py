"""Edits in the emulator become sync requests, as the Apps Script trigger makes them
in production.

In production each partner spreadsheet carries an ``onEdit`` Apps Script trigger
that calls the service's webhook, which records a sync request. The emulator
runs no Apps Script, so the demo watches the spreadsheets' Drive
``modifiedTime`` (one ``files.list`` call every few seconds) and records the same
kind of request; the scheduler then syncs after the debounce.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from integration.store.db import Store
from integration.store.records import request_sync

log = logging.getLogger(__name__)


class SheetWatcher(threading.Thread):
    """Polls modification times; records one sync request per change seen."""

    def __init__(
        self,
        client_factory: Callable[[], Any],
        store: Store,
        spreadsheet_ids: dict[str, str],
        *,
        every: float = 2.0,
    ) -> None:
        super().__init__(name="demo-sheet-watcher", daemon=True)
        self.client_factory = client_factory
        self.store = store
        self.partner_by_id = {sid: code for code, sid in spreadsheet_ids.items()}
        self.every = every
        self.stopped = threading.Event()
        self.seen: dict[str, str] = {}
        self.requests = 0

    def snapshot(self, client: Any) -> dict[str, str]:
        return {
            f["id"]: f.get("modifiedTime", "")
            for f in client.list_spreadsheet_files()
            if f["id"] in self.partner_by_id
        }

    def prime(self) -> None:
        """Take the current state as seen (call after the first sync)."""
        self.seen = self.snapshot(self.client_factory())

    def run(self) -> None:
        client = self.client_factory()
        while not self.stopped.wait(self.every):
            try:
                now = self.snapshot(client)
            except Exception as exc:  # the emulator stopping, a timeout: try again later
                log.debug("watcher could not list spreadsheets: %s", exc)
                continue
            changed = [sid for sid, stamp in now.items() if self.seen.get(sid) != stamp]
            self.seen = now
            for sid in changed:
                code = self.partner_by_id[sid]
                with self.store.session() as session:
                    request_sync(session, code, trigger="demo", reason="spreadsheet edited")
                self.requests += 1
                log.info("spreadsheet of %s changed: sync requested", code)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)
