"""Waiting for something another thread or process does: poll a check until
it holds, and fail saying what did not happen, rather than sleep and hope."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

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
