"""What every ``crm-sync`` command shares: the configuration and the store,
built once per invocation from ``--config`` / ``CRM_CONFIG`` and the environment,
and one way to report a fatal problem (one line, no traceback)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

import click

from integration.config import AppConfig, ConfigError, load_config
from integration.store.db import Store, sqlite_file
from integration.store.setup import prepare_store


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
        with partner rows in step with the partners file.

        A SQLite file that does not exist is not created here: a command pointed at
        the wrong path (a missing ``DATABASE_URL``, a demo's store not exported)
        would otherwise work on a new empty store and hand out tokens or sync
        results nobody else sees. ``crm-sync db upgrade`` creates one on purpose."""
        if self._store is None:
            config = self.config()
            missing = missing_sqlite_file(config.database_url)
            if missing is not None:
                fail(
                    f"no store at {missing}: this command would create a new, empty one. "
                    "Point DATABASE_URL (or --database-url) at the store you mean (a running "
                    "`crm-sync demo` prints its export lines), or create it on purpose with "
                    "`crm-sync db upgrade`"
                )
            self._store = prepare_store(config)
        return self._store

    def bare_store(self) -> Store:
        """The configured store as it is, for the migration commands themselves."""
        if self._store is None:
            self._store = Store(self.config().database_url)
        return self._store


def missing_sqlite_file(url: str) -> str | None:
    """The path of the SQLite file ``url`` names when that file does not exist
    (None for another database, an in-memory store or an existing file)."""
    path = sqlite_file(url)
    return None if path is None or path.exists() else str(path.resolve())


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
