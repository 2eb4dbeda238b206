"""A retry policy with short waits, for tests against the emulator (a sync's
own policy waits seconds between attempts, as Google asks)."""

from __future__ import annotations

from typing import Any

from connectors.google_sheets.retry import RetryPolicy


def fast_policy(**overrides: Any) -> RetryPolicy:
    params: dict[str, Any] = {"base": 0.01, "maximum": 0.1, "jitter": 0.01, "budget_seconds": 5}
    params.update(overrides)
    return RetryPolicy(**params)
