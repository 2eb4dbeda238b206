"""``crm-sync scheduler`` (the Procfile's clock) and ``crm-sync serve`` (web and
clock in one process, for development and the demo)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING

import click
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.serving import get_sockaddr, make_server, select_address_family

from integration import create_app
from integration.cli_support import fail, state
from integration.preflight import ensure_bootable
from integration.scheduler.service import SchedulerService
from integration.store import migrate
from integration.store.db import Store
from integration.store.setup import prepare_store
from integration.web.access_log import PathOnlyRequestHandler
from integration.web.health import store_name

if TYPE_CHECKING:  # the commands import these when they run, not at start-up
    from flask import Flask

    from integration.config import AppConfig
    from integration.scheduler.service import SchedulerService
    from integration.store.db import Store

log = logging.getLogger("integration.scheduler")

DEFAULT_GRACE = 25.0  # platforms send SIGKILL 30 s after SIGTERM
#: Seconds between the clock's attempts at a store that is down or not migrated.
STORE_RETRY_SECONDS = 5.0


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT (Ctrl-C), instead of an exception or a
    kill in the middle of a sync; the previous handlers come back afterwards."""
    stop = threading.Event()

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def wait_for(stop: threading.Event) -> None:
    # A short timeout keeps the main thread responsive to signals on every platform.
    while not stop.wait(0.5):
        pass


def finish(clean: bool) -> None:
    """Exit 0 after a requested stop. When a sync outlived the grace period, its
    worker thread cannot be joined, so leave without waiting for it (its lease
    expires and the next run redoes its work)."""
    sys.stdout.flush()
    sys.stderr.flush()
    if not clean:
        os._exit(0)


def store_problem(store: Store) -> str | None:
    """Why the clock cannot use ``store`` yet, in one line; None when it can."""
    try:
        current, head = migrate.current_revision(store), migrate.head_revision(store)
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None)  # a DBAPIError's driver exception
        reason = str(orig).strip().splitlines()[0] if orig else ""
        return f"cannot be reached ({reason or type(exc).__name__})"
    if current != head:
        return f"is at revision {current or 'base'}, not {head}: run `crm-sync db upgrade`"
    return None


def wait_for_store(config: AppConfig, stop: threading.Event) -> Store | None:
    """The prepared store, once it answers and is migrated: the clock may start
    before the database or the release step, so it says why it waits and
    retries, instead of stopping on a raw SQL error. None when asked to stop."""
    store = Store(config.database_url)
    while True:
        problem = store_problem(store)
        if problem is None:
            try:
                return prepare_store(config)
            except SQLAlchemyError as exc:
                problem = f"cannot be written ({type(exc).__name__})"
        log.warning(
            "waiting for the store (%s): it %s; retrying in %g s",
            store_name(store),
            problem,
            STORE_RETRY_SECONDS,
        )
        if stop.wait(STORE_RETRY_SECONDS):
            return None


def start_checked(google: bool = True) -> AppConfig:
    """The configuration, after the deployment checks every process runs
    (a failing one stops the command with its line)."""
    config = state().config()
    ensure_bootable(config, google=google)
    return config


def verbose_logging() -> None:
    """The clock's own lines (syncs started, finished, skipped) at INFO."""
    logging.getLogger("integration.scheduler").setLevel(logging.INFO)
    # APScheduler logs every run of the drain job (every few seconds) at INFO
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)


class WebServer:
    """The Flask app on werkzeug's threaded WSGI server, in a background thread."""

    def __init__(self, app: Flask, host: str, port: int) -> None:
        """Bind now: a port in use raises OSError here (werkzeug itself would print
        and exit), so the caller can say so in one line."""
        family = select_address_family(host, port)
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(get_sockaddr(host, port, family))
            sock.listen(128)
            self.server = make_server(
                host,
                port,
                app,
                threaded=True,
                fd=sock.fileno(),
                request_handler=PathOnlyRequestHandler,
            )
        finally:
            sock.close()  # the server holds its own duplicate of the socket
        self.host = host
        self.port = self.server.port
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="crm-web", daemon=True
        )

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> WebServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def run_clock(
    config: AppConfig,
    store: Store,
    *,
    grace: float,
    catch_up: bool = True,
    web: WebServer | None = None,
    announce: Callable[[object], None] | None = None,
) -> None:
    """Run the scheduler (and optionally a web server) until SIGTERM/SIGINT."""
    service = SchedulerService(config, store, catch_up=catch_up)
    with stop_on_signals() as stop:
        due = service.start()
        if web is not None:
            web.start()
        if announce is not None:
            announce(service)
        else:
            _log_start(service, due)
        wait_for(stop)
        log.info("stopping: no new syncs; waiting for running ones")
        if web is not None:
            web.stop()
        clean = service.stop(grace)
    if clean:
        log.info("stopped")
    else:
        log.warning("stopped (a sync was cut short; its lease expires)")
    finish(clean)


def _log_start(service: SchedulerService, due: list[str]) -> None:
    """The clock's start lines: log lines in the one log format (stderr, human
    or JSON), like every other line of the process."""
    for info in service.jobs_info():
        if info.id.startswith("nightly:"):
            when = info.next_run_time.isoformat() if info.next_run_time else "never"
            log.info("%s: next %s (%s)", info.id, when, info.timezone)
    if due:
        log.info("catch-up sync for: %s", ", ".join(due))
    sync = service.config.sync
    push = "on" if service.config.public_url else "off (no CRM_PUBLIC_URL)"
    log.info("drive push channels: %s; modifiedTime poll every %g s", push, sync.poll_seconds)
    log.info("draining sync requests every %g s; Ctrl-C or SIGTERM stops", service.drain_every)


@click.command("scheduler")
@click.option(
    "--grace",
    type=float,
    default=DEFAULT_GRACE,
    show_default=True,
    help="Seconds a running sync may take to finish after SIGTERM.",
)
@click.option("--no-catch-up", is_flag=True, help="Do not run missed nightly syncs at start.")
def scheduler_command(grace: float, no_catch_up: bool) -> None:
    """Run the clock: nightly syncs per partner and debounced requested syncs."""
    verbose_logging()
    config = start_checked()
    with stop_on_signals() as stop:
        store = wait_for_store(config, stop)
    if store is None:
        log.info("stopped")
        return
    run_clock(config, store, grace=grace, catch_up=not no_catch_up)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--grace", type=float, default=DEFAULT_GRACE, show_default=True)
@click.option("--no-catch-up", is_flag=True, help="Do not run missed nightly syncs at start.")
def serve_command(host: str, port: int, grace: float, no_catch_up: bool) -> None:
    """Run the web service and the clock in one process (development, demo)."""
    verbose_logging()
    config = start_checked()
    store = state().store()
    app = create_app(config, store=store)
    try:
        web = WebServer(app, host, port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    click.echo(f"web service on {web.url} (health: {web.url}/healthz)")
    run_clock(config, store, grace=grace, catch_up=not no_catch_up, web=web)
