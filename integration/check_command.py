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
from integration.preflight import Check, setting_checks, sharing_hint
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
        yield Check("store", False, f"{name} cannot be reached ({reason}); check DATABASE_URL")
        return
    finally:
        store.dispose()
    yield Check("store", True, f"{name} answers")
    if current == head:
        yield Check("migrations", True, f"at the newest revision {head}")
    else:
        yield Check(
            "migrations", False, f"at {current or 'base'}, not {head}: run `crm-sync db upgrade`"
        )


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
        return Check("google token", False, token_problem(exc))
    return Check("google token", True, "obtained")


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
        yield Check(NOT_CHECKED, False, f"not checked: {exc}")
        return
    chosen = sorted(config.partners) if codes is None else sorted(codes)
    for code in chosen:
        yield from _partner_spreadsheet_checks(config, connector, code)


def _partner_spreadsheet_checks(config: AppConfig, connector: Any, code: str) -> Iterator[Check]:
    partner = config.partners[code]
    name = f"spreadsheet {code}"
    try:
        tabs = connector.metadata(partner.spreadsheet_id)
    except (SheetNotFound, PermissionDenied):
        yield Check(
            name,
            False,
            f"{partner.spreadsheet_id} cannot be opened; {sharing_hint(config)}",
        )
        return
    except SheetsError as exc:
        yield Check(name, False, f"{partner.spreadsheet_id}: {exc}")
        return
    yield Check(name, True, f"{partner.spreadsheet_id} opens")
    for tab, kind in ((k.tab, k.kind) for k in RECORD_KINDS):
        title = partner.tab_name(tab)
        label = f"tab {code}/{title}"
        if title not in tabs:
            known = ", ".join(sorted(tabs)) or "none"
            yield Check(
                label,
                False,
                f"no tab named {title!r} (tabs: {known}); rename the tab or set "
                f"{tab}_tab for partner {code} in the partners file",
            )
            continue
        try:
            rows = connector.read_tab(partner.spreadsheet_id, title)
        except SheetsError as exc:
            yield Check(label, False, str(exc))
            continue
        found = find_header(
            [[c for c in row] for row in rows],
            kind,
            partner.columns.get(tab),
            partner.header_row.get(tab),
        )
        fields = [f for f in found.match.columns if f not in ("sync_status", "last_synced")]
        if fields:
            yield Check(label, True, f"header in row {found.row}: {len(fields)} fields")
        else:
            yield Check(
                label,
                False,
                "no recognised header in the first rows; name the columns "
                "(e.g. Company, Country) or map them under [partners.columns]",
            )


def smtp_check(config: AppConfig) -> Check | None:
    """The alerts' mail server, when one is configured: it answers, STARTTLS
    works if set, the login is accepted if set (nothing is sent)."""
    smtp = config.smtp
    if smtp is None:
        return None

    where = f"{smtp.host}:{smtp.port}"
    steps = ["STARTTLS" if smtp.starttls else "no STARTTLS"]
    if smtp.user:
        steps.append(f"logged in as {smtp.user}")
    try:
        with smtp_session(smtp) as client:
            client.noop()
    except smtplib.SMTPNotSupportedError:
        reason = "the server does not offer STARTTLS; set CRM_SMTP_STARTTLS=0 or use its TLS port"
    except ssl.SSLError as exc:
        reason = f"STARTTLS failed ({exc.reason or exc}); check the server's certificate"
    except smtplib.SMTPAuthenticationError as exc:
        reason = f"login as {smtp.user} refused ({exc.smtp_code}); check CRM_SMTP_USER/PASSWORD"
    except smtplib.SMTPException as exc:
        reason = f"{type(exc).__name__}: {str(exc).strip()[:200]}"
    except OSError as exc:
        reason = f"cannot connect ({exc.strerror or exc}); check CRM_SMTP_HOST and CRM_SMTP_PORT"
    else:
        return Check("smtp", True, f"{where} answers ({', '.join(steps)})")
    return Check("smtp", False, f"{where}: {reason}")


def public_url_check(config: AppConfig) -> Check:
    if config.public_url:
        return Check("public URL", True, config.public_url)
    return Check("public URL", True, "CRM_PUBLIC_URL not set: no Drive push, edits found by poll")


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
        click.echo(Check("configuration", False, str(exc)).line())
        raise SystemExit(1) from None
    click.echo(Check("configuration", True, f"{config.config_path}").line())
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
