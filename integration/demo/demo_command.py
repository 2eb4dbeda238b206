"""``crm-sync demo``: three partner spreadsheets in the Sheets emulator, a SQLite
store under ``instance/demo/``, the first sync, then the web service and the
clock, until Ctrl-C. As in production, edits arrive by Drive push notifications:
the demo opens a channel per spreadsheet with its own emulator, which POSTs to
the demo's web service; the clock's ``modifiedTime`` poll catches what a lost
notification would miss. Nothing is installed in the spreadsheets.

Everything the demo keeps lives in ``instance/demo/`` (the emulator's
spreadsheets, the partners file pointing at them, the store, the demo API
token), so a restart picks up where the last run stopped, partners' edits
included; ``--fresh`` starts again from generated data.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import shutil
import socket
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from connectors.google_sheets.auth import make_gspread_client
from integration.auth import create_token, verify_token
from integration.cli_support import fail
from integration.config import instance_dir, process_environ
from integration.demo.example import EXAMPLE_FILE, StageEdit, example_script, stage_edit
from integration.demo.report import ENV_FILE, print_exports
from integration.domain import Trigger

if TYPE_CHECKING:  # the engine is imported when the demo starts, not at start-up
    from integration.sync.engine import SyncReport

log = logging.getLogger(__name__)

DEMO_DIR = "demo"
TOKEN_FILE = "api-token"
PARTNERS_FILE = "partners.toml"
STATE_FILE = "emulator-state.json"
STORE_FILE = "crm.sqlite"
RUNNING_FILE = "running.json"
#: The demo's emulator accepts any bearer token (as the sync's client sends its own).
EMULATOR_TOKEN = "demo-token"


@dataclass
class DemoPaths:
    root: Path

    @property
    def partners(self) -> Path:
        return self.root / PARTNERS_FILE

    @property
    def state(self) -> Path:
        return self.root / STATE_FILE

    @property
    def store(self) -> Path:
        return self.root / STORE_FILE

    @property
    def token(self) -> Path:
        return self.root / TOKEN_FILE

    @property
    def running(self) -> Path:
        return self.root / RUNNING_FILE

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.store.resolve()}"


def demo_paths(environ: dict[str, str]) -> DemoPaths:
    return DemoPaths(instance_dir(environ) / DEMO_DIR)


class EmulatorProcess:
    """The Sheets emulator on a background thread, saving its state as it changes."""

    def __init__(self, host: str, port: int, state_file: Path) -> None:
        # deferred: the emulator (~0.3 s) loads only when the demo runs, not for --help
        from sheets_emulator.running import RunningEmulator

        self._running = RunningEmulator(host, port, state_file=str(state_file), token=None)
        self.host_port = self._running.host_port

    def start(self) -> EmulatorProcess:
        self._running.start()
        return self

    def client(self) -> Any:
        return make_gspread_client(emulator_host=self.host_port, token=EMULATOR_TOKEN)

    def stop(self) -> None:
        self._running.stop()


def _load_or_create_token(store: Any, path: Path) -> str | None:
    """The demo's admin API token: reused across restarts while it is valid."""
    if path.exists():
        secret = path.read_text("utf-8").strip()
        with store.session() as session:
            if verify_token(session, secret) is not None:
                return secret
    with store.session() as session:
        _token, secret = create_token(session, "demo admin")
    path.write_text(secret + "\n", "utf-8")
    path.chmod(0o600)
    return secret


