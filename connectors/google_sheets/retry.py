"""Google's truncated exponential backoff with jitter, within a time budget.

Google asks clients to retry 429 and 5xx answers after ``min(2**n + jitter,
maximum_backoff)`` seconds (https://developers.google.com/sheets/api/limits), and
to honour ``Retry-After`` when the server sends one. Timeouts and dropped
connections are retried the same way. The budget bounds the total time spent
waiting, so a sync never hangs for minutes on an outage: it fails with
:class:`TransientError` / :class:`QuotaExceeded` and the next run converges.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import requests
from google.auth.exceptions import GoogleAuthError, TransportError
from gspread.exceptions import APIError

from .auth import token_problem
from .errors import NoAccessToken, SheetsError, TransientError, classify

T = TypeVar("T")
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying. ``base`` doubles each attempt up to ``maximum``."""

    base: float = 1.0
    maximum: float = 32.0
    budget_seconds: float = 120.0
    max_attempts: int = 8
    jitter: float = 1.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.maximum)
        return min(self.base * (2**attempt) + self.rng.uniform(0, self.jitter), self.maximum)


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_message(exc: APIError) -> str:
    try:
        return str(exc.error.get("message") or exc)
    except Exception:
        return str(exc)


def _refused(exc: BaseException) -> bool:
    """Google answered and refused the key (not: the token endpoint was not reached)."""
    return not isinstance(exc, TransportError)


def call_with_retry(
    fn: Callable[[], T],
    policy: RetryPolicy,
    *,
    on_attempt: Callable[[], None] | None = None,
    what: str = "Sheets call",
) -> T:
    """Run ``fn`` until it succeeds, a non-retryable error occurs, or the budget ends.

    ``on_attempt`` runs before every attempt (the caller counts API calls and takes
    a rate-limit slot there). gspread/requests errors leave as :class:`SheetsError`;
    a key that gets no access token leaves as :class:`NoAccessToken` at once
    (google-auth has retried the token endpoint itself).
    """
    started = time.monotonic()
    attempt = 0
    while True:
        if on_attempt is not None:
            on_attempt()
        retry_after: float | None = None
        try:
            return fn()
        except GoogleAuthError as exc:
            raise NoAccessToken(token_problem(exc), refused=_refused(exc)) from None
        except APIError as exc:
            status = int(getattr(exc, "code", 0) or exc.response.status_code)
            error: SheetsError = classify(status, _error_message(exc))
            if status not in RETRYABLE_STATUS:
                raise error from None
            retry_after = parse_retry_after(exc.response.headers.get("Retry-After"))
        except requests.Timeout:
            error = TransientError(f"{what} timed out")
        except requests.ConnectionError as exc:
            error = TransientError(f"{what}: connection failed ({type(exc).__name__})")
        except requests.RequestException as exc:  # pragma: no cover - rare transport errors
            error = TransientError(f"{what} failed: {type(exc).__name__}")
        wait = policy.delay(attempt, retry_after)
        attempt += 1
        spent = time.monotonic() - started
        if attempt >= policy.max_attempts or spent + wait > policy.budget_seconds:
            raise error from None
        policy.sleep(wait)
