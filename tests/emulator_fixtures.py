"""Run the emulator inside a test process.

    with run_emulator() as emu:
        gc = emu.client()                  # real gspread over real HTTP
        emu.inject_fault(endpoint="values.batchGet", status=503, times=2)
        ...
        assert emu.stats()["by_endpoint"]["values.batchGet"] == 3

pytest fixtures: ``sheets_emulator`` (one server per test session) and
``emulator`` (the same server, reset before each test, with
``SHEETS_EMULATOR_HOST`` pointing at it for the test's duration); tests/conftest.py
imports both. Test code, so it lives with the tests rather than in the shipped
emulator package; the benchmarks and the fault campaign put ``tests/`` on
``sys.path`` to use :func:`run_emulator` and :func:`create_spreadsheet`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sheets_emulator.running import RunningEmulator
from sheets_emulator.server import Emulator, EmulatorServer


class EmulatorHandle:
    """A running emulator: its address, a client factory and the admin API."""

    def __init__(self, server: EmulatorServer, emulator: Emulator, token: str | None) -> None:
        self.server = server
        self.emulator = emulator
        host, port = server.server_address[:2]
        self.host_port = f"{host}:{port}"
        self.base_url = f"http://{self.host_port}"
        self.token = token or "emulator-token"
        self._admin = requests.Session()
        self._admin.trust_env = False
        self._admin.headers["Authorization"] = f"Bearer {self.token}"

    def client(self, timeout: float = 30.0) -> Any:
        """A real gspread client talking to this emulator."""
        from connectors.google_sheets.auth import make_gspread_client

        return make_gspread_client(emulator_host=self.host_port, timeout=timeout, token=self.token)

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        r = self._admin.request(method, self.base_url + path, json=json, timeout=10)
        if not r.ok:
            raise RuntimeError(f"emulator admin {method} {path} failed: {r.status_code} {r.text}")
        return r.json() if r.content else None

    def reset(self) -> None:
        """Drop every spreadsheet, fault and counter."""
        self._call("POST", "/_emulator/reset")

    def stats(self) -> dict[str, Any]:
        """``{"total": n, "by_endpoint": {"values.batchGet": n, ...}}``."""
        return self._call("GET", "/_emulator/stats")

    def reset_stats(self) -> None:
        self._call("DELETE", "/_emulator/stats")

    def inject_fault(self, **spec: Any) -> None:
        """See the admin API in :mod:`sheets_emulator`."""
        self._call("POST", "/_emulator/faults", json=spec)

    def held(self) -> int:
        """How many requests a ``hold`` fault keeps waiting right now."""
        return int(self._call("GET", "/_emulator/holds")["held"])

    def wait_held(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``count`` requests are held (a test acts only once they are)."""
        deadline = time.monotonic() + timeout
        while self.held() < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {count} request(s) held after {timeout} s")
            time.sleep(0.01)

    def release(self) -> int:
        """Let every held request go on; returns how many were held."""
        return int(self._call("POST", "/_emulator/release")["released"])

    def drop_notifications(self, drop: bool = True) -> dict[str, Any]:
        """Lose (``True``) or deliver (``False``) every Drive push notification."""
        return self._call("POST", "/_emulator/notifications", {"drop": drop})

    def notifications(self) -> dict[str, Any]:
        """``{"drop": bool, "channels": live, "delivered": n, "dropped": n, "failed": n}``."""
        return self._call("GET", "/_emulator/notifications")

    def clear_faults(self) -> None:
        self._call("DELETE", "/_emulator/faults")

    def set_quotas(
        self,
        enabled: bool = True,
        *,
        read_per_user: int | None = None,
        write_per_user: int | None = None,
        read_per_project: int | None = None,
        write_per_project: int | None = None,
    ) -> dict[str, Any]:
        spec: dict[str, Any] = {"enabled": enabled}
        for key, value in (
            ("read_per_user", read_per_user),
            ("write_per_user", write_per_user),
            ("read_per_project", read_per_project),
            ("write_per_project", write_per_project),
        ):
            if value is not None:
                spec[key] = value
        return self._call("POST", "/_emulator/quotas", json=spec)


@contextlib.contextmanager
def run_emulator(
    *,
    state_file: str | None = None,
    seed_dir: str | None = None,
    token: str | None = None,
    quotas: bool = False,
    quiet: bool = False,
) -> Iterator[EmulatorHandle]:
    """Start an emulator on a background thread (the shipped
    :class:`RunningEmulator`); stop it (and save state) on exit.  No autosave
    thread: a test decides when its emulator saves.  ``quiet`` drops the
    server's traceback per broken connection, for the fault campaign and the
    benchmarks, where dropped connections are the point."""
    options = {"state_file": state_file, "seed_dir": seed_dir, "token": token, "quotas": quotas}
    with RunningEmulator(autosave=False, **options) as running:
        if quiet:
            running.server.handle_error = lambda *a: None  # type: ignore[method-assign]
        yield EmulatorHandle(running.server, running.emulator, token)


def with_sheet(config: Any, emulator: Any, partner: str, spreadsheet_id: str) -> Any:
    """``config`` with ``partner``'s spreadsheet on the emulator and plain-HTTP
    cookies, for end-to-end tests that sync a tab and then serve the app."""
    import dataclasses

    return dataclasses.replace(
        config,
        partners={
            **config.partners,
            partner: dataclasses.replace(config.partners[partner], spreadsheet_id=spreadsheet_id),
        },
        emulator_host=emulator.host_port,
        environ={**config.environ, "CRM_INSECURE_COOKIES": "1"},
    )


def create_spreadsheet(client_or_handle: Any, title: str, tabs: dict[str, list[list[str]]]) -> str:
    """Create a spreadsheet with the given tabs (written RAW); returns its id."""
    client = (
        client_or_handle.client()
        if isinstance(client_or_handle, EmulatorHandle)
        else client_or_handle
    )
    sh = client.create(title)
    first = True
    for name, rows in tabs.items():
        width = max((len(r) for r in rows), default=1)
        if first:
            ws = sh.sheet1
            ws.update_title(name)
            if len(rows) > ws.row_count or width > ws.col_count:
                ws.resize(rows=max(len(rows), ws.row_count), cols=max(width, ws.col_count))
            first = False
        else:
            ws = sh.add_worksheet(name, rows=max(len(rows), 1000), cols=max(width, 26))
        if rows:
            ws.update(rows, "A1", value_input_option="RAW")
    return sh.id


@pytest.fixture(scope="session")
def sheets_emulator() -> Iterator[EmulatorHandle]:
    """One emulator for the whole test session."""
    with run_emulator() as handle:
        yield handle


@pytest.fixture
def emulator(
    sheets_emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> Iterator[EmulatorHandle]:
    """The session's emulator, emptied before the test; SHEETS_EMULATOR_HOST set."""
    sheets_emulator.reset()  # also puts the quotas back as at start (off)
    monkeypatch.setenv("SHEETS_EMULATOR_HOST", sheets_emulator.host_port)
    yield sheets_emulator
