"""What every ``crm-sync`` command shares: the configuration and the store,
built once per invocation from ``--config`` / ``CRM_CONFIG`` and the environment,
and one way to report a fatal problem (one line, no traceback)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

import click

from integration.config import AppConfig, ConfigError, load_config
from integration.store.db import Store


@dataclass
class CliState:
    config_path: str | None = None
    database_url: str | None = None
    _config: AppConfig | None = None
    _store: Store | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def config(self) -> AppConfig:
        if self._config is None:
            overrides = {"database_url": self.database_url} if self.database_url else {}
            self._config = load_config(self.config_path, overrides=overrides)
        return self._config

    def store(self) -> Store:
        """The configured store, migrated when it is the embedded SQLite default,
        with partner rows in step with the partners file."""
        if self._store is None:
            from integration.store.setup import prepare_store

            self._store = prepare_store(self.config())
        return self._store

    def bare_store(self) -> Store:
        """The configured store as it is, for the migration commands themselves."""
        if self._store is None:
            self._store = Store(self.config().database_url)
        return self._store


def state(ctx: click.Context | None = None) -> CliState:
    ctx = ctx or click.get_current_context()
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line to stderr and exit with ``code``."""
    click.echo(f"crm-sync: {message}", err=True)
    raise SystemExit(code)


__all__ = ["CliState", "ConfigError", "fail", "state"]
