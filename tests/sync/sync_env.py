"""The sync tests' environment: partner spreadsheets in the emulator, a config
pointing at them and at the test store, and small helpers to read and edit cells."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from emulator_fixtures import create_spreadsheet
from fast_retry import fast_policy
from seeding import stored_lead
from sqlalchemy import func, select

from integration.config import AppConfig
from integration.store.db import Store
from integration.store.models import Lead
from integration.store.setup import sync_partner_rows
from integration.sync.engine import SyncReport, TabResult, run_sync

LV_LEADS_HEADER = [
    "Uzņēmums",
    "Valsts",
    "Reģistrācijas numurs",
    "Nozare",
    "Kontaktpersona",
    "E-pasts",
    "Tālrunis",
    "Piezīmes",
    "Mūsu komentārs",
]


class SyncEnv:
    """The emulator's spreadsheets for each partner and the store, side by side."""

    def __init__(self, config: AppConfig, store: Store, emulator: Any) -> None:
        self.config = config
        self.store = store
        self.emulator = emulator
        self.gc = emulator.client(timeout=5)

    def sheet(
        self, partner: str, leads: list[list[Any]], agreements: list[list[Any]] | None = None
    ) -> str:
        tabs = {"Leads": leads, "Agreements": agreements or [["Seller", "Buyer", "Status"]]}
        sid = create_spreadsheet(self.gc, f"{partner} CRM", tabs)
        pc = dataclasses.replace(self.config.partners[partner], spreadsheet_id=sid)
        self.config = dataclasses.replace(
            self.config, partners={**self.config.partners, partner: pc}
        )
        return sid

    def api(self) -> tuple[Any, dict[str, dict[str, str]]]:
        """The app over this env's store (a test client) and an API token's
        headers per partner (lv, ee, fi) and for an admin."""
        from integration import create_app
        from integration.auth import create_token

        with self.store.session() as s:
            headers = {
                who: {"Authorization": f"Bearer {create_token(s, f'{who} staff', partner)[1]}"}
                for who, partner in (("lv", "lv"), ("ee", "ee"), ("fi", "fi"), ("admin", None))
            }
        return create_app(self.config, store=self.store).test_client(), headers

    def sync(self, partner: str = "lv", **kwargs: Any) -> SyncReport:
        kwargs.setdefault("retry", fast_policy())
        kwargs.setdefault("client", self.gc)
        return run_sync(self.config, self.store, partner, **kwargs)

    def synced_tab(self, partner: str = "lv", tab: str = "leads", **kwargs: Any) -> TabResult:
        """Sync one tab and insist it completed (naming the error if not): the
        first step of most sync tests; returns that tab's result to check."""
        report = self.sync(partner, tab=tab, **kwargs)
        assert report.ok, [t.error for t in report.tabs]
        (result,) = report.tabs
        return result

    def values(self, partner: str = "lv", tab: str = "Leads") -> list[list[Any]]:
        sid = self.config.partners[partner].spreadsheet_id
        data = self.gc.http_client.values_batch_get(
            sid, [f"'{tab}'"], params={"valueRenderOption": "UNFORMATTED_VALUE"}
        )
        return data["valueRanges"][0].get("values", [])

    def records(self, partner: str = "lv", tab: str = "Leads") -> dict[str, dict[str, Any]]:
        """Data rows keyed by CRM ID (rows without one under ``row<n>``)."""
        rows = self.values(partner, tab)
        header = rows[0]
        out = {}
        for n, row in enumerate(rows[1:], start=2):
            cells = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
            out[cells.get("CRM ID") or f"row{n}"] = cells
        return out

    def write(self, partner: str, tab: str, a1: str, rows: list[list[Any]]) -> None:
        sid = self.config.partners[partner].spreadsheet_id
        self.gc.open_by_key(sid).worksheet(tab).update(rows, a1, value_input_option="RAW")

    def replace(self, partner: str, tab: str, rows: list[list[Any]]) -> None:
        sid = self.config.partners[partner].spreadsheet_id
        ws = self.gc.open_by_key(sid).worksheet(tab)
        ws.clear()
        if rows:
            ws.update(rows, "A1", value_input_option="RAW")

    def store_lead(self, source: str, **data: Any) -> Any:
        """A lead entered on the CRM side (a web form, the API): in the store,
        in no sheet yet."""
        with self.store.session() as s:
            return stored_lead(s, data, source=source)

    def leads(self) -> dict[str, Lead]:
        """Every lead in the store, by ID (detached, for reading after the session)."""
        with self.store.session() as s:
            return {lead.id: lead for lead in s.scalars(select(Lead))}

    def count(self, model: Any, *where: Any) -> int:
        with self.store.session() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


@contextmanager
def sync_env_on(database_url: str, base_config: AppConfig, emulator: Any) -> Iterator[SyncEnv]:
    """A :class:`SyncEnv` on its own store at ``database_url`` (with the partner
    rows a sync needs), for the tests that must pick the database themselves;
    the store is disposed of afterwards."""
    store = Store(database_url)
    sync_partner_rows(store, base_config)
    cfg = dataclasses.replace(base_config, database_url=store.url, emulator_host=emulator.host_port)
    try:
        yield SyncEnv(cfg, store, emulator)
    finally:
        store.dispose()
