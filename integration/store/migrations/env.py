"""Alembic environment: runs against the connection handed in by
:mod:`integration.store.migrate`, so migrations use the same engine set-up
(SQLite pragmas, psycopg 3) as the service itself."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from integration.store.db import make_engine
from integration.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        if url is None:
            raise RuntimeError("alembic: no connection and no sqlalchemy.url to connect to")
        engine = make_engine(url)
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