def running_demo(paths: DemoPaths) -> dict[str, Any] | None:
    """What ``running.json`` says about a demo still running from ``paths`` (its
    process alive); None when there is none or the file is left from one killed."""
    try:
        info = json.loads(paths.running.read_text("utf-8"))
        pid = int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, another user's
        return info
    return info


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on now (in use, not allowed), or None.
    Port 0 (any free port) always can."""
    if port == 0:
        return None

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _demo_environ(base: dict[str, str], paths: DemoPaths, emulator_host: str) -> dict[str, str]:
    """The environment the demo's configuration is read from: the process's own
    (``base``) pointed at the demo's emulator, store and folder. It is handed to
    :func:`load_config`, never written back to the process."""
    env = dict(base)
    env.update(
        {
            "SHEETS_EMULATOR_HOST": emulator_host,
            "CRM_INSTANCE_PATH": str(paths.root),
            "DATABASE_URL": paths.database_url,
            # the demo is served over plain http on this machine
            "CRM_INSECURE_COOKIES": "1",
        }
    )
    env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    for code in ("LV", "EE", "FI"):
        # standard base64, as Standard Webhooks reads it (`crm-sync check`'s
        # form); a URL-safe one with '-' or '_' failed that check now and then
        secret = base64.b64encode(secrets.token_bytes(24)).decode("ascii")
        env.setdefault(f"{code}_WEBHOOK_SECRET", f"whsec_{secret}")
    return env


@click.command("demo")
@click.option("--port", type=int, default=8000, show_default=True, help="Web service port.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--seed",
    "rows",
    type=click.IntRange(10, 5000),
    default=40,
    show_default=True,
    help="Lead rows generated per partner spreadsheet.",
)
@click.option("--fresh", is_flag=True, help="Forget instance/demo/ and generate everything again.")
@click.option(
    "--emulator-port",
    type=int,
    default=8085,
    show_default=True,
    help="Sheets emulator port (0: any free port).",
)
@click.option(
    "--debounce",
    type=float,
    default=5.0,
    show_default=True,
    help="Seconds after the last edit before a sync (production: 30).",
)
@click.option(
    "--poll",
    type=click.FloatRange(min=0.5),
    default=10.0,
    show_default=True,
    help="Seconds between modifiedTime polls, the fallback for lost pushes (production: 300).",
)
def demo_command(
    port: int,
    host: str,
    rows: int,
    fresh: bool,
    emulator_port: int,
    debounce: float,
    poll: float,
) -> None:
    """Run the whole service locally on generated partner data (no Google account,
    no database server). Ignores --config and DATABASE_URL: the demo keeps its own
    partners file and SQLite store under instance/demo/."""
    # deferred: the scheduler command module brings the clock (~0.3 s); not for --help
    from integration.scheduler.scheduler_command import finish, stop_on_signals, verbose_logging

    verbose_logging()
    console = _console()
    environ = process_environ()
    paths = demo_paths(environ)
    _refuse_busy_start(paths, host, port, emulator_port)
    if fresh and paths.root.exists():
        shutil.rmtree(paths.root)
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.running.unlink(missing_ok=True)  # left behind by a demo that was killed

    try:
        emulator = EmulatorProcess("127.0.0.1", emulator_port, paths.state).start()
    except OSError as exc:
        fail(
            f"cannot start the Sheets emulator on port {emulator_port}: "
            f"{exc.strerror or exc} (try --emulator-port 0)"
        )
    try:
        # from here on Ctrl-C (or SIGTERM) asks for a clean stop, even mid-way through set-up
        with stop_on_signals() as stop:
            clean = _run_demo(
                console,
                paths,
                emulator,
                stop,
                environ=environ,
                host=host,
                port=port,
                rows=rows,
                debounce=debounce,
                poll=poll,
            )
    finally:
        emulator.stop()
    console.print(f"demo stopped; its data stays in {paths.root} (--fresh starts over)")
    finish(clean)


def _console() -> Console:
    """The demo's console; when output is not a terminal (a log file, a pipe) it is
    wide enough that the panels' long lines (URLs, tokens) are not wrapped."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=160)
    return console


def _refuse_busy_start(paths: DemoPaths, host: str, port: int, emulator_port: int) -> None:
    """Fail before anything is touched when the start cannot succeed: a second
    ``crm-sync demo`` (or one on a busy port) must leave a running demo's store and
    files alone."""
    running = running_demo(paths)
    if running is not None:
        fail(
            f"a demo is already running from {paths.root} (pid {running.get('pid')}, "
            f"{running.get('web_url')}): use that one, stop it first (Ctrl-C), or start "
            "another with CRM_INSTANCE_PATH set to another folder"
        )
    for what, where, option in (
        ("the web service", (host, port), "--port"),
        ("the Sheets emulator", ("127.0.0.1", emulator_port), "--emulator-port"),
    ):
        problem = port_problem(*where)
        if problem is not None:
            fail(f"cannot start {what} on {where[0]}:{where[1]}: {problem} (try {option} 0)")


