"""run_guarded and a real PostgreSQL deadlock: two transactions taking two locks
in opposite orders. PostgreSQL rolls one back (SQLSTATE 40P01); that one lost a
race like a stale version does, so it is run again instead of failing the
caller (before, the API answered such a loser 503)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from integration.store.db import Store
from integration.store.guarded import lost_lock_race, run_guarded

_LOCK = text("SELECT pg_advisory_xact_lock(4242, :k)")


def _opposite_orders(store: Store, guarded: bool) -> tuple[list[str], list[Any]]:
    """Two threads, each one transaction: A locks 1 then 2, B locks 2 then 1,
    both holding their first lock before either asks for its second (on the
    first run only). Returns the runs made and each thread's outcome."""
    barrier = threading.Barrier(2)
    runs: list[str] = []
    outcomes: list[Any] = [None, None]

    def transaction(name: str, first: int, second: int) -> str:
        runs.append(name)
        with store.session() as s:
            s.execute(_LOCK, {"k": first})
            if runs.count(name) == 1:
                barrier.wait(10)
            s.execute(_LOCK, {"k": second})
        return name

    def thread(i: int, name: str, first: int, second: int) -> None:
        work = lambda: transaction(name, first, second)  # noqa: E731
        try:
            outcomes[i] = run_guarded(work) if guarded else work()
        except Exception as exc:  # the outcome is what the test looks at
            outcomes[i] = exc

    threads = [
        threading.Thread(target=thread, args=(0, "A", 1, 2)),
        threading.Thread(target=thread, args=(1, "B", 2, 1)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return runs, outcomes


@pytest.fixture
def pg_store(pg_url: str) -> Any:
    store = Store(pg_url)
    yield store
    store.dispose()


def test_without_the_retry_one_of_two_opposite_orders_is_a_deadlock(pg_store) -> None:  # type: ignore[no-untyped-def]
    """The premise: the scene below is a real deadlock, and its loser's error is
    recognised as a lost lock race."""
    _runs, outcomes = _opposite_orders(pg_store, guarded=False)
    failures = [o for o in outcomes if isinstance(o, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], OperationalError), outcomes
    assert lost_lock_race(failures[0])


def test_run_guarded_runs_a_deadlocks_loser_again(pg_store) -> None:  # type: ignore[no-untyped-def]
    runs, outcomes = _opposite_orders(pg_store, guarded=True)
    assert outcomes == ["A", "B"], outcomes
    assert len(runs) == 3, runs  # each once, and the loser once more


def test_other_store_errors_are_not_retried(pg_store) -> None:  # type: ignore[no-untyped-def]
    runs: list[int] = []

    def broken() -> None:
        runs.append(1)
        with pg_store.session() as s:
            s.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(Exception) as caught:
        run_guarded(broken)
    assert not lost_lock_race(caught.value) and runs == [1]
