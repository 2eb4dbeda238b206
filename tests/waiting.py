"""Waiting for something another thread or process does: poll a check until
it holds, and fail saying what did not happen, rather than sleep and hope."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def wait_until(
    check: Callable[[], T], timeout: float = 15.0, every: float = 0.1, what: str = "the condition"
) -> T:
    """Poll ``check`` until it returns something truthy, and return that;
    fail after ``timeout`` seconds naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(every)


def pg_backends_waiting(conn: Any, kind: str) -> list[int]:
    """PostgreSQL backends of ``conn``'s database (other than its own) waiting on
    a lock of ``kind`` (``advisory``, ``transactionid``, ``tuple``, ...): how a
    test knows a request it started has reached the point it holds it at. Give
    it an AUTOCOMMIT connection, or each look sees the first one's snapshot."""
    from sqlalchemy import text

    rows = conn.execute(
        text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND wait_event = :kind"
        ),
        {"kind": kind},
    )
    return [r.pid for r in rows]
