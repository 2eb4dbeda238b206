"""Run one piece of work on several threads at once, for the tests that prove
something holds under concurrency (unique ids, one lease holder, no lost
append), and hand back what went wrong on any thread so the test can say so."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any


def run_concurrently(
    work: Callable[[Any], object], inputs: Iterable[Any], timeout: float | None = 60
) -> list[BaseException]:
    """``work(item)`` for each item, each on its own thread, all started before
    any is waited for (each wait up to ``timeout`` s); returns what they raised."""
    errors: list[BaseException] = []

    def guarded(item: Any) -> None:
        try:
            work(item)
        except BaseException as exc:  # handed back to the test
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(item,)) for item in inputs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return errors
