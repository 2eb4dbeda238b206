"""A sync in its own process, for the fault campaign's SIGKILL scenarios.

Started ahead of time (the imports take a second), it waits for one JSON line on
stdin naming the store, the emulator and the spreadsheets, runs one sync of a
partner's Leads tab exactly as ``crm-sync sync`` would, and prints the outcome
as one JSON line. The campaign kills it with SIGKILL while it is between the
sheet write and the store commit.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from fast_retry import fast_policy
from mutants import apply_from_environment

from connectors.google_sheets.auth import make_gspread_client
from integration.config import load_config
from integration.store.db import Store
from integration.sync.engine import run_sync

EXAMPLE = Path(__file__).resolve().parents[2] / "partners.example.toml"


def main() -> None:
    apply_from_environment()  # the same broken engine as the campaign's, if any
    print("ready", flush=True)
    job = json.loads(sys.stdin.readline())
    config = load_config(EXAMPLE, environ=job["environ"])
    partners = {
        code: dataclasses.replace(
            pc,
            spreadsheet_id=job["spreadsheets"].get(code, pc.spreadsheet_id),
            conflict_policy=job.get("policies", {}).get(code, pc.conflict_policy),
        )
        for code, pc in config.partners.items()
    }
    sync = dataclasses.replace(config.sync, lease_seconds=job["lease_seconds"])
    config = dataclasses.replace(
        config,
        partners=partners,
        sync=sync,
        database_url=job["database_url"],
        emulator_host=job["emulator_host"],
    )
    store = Store(job["database_url"])
    client = make_gspread_client(emulator_host=job["emulator_host"], timeout=5.0)
    report = run_sync(
        config,
        store,
        job["partner"],
        tab="leads",
        client=client,
        retry=fast_policy(),
        wait_for_lease=job["lease_seconds"] + 2,
    )
    tab = report.tabs[0]
    print(json.dumps({"outcome": tab.outcome, "error": tab.error}), flush=True)


if __name__ == "__main__":
    main()
