"""``GET /metrics`` in the Prometheus text exposition format (version 0.0.4),
written by ``prometheus_client`` from two collectors over our own state.

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

Custom collectors (not the library's ``Counter``/``Gauge`` objects) because the
store's numbers are read at scrape time, and the request counts stay one plain
``Counter`` under a lock without the library's multi-process directory.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, request
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integration.alerts.notify import open_alerts
from integration.auth import is_admin, verify_token
from integration.domain import SyncOutcome
from integration.store.models import (
    Conflict,
    DriveChannel,
    QuarantineEntry,
    SyncRequest,
    SyncRun,
    WebhookDelivery,
    run_duration,
)
from integration.web.problem_details import Problem
from integration.web.services import services

DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800)
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

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


def _family(
    kind: type[CounterMetricFamily] | type[GaugeMetricFamily],
    name: str,
    help_text: str,
    labels: Sequence[str],
    samples: Iterable[tuple[Sequence[object], float]],
) -> Metric:
    """One metric family; label values are stringified (``None`` as empty)."""
    family = kind(name, help_text, labels=list(labels))
    for values, value in samples:
        family.add_metric(["" if v is None else str(v) for v in values], float(value))
    return family


class RequestCollector(Collector):
    """The request counters this worker kept."""

    def collect(self) -> Iterator[Metric]:
        pid = os.getpid()
        with _lock:
            counted = sorted(_requests.items())
        for area, name in (
            ("api", "crm_api_requests_total"),
            ("webhook", "crm_webhook_requests_total"),
        ):
            yield _family(
                CounterMetricFamily,
                name,
                f"{area} requests answered by this worker, by route and status",
                ("method", "route", "status", "pid"),
                (((m, r, s, pid), v) for (a, m, r, s), v in counted if a == area),
            )


def _counts(session: Session, *columns: Any, where: Sequence[Any] = ()) -> list[tuple]:
    """Rows of ``columns + (count,)`` grouped by ``columns``, in label order."""
    rows = session.execute(select(*columns, func.count()).where(*where).group_by(*columns)).all()
    return sorted((tuple(r) for r in rows), key=lambda r: tuple(str(v or "") for v in r))


def _split(rows: Iterable[tuple]) -> Iterator[tuple[tuple, float]]:
    """``(labels..., value)`` rows as ``(labels, value)`` samples."""
    for *labels, value in rows:
        yield tuple(labels), value


def _as_utc(at: datetime) -> datetime:
    """Stored times are UTC; SQLite hands them back without a zone."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _unix(at: datetime) -> float:
    return round(_as_utc(at).timestamp(), 3)


class StoreCollector(Collector):
    """What the store knows, read at scrape time in the request's app context."""

    def collect(self) -> Iterator[Metric]:
        with services().store.session() as session:
            yield from self._families(session)

    def _families(self, session: Session) -> Iterator[Metric]:
        yield _family(
            GaugeMetricFamily,
            "crm_webhook_deliveries",
            "remembered webhook deliveries (last 7 days at least) by source and first outcome",
            ("source", "status"),
            _split(_counts(session, WebhookDelivery.source, WebhookDelivery.status_code)),
        )
        yield from _runs(session)
        yield _durations(session)
        yield _last_success(session)
        yield _family(
            GaugeMetricFamily,
            "crm_drive_channels",
            "Drive push channels, by partner and state (active, replaced, stopped, expired, gone)",
            ("partner", "state"),
            _split(_counts(session, DriveChannel.partner, DriveChannel.status)),
        )
        yield _open_alerts(session)
        yield from _open_work(session)


def _last_success(session: Session) -> Metric:
    """When each partner's tab last synced successfully (dry runs change nothing,
    so they do not count): the age an alert rule on staleness needs."""
    last_ok = session.execute(
        select(SyncRun.partner, SyncRun.tab, func.max(SyncRun.finished_at))
        .where(SyncRun.outcome == SyncOutcome.COMPLETED, SyncRun.dry_run.is_(False))
        .group_by(SyncRun.partner, SyncRun.tab)
    ).all()
    return _family(
        GaugeMetricFamily,
        "crm_sync_last_success_timestamp_seconds",
        "when each partner's tab last synced successfully (Unix time)",
        ("partner", "tab"),
        (
            ((p, t), _unix(at))
            for p, t, at in sorted(last_ok, key=lambda r: (r[0], r[1] or ""))
            if at is not None
        ),
    )


