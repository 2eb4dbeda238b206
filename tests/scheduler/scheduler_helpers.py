"""Small helpers shared by the scheduler's tests: partner spreadsheets in the
emulator with a partners file pointing at them, and polling."""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from processes import ROOT, start_cli
from waiting import wait_until  # noqa: F401  (the scheduler tests' import of it)

from integration.config import AppConfig, load_config
from integration.demo import data
from integration.demo.partners_file import partners_toml
from integration.demo.sheets import create_spreadsheets
from integration.store.db import Store
from integration.store.setup import sync_partner_rows

#: The partners' webhook secrets every process of a set-up runs with (the
#: partners file names them; the web process and the clock refuse to start without).
WEBHOOK_SECRETS = {
    "LV_WEBHOOK_SECRET": "whsec_" + "bHYtc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
    "EE_WEBHOOK_SECRET": "whsec_" + "ZWUtc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
    "FI_WEBHOOK_SECRET": "whsec_" + "Zmktc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
}


@dataclass
class Setup:
    config: AppConfig
    store: Store
    partners_file: Path
    ids: dict[str, str]
    emulator: object

    def env(self) -> dict[str, str]:
        env = {**WEBHOOK_SECRETS, **os.environ}
        env.update(
            SHEETS_EMULATOR_HOST=self.emulator.host_port,  # type: ignore[attr-defined]
            DATABASE_URL=self.store.url,
            CRM_CONFIG=str(self.partners_file),
            CRM_INSTANCE_PATH=str(self.partners_file.parent / "instance"),
            PYTHONPATH=str(ROOT),
        )
        return env

    def scheduler(self, *args: str) -> subprocess.Popen:
        """``crm-sync scheduler`` as its own process (the Procfile's clock)."""
        return start_cli("-v", "scheduler", *args, env=self.env(), cwd=self.partners_file.parent)


def make_setup(
    emulator,
    store_url: str,
    tmp_path: Path,
    *,
    rows: int = 10,
    environ: dict[str, str] | None = None,
    **sync: float,
) -> Setup:
    ids = create_spreadsheets(emulator.client(), data.generate(rows, seed=11))
    sync_settings = {"debounce_seconds": 0.5, "debounce_max_seconds": 5, **sync}
    text = partners_toml(
        ids,
        debounce_seconds=sync_settings.pop("debounce_seconds"),
        debounce_max_seconds=sync_settings.pop("debounce_max_seconds"),
        extra_sync=sync_settings,  # e.g. lease_seconds, poll_seconds
    )
    path = tmp_path / "partners.toml"
    path.write_text(text, "utf-8")
    config = load_config(
        path,
        environ={
            "SHEETS_EMULATOR_HOST": emulator.host_port,
            "DATABASE_URL": store_url,
            "CRM_INSTANCE_PATH": str(tmp_path / "instance"),
            **(environ or {}),
        },
    )
    store = Store(store_url)
    sync_partner_rows(store, config)
    return Setup(config, store, path, ids, emulator)


class DrainWatch:
    """Records each pass of a scheduler's ``drain`` job and the partners it started.

    "Nothing else started" is then shown by waiting for the clock to look at the
    requests again, not by sleeping for a while and hoping it did.
    """

    def __init__(self, service: object) -> None:
        self._seen = threading.Condition()
        self.passes: list[list[str]] = []
        service.scheduler.add_listener(self._on_executed, EVENT_JOB_EXECUTED)  # type: ignore[attr-defined]

    def _on_executed(self, event: JobExecutionEvent) -> None:
        if event.job_id == "drain":
            with self._seen:
                self.passes.append(list(event.retval or []))
                self._seen.notify_all()

    def next_passes(self, count: int, timeout: float = 30.0) -> list[list[str]]:
        """Wait for ``count`` drain passes that begin after this call; return what
        each started. A pass already running may be counted, hence callers ask
        for one more than they need."""
        with self._seen:
            first = len(self.passes)
            if not self._seen.wait_for(lambda: len(self.passes) >= first + count, timeout):
                raise AssertionError(f"{count} drain passes did not run within {timeout} s")
            return self.passes[first : first + count]
