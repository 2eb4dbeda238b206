"""``crm-sync check``: is this deployment ready? One line per check, exit 1 on
any failure, so a deploy script can stop before it switches traffic.

It checks, in order, what every process checks at start-up
(:mod:`integration.preflight`: the partners file and every variable, webhook
secrets, the Google key, the cookie key), then the store (reachable,
migrated), a Google token (obtainable with the key), and each partner's
spreadsheet: that it opens (when not: "share it with <service-account e-mail>
as editor", the words a failing sync uses too), that each tab is there and that
its header row is recognised; and the alerts' SMTP server when one is set
(connect, STARTTLS, login).
"""

from __future__ import annotations

import functools
import logging
import smtplib
import ssl
from collections.abc import Iterable, Iterator
from typing import Any

import click
from google.auth.exceptions import GoogleAuthError
from google.auth.transport.requests import Request
from sqlalchemy.exc import SQLAlchemyError

from connectors.google_sheets.auth import (
    CredentialsError,
    service_account_credentials,
    token_problem,
)
from connectors.google_sheets.errors import PermissionDenied, SheetNotFound, SheetsError
from integration.alerts.mail import smtp_session
from integration.config import AppConfig, ConfigError
from integration.google_connector import make_connector
from integration.kinds import RECORD_KINDS
from integration.normalise.headers import find_header
from integration.preflight import Check, setting_checks, sharing_email
from integration.store import migrate
from integration.store.db import Store
from integration.web.health import store_name


def store_checks(config: AppConfig) -> Iterator[Check]:
    store = Store(config.database_url)
    name = store_name(store)
    try:
        current, head = migrate.current_revision(store), migrate.head_revision(store)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", "") or type(exc).__name__).strip().splitlines()[0]
        yield Check("store", False, "store_unreachable", {"store": name, "quoted": reason})
        return
    finally:
        store.dispose()
    yield Check("store", True, "store_answers", {"store": name})
    if current == head:
        yield Check("migrations", True, "migrations_newest", {"head": head})
    else:
        behind = {"current": current or "base", "head": head}
        yield Check("migrations", False, "migrations_behind", behind)


def token_check(config: AppConfig) -> Check | None:
    """A token from Google's token endpoint (None with the emulator)."""
    if config.emulator_host or not config.credentials_file:
        return None

    try:
        credentials = service_account_credentials(config.credentials_file)
        # 15 s, not google-auth's 120 s: the dashboard's Sync page waits for it
        credentials.refresh(functools.partial(Request(), timeout=15))
    except CredentialsError:
        return None  # already a failed line of the key file's own check
    except GoogleAuthError as exc:
        return Check("token", False, "quoted", {"quoted": token_problem(exc)})
    return Check("token", True, "token_obtained")


#: The check that stands for every spreadsheet when none could be opened (no
#: usable credentials); its detail is the administrator's.
NOT_CHECKED = "spreadsheets"


def spreadsheet_checks(
    config: AppConfig, codes: Iterable[str] | None = None, *, retry: Any = None
) -> Iterator[Check]:
    """Each partner's spreadsheet opens, and each tab is there with a header
    (``codes``: only these partners, e.g. the ones a dashboard reader may see;
    ``retry``: a shorter retry policy than a sync's, for a page view)."""
    try:
        connector = make_connector(config, retry=retry)
    except Exception as exc:  # no credentials: already a failed line above
        yield Check(NOT_CHECKED, False, "spreadsheets_not_checked", {"quoted": str(exc)})
        return
    chosen = sorted(config.partners) if codes is None else sorted(codes)
    for code in chosen:
        yield from _partner_spreadsheet_checks(config, connector, code)


