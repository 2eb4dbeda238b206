"""Writing sync bases (:class:`~integration.store.models.SyncShadow`) in bulk.

One upsert for every writer of shadows (the sync's apply moving bases forward,
the pending bases recorded before a sheet write): ``INSERT ... ON CONFLICT
(partner, tab, record_id) DO UPDATE`` through SQLAlchemy's SQLite and
PostgreSQL dialects, one statement per chunk of rows, so no writer reads which
shadows exist first and none can race another into a duplicate key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from integration.store.models import SyncShadow

#: rows per statement
CHUNK = 5000
_KEY = ("partner", "tab", "record_id")
_INSERT: dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


def upsert_shadows(session: Session, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert each shadow row, or set the columns it names on the stored one.
    Each row names its key (partner, tab, record_id); rows naming different
    columns are written in separate statements, so a column a row leaves out
    keeps its stored value."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(dict(row))
    if not groups:
        return
    insert = _INSERT[session.get_bind().dialect.name]
    for columns, group in groups.items():
        stmt = insert(SyncShadow.__table__)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(_KEY),
            set_={c: stmt.excluded[c] for c in columns if c not in _KEY},
        )
        for start in range(0, len(group), CHUNK):
            session.execute(stmt, group[start : start + CHUNK])