def _run_demo(
    console: Any,
    paths: DemoPaths,
    emulator: EmulatorProcess,
    stop: threading.Event,
    *,
    environ: dict[str, str],
    host: str,
    port: int,
    rows: int,
    debounce: float,
    poll: float,
) -> bool:
    """Everything between the emulator starting and stopping; True when it stopped cleanly."""
    # deferred: the whole service (app, clock, sync: ~1 s of imports) loads only
    # once the emulator is up, so the demo's first lines and --help come at once
    from integration import create_app
    from integration.config import load_config
    from integration.demo.report import print_intro, print_summary
    from integration.scheduler.scheduler_command import WebServer, wait_for
    from integration.store.setup import prepare_store

    ids, created = _spreadsheets(console, paths, emulator, rows)
    _write_partners_file(paths, ids, emulator, debounce=debounce, poll=poll)
    config = load_config(paths.partners, environ=_demo_environ(environ, paths, emulator.host_port))
    store = prepare_store(config)
    app = create_app(config, store=store)
    try:  # take the port before the first sync, so a busy port is reported at once
        web = WebServer(app, host, port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc} (try --port 0)")

    reports = _first_syncs(console, config, store, stop)
    if reports is None or stop.is_set():
        return True

    token = _load_or_create_token(store, paths.token)
    config, service, opened = _start_service(config, store, web)
    example = _write_example(paths, config, emulator, ids)
    print_intro(
        console,
        config=config,
        web_url=web.url,
        emulator_host=emulator.host_port,
        token=token,
        spreadsheet_ids=ids,
        created=created,
        demo_dir=paths.root,
        has_dashboard=any(r.rule.startswith("/dashboard") for r in app.url_map.iter_rules()),
        example=example,
    )
    print_exports(_exports(paths, emulator, config, token), paths.root / ENV_FILE)
    print_summary(console, reports)
    _write_running_file(paths, web.url, emulator.host_port, ids)
    _print_running(console, opened, debounce, poll)
    wait_for(stop)
    console.print("stopping...")
    web.stop()
    paths.running.unlink(missing_ok=True)
    return service.stop(grace=20)


def _start_service(config: Any, store: Any, web: Any) -> tuple[Any, Any, int]:
    """Start the web service, a Drive push channel per spreadsheet and the clock;
    the config (with the web service's address as public URL), the clock's
    service and how many channels opened."""
    from integration.drive.watch import maintain
    from integration.google_connector import make_connector
    from integration.scheduler.service import SchedulerService

    # Drive pushes to this web service: the emulator accepts a local http address
    config = replace(config, public_url=web.url)
    service = SchedulerService(config, store, catch_up=False)
    web.start()
    # fresh channels on every start: a restarted emulator has forgotten the old ones
    connector = make_connector(config).drive
    channels = [maintain(config, store, connector, code, force=True) for code in config.partners]
    service.start()
    return config, service, sum(1 for c in channels if c.channel_id)


def _print_running(console: Any, opened: int, debounce: float, poll: float) -> None:
    """The last line before the demo waits: how edits reach the store, with the
    delays this demo runs with next to production's."""
    console.print(
        f"[bold]Running.[/] {opened} Drive push channel(s) open: an edit in the emulator is "
        f"synced {debounce:g} s after the last one (production waits 30 s); if a push is "
        f"lost, the modifiedTime poll finds the edit within {poll:g} s. Ctrl-C stops."
    )


def _spreadsheets(
    console: Any, paths: DemoPaths, emulator: EmulatorProcess, rows: int
) -> tuple[dict[str, str], bool]:
    """The partners' spreadsheet ids, and whether they were generated now: the ones
    the last run's partners file names when the emulator still has them (so
    partners' edits survive a restart), else three fresh ones."""
    from integration.demo import data
    from integration.demo.sheets import create_spreadsheets, known_spreadsheet_ids

    client = emulator.client()
    ids = known_spreadsheet_ids(paths.partners, client)
    if ids is not None:
        return ids, False
    with console.status(f"generating three partner spreadsheets ({rows} rows each)"):
        return create_spreadsheets(client, data.generate(rows)), True


