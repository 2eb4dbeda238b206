"""``crm-sync db``: migrate the store's schema (upgrade, downgrade, current)."""

from __future__ import annotations

import click

from integration.cli_support import state
from integration.store import migrate
from integration.store.setup import sync_partner_rows


@click.group()
def db() -> None:
    """Store schema migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the store to the newest schema (the Procfile's release step)."""
    st = state()
    store = st.bare_store()
    migrate.upgrade(store, revision)
    if revision == "head":
        sync_partner_rows(store, st.config())
    click.echo(f"store at revision {migrate.current_revision(store)} ({store.dialect})")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the store back to REVISION (``base`` removes every table)."""
    store = state().bare_store()
    migrate.downgrade(store, revision)
    click.echo(f"store at revision {migrate.current_revision(store) or 'base'}")


@db.command("current")
def db_current() -> None:
    """Print the store's schema revision and whether it is the newest."""
    store = state().bare_store()
    current = migrate.current_revision(store)
    head = migrate.head_revision(store)
    click.echo(f"{current or 'base'} ({'up to date' if current == head else f'newest is {head}'})")
