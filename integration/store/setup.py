"""Bringing a store up to date with the configuration at start-up."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from integration.config import AppConfig
from integration.store import migrate
from integration.store.db import Store
from integration.store.models import Partner

log = logging.getLogger(__name__)


def sync_partner_rows(store: Store, config: AppConfig) -> None:
    """Mirror the partners file into the ``partners`` table (idempotent, and safe
    when several workers start at once)."""
    for attempt in range(3):
        try:
            with store.session() as session:
                for p in config.partners.values():
                    row = session.get(Partner, p.code) or Partner(code=p.code)
                    row.name, row.country, row.locale = p.name, p.country, p.locale
                    row.timezone, row.spreadsheet_id = p.timezone, p.spreadsheet_id
                    session.add(row)
            return
        except IntegrityError:
            if attempt == 2:
                raise


def prepare_store(config: AppConfig, *, auto_migrate: bool | None = None) -> Store:
    """Open the store; migrate it when it is the embedded SQLite default (on
    PostgreSQL the Procfile's ``release`` step does that once per deploy)."""
    store = Store(config.database_url)
    if auto_migrate is None:
        auto_migrate = store.dialect == "sqlite"
    if auto_migrate:
        migrate.upgrade(store)
    if migrate.is_current(store):
        sync_partner_rows(store, config)
    else:
        log.warning("database is not migrated to the newest revision: run `crm-sync db upgrade`")
    return store