def _open_alerts(session: Session) -> Metric:
    """Open alert conditions with the time each opened, so a monitor can tell a
    new condition from one that has lasted."""
    return _family(
        GaugeMetricFamily,
        "crm_alert_open_since_timestamp_seconds",
        "open alert conditions (kind, partner, tab) and when each opened (Unix time)",
        ("kind", "partner", "tab"),
        (
            ((a["kind"], a["partner"], a["tab"]), _unix(a["since"]))
            for a in open_alerts(session)
            if a["since"] is not None
        ),
    )


def _open_work(session: Session) -> Iterator[Metric]:
    """What waits for a person or the scheduler: unresolved quarantine entries and
    conflicts, and sync requests not yet drained."""
    open_quarantine = (QuarantineEntry.resolved_at.is_(None),)
    yield _family(
        GaugeMetricFamily,
        "crm_quarantine_open",
        "unresolved quarantine entries, by partner and kind",
        ("partner", "kind"),
        _split(
            _counts(session, QuarantineEntry.partner, QuarantineEntry.kind, where=open_quarantine)
        ),
    )
    by_partner = (
        (
            "crm_conflicts_open",
            "unresolved sync conflicts, by partner",
            Conflict.partner,
            Conflict.resolved_at.is_(None),
        ),
        (
            "crm_sync_requests_pending",
            "sync requests not yet drained by the scheduler, by partner",
            SyncRequest.partner,
            SyncRequest.consumed_at.is_(None),
        ),
    )
    for name, help_text, partner, still_open in by_partner:
        yield _family(
            GaugeMetricFamily,
            name,
            help_text,
            ("partner",),
            _split(_counts(session, partner, where=(still_open,))),
        )


def _runs(session: Session) -> Iterator[Metric]:
    """Sync runs by outcome, and the Sheets calls and cells they spent."""
    runs = session.execute(
        select(
            SyncRun.partner,
            SyncRun.outcome,
            func.count(),
            func.coalesce(func.sum(SyncRun.api_calls), 0),
            func.coalesce(func.sum(SyncRun.cells_written), 0),
        ).group_by(SyncRun.partner, SyncRun.outcome)
    ).all()
    yield _family(
        CounterMetricFamily,
        "crm_sync_runs_total",
        "sync runs recorded in the store, by partner and outcome",
        ("partner", "outcome"),
        (((p, o), n) for p, o, n, _, _ in sorted(runs)),
    )
    calls: Counter[str] = Counter()
    cells: Counter[str] = Counter()
    for p, _o, _n, api_calls, written in runs:
        calls[p] += int(api_calls or 0)
        cells[p] += int(written or 0)
    for name, help_text, totals in (
        (
            "crm_sheets_api_calls_total",
            "Google Sheets API calls made by sync runs, by partner",
            calls,
        ),
        ("crm_sheets_cells_written_total", "sheet cells written by sync runs, by partner", cells),
    ):
        yield _family(
            CounterMetricFamily,
            name,
            help_text,
            ("partner",),
            (((p,), v) for p, v in sorted(totals.items())),
        )


def _durations(session: Session) -> Metric:
    rows = session.execute(
        select(SyncRun.partner, SyncRun.started_at, SyncRun.finished_at).where(
            SyncRun.finished_at.is_not(None)
        )
    ).all()
    per_partner: dict[str, list[float]] = {}
    for partner, started, finished in rows:
        per_partner.setdefault(partner, []).append(run_duration(started, finished) or 0.0)
    family = HistogramMetricFamily(
        "crm_sync_run_duration_seconds",
        "duration of finished sync runs, by partner",
        labels=["partner"],
    )
    for partner, values in sorted(per_partner.items()):
        buckets = [(str(b), float(sum(1 for v in values if v <= b))) for b in DURATION_BUCKETS]
        buckets.append(("+Inf", float(len(values))))
        family.add_metric([partner], buckets, round(sum(values), 6))
    return family


_registry = CollectorRegistry(auto_describe=False)
_registry.register(RequestCollector())
_registry.register(StoreCollector())


def render() -> str:
    return generate_latest(_registry).decode("utf-8")


def may_read_metrics() -> bool:
    """Who may read ``/metrics``: Prometheus on this host (or the reverse proxy,
    which passes ``/metrics`` only from the host itself), or an admin's token.
    The figures are every partner's (quarantine counts, sync outcomes), so a
    partner's token, and anyone else who reaches the port, is refused."""
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(request.remote_addr or "").is_loopback:
            return True
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return False
    with services().store.session() as session:
        token = verify_token(session, secret.strip())
        return token is not None and is_admin(token)


def metrics() -> Response:
    if not may_read_metrics():
        raise Problem(
            403,
            "The metrics are served to this host, or to an admin token "
            "(Authorization: Bearer <token>).",
            slug="forbidden",
            title="Not allowed",
        )
    return Response(render(), mimetype="text/plain", content_type=CONTENT_TYPE)
