"""``GET /metrics`` in the Prometheus text exposition format (version 0.0.4).

Two kinds of numbers:

* request counters (API and webhook requests by route and status) kept in this
  process; with several gunicorn workers each worker counts its own, so they
  carry a ``pid`` label and Prometheus ``sum()`` adds them up. Every label has a
  bounded set of values whatever clients send: a method outside
  :data:`METHODS` counts as ``OTHER``, an unmatched path as route ``unmatched``;
* everything the store knows, computed at scrape time so every worker reports
  the same: webhook deliveries by outcome, sync runs and their durations,
  Sheets API calls and cells written, open quarantine and conflicts, pending
  sync requests, the time of each tab's last successful sync, Drive push
  channels by state, and the alert conditions the clock has open (the ones it
  mailed), so a monitoring system can page on the same state.

Written by hand (the format is simple) to avoid the multi-process machinery of
a client library.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from flask import Flask, Response, request
from sqlalchemy import func, select

from integration.alerts.notify import open_alerts
from integration.store.models import (
    Conflict,
    DriveChannel,
    QuarantineEntry,
    SyncRequest,
    SyncRun,
    WebhookDelivery,
)
from integration.web.services import services

DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

#: Request methods counted by name; any other is counted as ``OTHER``, so a
#: client inventing methods cannot grow the exposition without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_lock = threading.Lock()
_requests: Counter[tuple[str, str, str, str]] = Counter()  # (area, method, route, status)


def observe(response: Response) -> Response:
    """``after_request`` hook: count API and webhook requests."""
    path = request.path
    if path.startswith("/api/"):
        area = "api"
    elif path.startswith("/webhooks/"):
        area = "webhook"
    else:
        return response
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    method = request.method if request.method in METHODS else "OTHER"
    with _lock:
        _requests[(area, method, route, str(response.status_code))] += 1
    return response


def install(app: Flask) -> None:
    app.after_request(observe)


def _escape(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(labels: Mapping[str, object]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(
        self,
        name: str,
        kind: str,
        help_text: str,
        samples: Iterable[tuple[Mapping[str, object], float]],
        *,
        suffix: str = "",
    ) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            self.lines.append(f"{name}{suffix}{_labels(labels)} {_number(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def render() -> str:
    out = _Writer()
    pid = os.getpid()
    with _lock:
        counted = dict(_requests)
    for area, name in (
        ("api", "crm_api_requests_total"),
        ("webhook", "crm_webhook_requests_total"),
    ):
        out.family(
            name,
            "counter",
            f"{area} requests answered by this worker, by route and status",
            (
                ({"method": m, "route": r, "status": s, "pid": pid}, v)
                for (a, m, r, s), v in sorted(counted.items())
                if a == area
            ),
        )
    with services().store.session() as session:
        deliveries = session.execute(
            select(WebhookDelivery.source, WebhookDelivery.status_code, func.count()).group_by(
                WebhookDelivery.source, WebhookDelivery.status_code
            )
        ).all()
        out.family(
            "crm_webhook_deliveries",
            "gauge",
            "remembered webhook deliveries (last 7 days at least) by source and first outcome",
            (({"source": s, "status": c}, n) for s, c, n in sorted(deliveries)),
        )
        runs = session.execute(
            select(
                SyncRun.partner,
                SyncRun.outcome,
                func.count(),
                func.coalesce(func.sum(SyncRun.api_calls), 0),
                func.coalesce(func.sum(SyncRun.cells_written), 0),
            ).group_by(SyncRun.partner, SyncRun.outcome)
        ).all()
        out.family(
            "crm_sync_runs_total",
            "counter",
            "sync runs recorded in the store, by partner and outcome",
            (({"partner": p, "outcome": o}, n) for p, o, n, _, _ in sorted(runs)),
        )
        calls: Counter[str] = Counter()
        cells: Counter[str] = Counter()
        for p, _o, _n, api_calls, written in runs:
            calls[p] += int(api_calls or 0)
            cells[p] += int(written or 0)
        out.family(
            "crm_sheets_api_calls_total",
            "counter",
            "Google Sheets API calls made by sync runs, by partner",
            (({"partner": p}, v) for p, v in sorted(calls.items())),
        )
        out.family(
            "crm_sheets_cells_written_total",
            "counter",
            "sheet cells written by sync runs, by partner",
            (({"partner": p}, v) for p, v in sorted(cells.items())),
        )
        _durations(out, session)
        last_ok = session.execute(
            select(SyncRun.partner, SyncRun.tab, func.max(SyncRun.finished_at))
            .where(SyncRun.outcome == "completed", SyncRun.dry_run.is_(False))
            .group_by(SyncRun.partner, SyncRun.tab)
        ).all()
        out.family(
            "crm_sync_last_success_timestamp_seconds",
            "gauge",
            "when each partner's tab last synced successfully (Unix time)",
            (
                ({"partner": p, "tab": t or ""}, round(_as_utc(at).timestamp(), 3))
                for p, t, at in sorted(last_ok, key=lambda r: (r[0], r[1] or ""))
                if at is not None
            ),
        )
        channels = session.execute(
            select(DriveChannel.partner, DriveChannel.status, func.count()).group_by(
                DriveChannel.partner, DriveChannel.status
            )
        ).all()
        out.family(
            "crm_drive_channels",
            "gauge",
            "Drive push channels, by partner and state (active, replaced, stopped, expired, gone)",
            (({"partner": p, "state": st}, n) for p, st, n in sorted(channels)),
        )
        out.family(
            "crm_alert_open_since_timestamp_seconds",
            "gauge",
            "open alert conditions (kind, partner, tab) and when each opened (Unix time)",
            (
                (
                    {"kind": a["kind"], "partner": a["partner"] or "", "tab": a["tab"] or ""},
                    round(_as_utc(a["since"]).timestamp(), 3),
                )
                for a in open_alerts(session)
                if a["since"] is not None
            ),
        )
        quarantine = session.execute(
            select(QuarantineEntry.partner, QuarantineEntry.kind, func.count())
            .where(QuarantineEntry.resolved_at.is_(None))
            .group_by(QuarantineEntry.partner, QuarantineEntry.kind)
        ).all()
        out.family(
            "crm_quarantine_open",
            "gauge",
            "unresolved quarantine entries, by partner and kind",
            (({"partner": p or "", "kind": k}, n) for p, k, n in sorted(quarantine, key=str)),
        )
        conflicts = session.execute(
            select(Conflict.partner, func.count())
            .where(Conflict.resolved_at.is_(None))
            .group_by(Conflict.partner)
        ).all()
        out.family(
            "crm_conflicts_open",
            "gauge",
            "unresolved sync conflicts, by partner",
            (({"partner": p}, n) for p, n in sorted(conflicts)),
        )
        pending = session.execute(
            select(SyncRequest.partner, func.count())
            .where(SyncRequest.consumed_at.is_(None))
            .group_by(SyncRequest.partner)
        ).all()
        out.family(
            "crm_sync_requests_pending",
            "gauge",
            "sync requests not yet drained by the scheduler, by partner",
            (({"partner": p}, n) for p, n in sorted(pending)),
        )
    return out.text()


def _durations(out: _Writer, session: object) -> None:
    rows = session.execute(  # type: ignore[attr-defined]
        select(SyncRun.partner, SyncRun.started_at, SyncRun.finished_at).where(
            SyncRun.finished_at.is_not(None)
        )
    ).all()
    per_partner: dict[str, list[float]] = {}
    for partner, started, finished in rows:
        per_partner.setdefault(partner, []).append(max((finished - started).total_seconds(), 0))
    out.lines.append(
        "# HELP crm_sync_run_duration_seconds duration of finished sync runs, by partner"
    )
    out.lines.append("# TYPE crm_sync_run_duration_seconds histogram")
    for partner, values in sorted(per_partner.items()):
        for bound in DURATION_BUCKETS:
            count = sum(1 for v in values if v <= bound)
            out.lines.append(
                f'crm_sync_run_duration_seconds_bucket{{partner="{_escape(partner)}",'
                f'le="{bound}"}} {count}'
            )
        out.lines.append(
            f'crm_sync_run_duration_seconds_bucket{{partner="{_escape(partner)}",le="+Inf"}} '
            f"{len(values)}"
        )
        out.lines.append(
            f'crm_sync_run_duration_seconds_sum{{partner="{_escape(partner)}"}} '
            f"{_number(round(sum(values), 6))}"
        )
        out.lines.append(
            f'crm_sync_run_duration_seconds_count{{partner="{_escape(partner)}"}} {len(values)}'
        )


def _as_utc(at: datetime) -> datetime:
    """Stored times are UTC; SQLite hands them back without a zone."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def metrics() -> Response:
    return Response(render(), mimetype="text/plain", content_type=CONTENT_TYPE)