def _partner_spreadsheet_checks(config: AppConfig, connector: Any, code: str) -> Iterator[Check]:
    partner = config.partners[code]
    about = {"partner": code, "spreadsheet": partner.spreadsheet_id}
    try:
        tabs = connector.metadata(partner.spreadsheet_id)
    except (SheetNotFound, PermissionDenied):
        email = sharing_email(config)
        if email is None:
            yield Check("spreadsheet", False, "spreadsheet_unshared_no_email", about)
        else:
            yield Check("spreadsheet", False, "spreadsheet_unshared", about | {"email": email})
        return
    except SheetsError as exc:
        yield Check("spreadsheet", False, "spreadsheet_error", about | {"quoted": str(exc)})
        return
    yield Check("spreadsheet", True, "spreadsheet_opens", about)
    for tab, kind in ((k.tab, k.kind) for k in RECORD_KINDS):
        title = partner.tab_name(tab)
        on_tab = {"partner": code, "tab": title, "setting": f"{tab}_tab"}
        if title not in tabs:
            if tabs:
                missing = on_tab | {"known": ", ".join(sorted(tabs))}
                yield Check("tab", False, "tab_missing", missing)
            else:
                yield Check("tab", False, "tab_missing_no_tabs", on_tab)
            continue
        try:
            rows = connector.read_tab(partner.spreadsheet_id, title)
        except SheetsError as exc:
            yield Check("tab", False, "quoted", on_tab | {"quoted": str(exc)})
            continue
        found = find_header(
            [[c for c in row] for row in rows],
            kind,
            partner.columns.get(tab),
            partner.header_row.get(tab),
        )
        fields = [f for f in found.match.columns if f not in ("sync_status", "last_synced")]
        if fields:
            header = on_tab | {"row": found.header_row, "count": len(fields)}
            yield Check("tab", True, "tab_header", header)
        else:
            yield Check("tab", False, "tab_no_header", on_tab)


def smtp_check(config: AppConfig) -> Check | None:
    """The alerts' mail server, when one is configured: it answers, STARTTLS
    works if set, the login is accepted if set (nothing is sent)."""
    smtp = config.smtp
    if smtp is None:
        return None

    about = {"host": f"{smtp.host}:{smtp.port}", "user": smtp.user or ""}
    try:
        with smtp_session(smtp) as client:
            client.noop()
    except smtplib.SMTPNotSupportedError:
        return Check("smtp", False, "smtp_no_starttls", about)
    except ssl.SSLError as exc:
        return Check("smtp", False, "smtp_tls_failed", about | {"quoted": str(exc.reason or exc)})
    except smtplib.SMTPAuthenticationError as exc:
        return Check("smtp", False, "smtp_login_refused", about | {"status": exc.smtp_code})
    except smtplib.SMTPException as exc:
        failed = f"{type(exc).__name__}: {str(exc).strip()[:200]}"
        return Check("smtp", False, "smtp_error", about | {"quoted": failed})
    except OSError as exc:
        failed = str(exc.strerror or exc)
        return Check("smtp", False, "smtp_unreachable", about | {"quoted": failed})
    tls = "tls" if smtp.starttls else "plain"
    login = "_login" if smtp.user else ""
    return Check("smtp", True, f"smtp_answers_{tls}{login}", about)


def public_url_check(config: AppConfig) -> Check:
    if config.public_url:
        return Check("public_url", True, "public_url_set", {"url": config.public_url})
    return Check("public_url", True, "public_url_unset")


def all_checks(config: AppConfig) -> Iterator[Check]:
    yield from setting_checks(config, google=True)
    yield public_url_check(config)
    yield from store_checks(config)
    token = token_check(config)
    if token is not None:
        yield token
    yield from spreadsheet_checks(config)
    smtp = smtp_check(config)
    if smtp is not None:
        yield smtp


@click.command("check")
def check_command() -> None:
    """Check configuration, store, Google credentials and every spreadsheet."""
    # deferred: the dashboard imports this module's checks; the command line's
    # state (and click's context) is the command's alone
    from integration.cli_support import state

    try:
        config = state().config()
    except ConfigError as exc:
        click.echo(Check("configuration", False, "quoted", {"quoted": str(exc)}).line())
        raise SystemExit(1) from None
    where = {"path": str(config.config_path)}
    click.echo(Check("configuration", True, "configuration_read", where).line())
    # urllib3 warns of every retry of an unreachable host; the check's own line
    # says it once, so a deploy script's output stays one line per check
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    failed = 0
    for check in all_checks(config):
        click.echo(check.line())
        failed += not check.ok
    if failed:
        click.echo(f"{failed} check(s) failed", err=True)
        raise SystemExit(1)