def _write_partners_file(
    paths: DemoPaths,
    ids: dict[str, str],
    emulator: EmulatorProcess,
    *,
    debounce: float,
    poll: float,
) -> None:
    """The demo's partners file, rewritten on every start so the options given
    now (debounce, poll, the emulator's port) apply to the kept spreadsheets."""
    from integration.demo.partners_file import partners_toml

    paths.partners.write_text(
        partners_toml(
            ids,
            debounce_seconds=debounce,
            debounce_max_seconds=debounce * 6,
            extra_sync={"poll_seconds": poll},
            emulator_url=f"http://{emulator.host_port}",
        ),
        "utf-8",
    )


def _first_syncs(
    console: Any, config: Any, store: Any, stop: threading.Event
) -> dict[str, SyncReport | Exception] | None:
    """Each partner's first sync (a failure is kept to be shown in the summary:
    the demo still starts); None when a stop was asked for meanwhile."""
    from integration.sync.engine import run_sync

    reports: dict[str, SyncReport | Exception] = {}
    with console.status("first sync of all partners"):
        for code in config.partners:
            if stop.is_set():
                return None
            try:
                reports[code] = run_sync(config, store, code, trigger=Trigger.DEMO)
            except Exception as exc:  # shown in the summary; the demo still starts
                log.debug("first sync of %s failed", code, exc_info=True)
                reports[code] = exc
    return reports


def _exports(
    paths: DemoPaths, emulator: EmulatorProcess, config: Any, token: str | None
) -> dict[str, str]:
    """The environment another shell needs to talk to this demo: the partners file
    names the webhook secrets, and `crm-sync check` or a signed form sent by hand
    need the values this demo runs with."""
    return {
        "DATABASE_URL": paths.database_url,
        "SHEETS_EMULATOR_HOST": emulator.host_port,
        "CRM_CONFIG": str(paths.partners.resolve()),
        "CRM_API_TOKEN": token or "",
        **{
            pc.webhook_secret_env: ",".join(config.partner_secrets(code))
            for code, pc in config.partners.items()
            if pc.webhook_secret_env
        },
    }


def _write_example(
    paths: DemoPaths, config: Any, emulator: EmulatorProcess, ids: dict[str, str]
) -> tuple[Path, StageEdit] | None:
    """The edit example for the first partner's sheet as the first sync left it,
    written as a script a partner could run; None when no lead can move on."""
    code, sid = next(iter(ids.items()))
    partner = config.partners[code]
    try:
        values = emulator.client().open_by_key(sid).worksheet(partner.leads_tab).get_all_values()
    except Exception:  # the banner then shows no example; the demo runs on
        log.debug("cannot read %s's leads for the example", code, exc_info=True)
        return None
    edit = stage_edit(
        values,
        spreadsheet_id=sid,
        tab=partner.leads_tab,
        locale=partner.locale,
        columns=partner.columns.get("leads"),
        header_row=partner.header_row.get("leads"),
    )
    if edit is None:
        return None
    path = paths.root / EXAMPLE_FILE
    path.write_text(example_script(edit, emulator.host_port, EMULATOR_TOKEN), "utf-8")
    return path, edit


def _write_running_file(paths: DemoPaths, web_url: str, emulator_host: str, ids: dict) -> None:
    """Where a running demo is, for scripts (the printed panel is for people)."""
    info = {
        "pid": os.getpid(),
        "web_url": web_url,
        "emulator_host": emulator_host,
        "emulator_token": EMULATOR_TOKEN,
        "spreadsheet_ids": ids,
        "database_url": paths.database_url,
        "partners_file": str(paths.partners.resolve()),
        "api_token_file": str(paths.token.resolve()),
    }
    paths.running.write_text(json.dumps(info, indent=2) + "\n", "utf-8")
