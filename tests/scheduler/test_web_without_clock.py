"""gunicorn serves ``integration:create_app()`` in several workers; none of them may
run a clock (each would sync every partner every night)."""

from __future__ import annotations

import threading


def _scheduler_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("APScheduler")]


def test_the_web_app_never_starts_a_scheduler(client):
    assert _scheduler_threads() == []
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert _scheduler_threads() == []
