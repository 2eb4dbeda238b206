"""Client-side per-minute request budgets, so the service stays under Google's quotas.

Google counts requests per minute per project (300) and per user (60) and answers
429 beyond that. Three partners syncing two tabs each share those budgets, so one
process-wide limiter per budget is kept here and every call takes a slot from both
before it goes out; a call that would exceed a budget waits for the oldest request
of the sliding minute to age out instead of burning a 429 and a retry.

The budgets are per process: several processes sharing one service account should
get proportionally smaller budgets (``CRM_SHEETS_USER_PER_MINUTE``).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from .errors import QuotaExceeded

GOOGLE_PROJECT_PER_MINUTE = 300
GOOGLE_USER_PER_MINUTE = 60
WINDOW_SECONDS = 60.0


class RateLimiter:
    """A sliding-window limiter: at most ``per_minute`` acquisitions in any 60 s.

    ``per_minute <= 0`` means unlimited (the local emulator has no real quota).
    """

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        window: float = WINDOW_SECONDS,
    ) -> None:
        self.per_minute = per_minute
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def _wait_needed(self, now: float) -> float:
        while self._stamps and now - self._stamps[0] >= self.window:
            self._stamps.popleft()
        if len(self._stamps) < self.per_minute:
            return 0.0
        return self.window - (now - self._stamps[0])

    def acquire(self, max_wait: float = WINDOW_SECONDS) -> float:
        """Take one slot, waiting if needed; return the seconds waited.

        Raises :class:`QuotaExceeded` when the wait would exceed ``max_wait``.
        """
        if self.per_minute <= 0:
            return 0.0
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._stamps.append(now)
                    return waited
            if waited + wait > max_wait:
                raise QuotaExceeded(
                    f"client-side budget of {self.per_minute} Sheets requests per minute "
                    f"is used up (would wait {wait:.0f} s)"
                )
            self._sleep(wait)
            waited += wait


class Budgets:
    """The project budget and the per-user budget, taken together for each call."""

    def __init__(self, project: RateLimiter, user: RateLimiter) -> None:
        self.project = project
        self.user = user

    def acquire(self, max_wait: float = WINDOW_SECONDS) -> float:
        waited = self.user.acquire(max_wait)
        return waited + self.project.acquire(max(0.0, max_wait - waited))


_shared: dict[str, Budgets] = {}
_shared_lock = threading.Lock()


def shared_budgets(
    key: str = "google",
    *,
    project_per_minute: int = GOOGLE_PROJECT_PER_MINUTE,
    user_per_minute: int = GOOGLE_USER_PER_MINUTE,
) -> Budgets:
    """The process-wide budgets for ``key`` (one per credentials identity)."""
    with _shared_lock:
        budgets = _shared.get(key)
        if budgets is None:
            budgets = Budgets(RateLimiter(project_per_minute), RateLimiter(user_per_minute))
            _shared[key] = budgets
        return budgets


def unlimited() -> Budgets:
    return Budgets(RateLimiter(0), RateLimiter(0))
