"""The central store: models, sessions, migrations and record operations."""

from integration.store.db import Store

__all__ = ["Store"]
