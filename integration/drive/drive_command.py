"""``crm-sync watch``: open, list and stop the Drive push channels by hand.

The clock opens and renews channels on its own once ``CRM_PUBLIC_URL`` is set;
this command is for a deploy (open them now and see that Drive accepted the
address), for looking (``--list``) and for switching push off (``--stop``: the
clock then leaves the partner alone until ``crm-sync watch`` is run again; the
``modifiedTime`` poll goes on).
"""

from __future__ import annotations

from datetime import datetime

import click

from connectors.google_sheets.errors import SheetsError
from integration.cli_support import fail, state
from integration.config import ConfigError
from integration.drive import watch
from integration.drive.channels import list_channels
from integration.google_connector import make_connector


def _partners(partner: str | None) -> list[str]:
    config = state().config()
    if partner is None:
        return sorted(config.partners)
    if partner not in config.partners:
        fail(f"unknown partner {partner!r} (configured: {', '.join(sorted(config.partners))})")
    return [partner]


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment is not None else "-"


def _list(partners: list[str]) -> None:
    """Live channels, then the few latest ended ones, per partner."""
    store = state().store()
    for code in partners:
        channels = list_channels(store, code)
        live = [c for c in channels if c.status == "active"]
        ended = [c for c in channels if c.status != "active"][:3]
        if not channels:
            click.echo(f"{code}: no channel (the clock opens one once CRM_PUBLIC_URL is set)")
        for c in [*live, *ended]:
            click.echo(
                f"{c.partner}  {c.id}  {c.status:<8}  expires {_when(c.expires_at)}  "
                f"messages {c.last_message_number}"
            )


@click.command("watch")
@click.option("--partner", help="Only this partner (default: every partner).")
@click.option("--list", "list_only", is_flag=True, help="Show the channels and their state.")
@click.option("--stop", is_flag=True, help="Stop the live channels (push off until watched again).")
def watch_command(partner: str | None, list_only: bool, stop: bool) -> None:
    """Register a Drive push channel per partner spreadsheet (files.watch)."""
    if list_only and stop:
        fail("use either --list or --stop")
    partners = _partners(partner)
    if list_only:
        _list(partners)
        return

    st = state()
    config, store = st.config(), st.store()
    try:
        connector = make_connector(config).drive
    except Exception as exc:  # e.g. no credentials: one line, no traceback
        fail(f"cannot reach Google Drive: {exc}")
    if stop:
        for code in partners:
            try:
                n = watch.stop_partner(store, connector, code)
            except SheetsError as exc:
                fail(f"{code}: {exc}")
            click.echo(f"{code}: stopped {n} channel(s)")
        return
    try:
        watch.webhook_address(config)
    except ConfigError as exc:
        fail(str(exc))
    failed = False
    for code in partners:
        outcome = watch.maintain(config, store, connector, code, force=True)
        if outcome.action == "failed":
            failed = True
            click.echo(f"{code}: failed: {outcome.detail}", err=True)
        elif outcome.action == "busy":
            click.echo(f"{code}: {outcome.detail}")
        else:
            click.echo(f"{code}: {outcome.action} channel {outcome.channel_id}")
    if failed:
        raise SystemExit(1)
