"""The connector every part of the service reaches Google (or the emulator) with.

One factory for the sync, the clock's Drive jobs, ``crm-sync check``,
``crm-sync watch`` and the demo: a :class:`SheetsConnector` on the configured
credentials or emulator, with the configured retry budget and the process's
shared quota budgets, so Drive calls and every sync count against the same quota.
"""

from __future__ import annotations

from typing import Any

from connectors.google_sheets.auth import make_gspread_client
from connectors.google_sheets.ratelimit import Budgets, shared_budgets, unlimited
from connectors.google_sheets.retry import RetryPolicy
from connectors.google_sheets.tab_io import SheetsConnector
from integration.config import AppConfig


def gspread_client(config: AppConfig) -> Any:
    """A gspread client on the configured credentials or emulator."""
    # deferred: google-auth and gspread's session load only when Google is reached

    return make_gspread_client(
        emulator_host=config.emulator_host,
        credentials_file=config.credentials_file,
        timeout=config.sheets.timeout,
    )


def quota_budgets(config: AppConfig) -> Budgets:
    """The process's shared quota budgets for the configured credentials (none on the emulator)."""
    if config.emulator_host:
        return unlimited()
    return shared_budgets(
        config.credentials_file or "default",
        project_per_minute=config.sheets.project_per_minute,
        user_per_minute=config.sheets.user_per_minute,
    )


def retry_policy(config: AppConfig) -> RetryPolicy:
    """The configured retry budget for one call."""
    return RetryPolicy(budget_seconds=config.sheets.retry_seconds)


def make_connector(config: AppConfig, *, retry: RetryPolicy | None = None) -> SheetsConnector:
    """A connector on the configured Google (or emulator), sharing the process's
    quota budgets with every sync, so Drive calls count against the same budget."""
    return SheetsConnector(
        gspread_client(config), retry=retry or retry_policy(config), budgets=quota_budgets(config)
    )
