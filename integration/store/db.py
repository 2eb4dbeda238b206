"""The one place that opens database connections and sessions.

``DATABASE_URL`` picks the engine: SQLite (the embedded default, WAL mode with
foreign keys on and a busy timeout so concurrent writers wait instead of failing)
or PostgreSQL (the production store, several processes and machines).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def rows_affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched: an executed DML statement's
    result is a cursor result, which ``Session.execute``'s type does not say."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount or 0)


def sqlalchemy_url(url: str) -> str:
    """Accept the usual ``postgres://`` / ``postgresql://`` spellings; use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def json_text(value: Any) -> str:
    """A JSON column's value as the store writes it: orjson, not the standard
    library (a sync of 100,000 new leads writes each one's data and its audit
    entry's changes: the standard encoder took a quarter of that transaction).
    Compact and UTF-8 where ``json.dumps`` spaced and escaped; the stored values
    and every query on them (``json_extract``, ``->>``) read the same. Keys that
    are not strings are written as strings, as ``json.dumps`` does."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        # what orjson refuses and the standard library writes: a lone surrogate
        # (as ``\ud800``), an integer past 64 bits
        return json.dumps(value)


def json_value(text: str | bytes) -> Any:
    """A JSON column's value as read: orjson, or the standard library for what
    orjson refuses (a ``\\ud800`` escape, which ``json.dumps`` wrote for a lone
    surrogate, in rows stored before or by :func:`json_text`'s fallback)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


#: Every engine reads and writes its JSON columns so (see :func:`json_text`).
JSON_CODEC = {"json_serializer": json_text, "json_deserializer": json_value}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite store URL names; None for another database or a store
    in memory (``sqlite://``, ``:memory:``, a ``file:`` URI)."""
    parsed = make_url(sqlalchemy_url(url))
    name = parsed.database
    if parsed.get_backend_name() != "sqlite" or not name or name == ":memory:":
        return None
    return None if name.startswith("file:") else Path(name)


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = sqlalchemy_url(url)
    kwargs = {**JSON_CODEC, **kwargs}
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; emit it ourselves so a
        # write transaction takes its lock up front (BEGIN IMMEDIATE) and
        # concurrent writers queue on busy_timeout instead of deadlocking.

        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


class Store:
    """Engine plus session factory for one database."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = sqlalchemy_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any exception."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True

    def dispose(self) -> None:
        self.engine.dispose()
