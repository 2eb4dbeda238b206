"""Which alert conditions hold now, judged from what the store recorded: the
sync runs, the Drive channel events and the rows waiting to be fixed.

- ``tab_stopped``: a tab's newest run stopped for a person to act: the deletion
  stop, no recognisable header, the tab (or spreadsheet) not found, access denied;
- ``partner_failing``: a partner's syncs have all failed for longer than
  ``[alerts] failing_hours``, with no success between;
- ``credentials_refused``: Google refused the service's credentials (the newest
  run of any tab says so; one condition for the network, it is one key);
- ``channel_not_renewable``: the newest attempt to open or renew a partner's
  Drive push channel failed.

Why a run stopped is the code the sync recorded where it stopped
(``sync_runs.stop_reason``, :mod:`integration.sync.stop_reasons`), never read out
of the error's wording.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integration.config import AppConfig
from integration.domain import SyncOutcome
from integration.store.models import DriveChannelEvent, QuarantineEntry, SyncRun
from integration.sync.stop_reasons import CREDENTIALS_REFUSED, TAB_REASONS

#: Channel events that say whether the newest open/renew attempt worked.
CHANNEL_ATTEMPTS = ("registered", "renewed", "re-registered", "failed")


@dataclass(frozen=True)
class Condition:
    kind: str
    partner: str | None
    #: what the message says (tab, reason, since); strings and numbers only
    detail: Mapping[str, Any] = field(default_factory=dict)
    #: the detail keys whose change makes it news again (not e.g. a timestamp)
    identity: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        tab = self.detail.get("tab")
        return ":".join(str(p) for p in (self.kind, self.partner or "*", tab or "*"))

    @property
    def fingerprint(self) -> str:
        same = {k: self.detail.get(k) for k in self.identity}
        text = json.dumps([self.kind, self.partner, same], sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _latest_runs(session: Session) -> list[SyncRun]:
    """The newest finished, non-dry run of each partner's tab (busy runs skipped:
    another sync held the spreadsheet, which says nothing about the tab)."""
    newest = (
        select(SyncRun.partner, SyncRun.tab, func.max(SyncRun.id).label("id"))
        .where(
            SyncRun.dry_run.is_(False),
            SyncRun.outcome.in_((SyncOutcome.COMPLETED, SyncOutcome.ABORTED, SyncOutcome.FAILED)),
        )
        .group_by(SyncRun.partner, SyncRun.tab)
        .subquery()
    )
    return list(session.scalars(select(SyncRun).join(newest, SyncRun.id == newest.c.id)))


def _failing_since(session: Session, partner: str) -> datetime | None:
    """When the partner's current run of failures began (None: its newest run
    worked, or it has none)."""
    last_ok = session.scalar(
        select(func.max(SyncRun.started_at)).where(
            SyncRun.partner == partner,
            SyncRun.dry_run.is_(False),
            SyncRun.outcome == SyncOutcome.COMPLETED,
        )
    )
    query = select(func.min(SyncRun.started_at)).where(
        SyncRun.partner == partner,
        SyncRun.dry_run.is_(False),
        SyncRun.outcome == SyncOutcome.FAILED,
    )
    if last_ok is not None:
        query = query.where(SyncRun.started_at > last_ok)
    return session.scalar(query)


def _channel_failed(session: Session, partner: str) -> bool:
    kind = session.scalar(
        select(DriveChannelEvent.kind)
        .where(DriveChannelEvent.partner == partner, DriveChannelEvent.kind.in_(CHANNEL_ATTEMPTS))
        .order_by(DriveChannelEvent.at.desc(), DriveChannelEvent.id.desc())
        .limit(1)
    )
    return kind == "failed"


def current_conditions(session: Session, config: AppConfig, now: datetime) -> list[Condition]:
    """Every alert condition that holds at ``now``."""
    out: list[Condition] = []
    refused: set[str] = set()
    for run in sorted(_latest_runs(session), key=lambda r: (r.partner, r.tab)):
        if run.partner not in config.partners:
            continue
        reason = run.stop_reason
        if reason == CREDENTIALS_REFUSED:
            refused.add(run.partner)
        elif reason in TAB_REASONS:
            detail: dict[str, Any] = {"tab": run.tab, "reason": reason}
            out.append(Condition("tab_stopped", run.partner, detail, ("reason",)))
    if refused:
        out.append(Condition("credentials_refused", None, {"partners": ",".join(sorted(refused))}))
    limit = timedelta(hours=config.alerts.failing_hours)
    for code in config.partners:
        since = _failing_since(session, code)
        if since is not None and now - since >= limit:
            hours = int((now - since).total_seconds() // 3600)
            detail = {"since": since.isoformat(timespec="minutes"), "hours": hours}
            out.append(Condition("partner_failing", code, detail))
        if _channel_failed(session, code):
            out.append(Condition("channel_not_renewable", code))
    return out


def rows_to_fix(session: Session, partners: Iterable[str]) -> dict[str, dict[str, int]]:
    """Open quarantine entries (rows waiting to be fixed) per partner and tab."""
    counts: dict[str, dict[str, int]] = {p: {} for p in partners}
    rows = session.execute(
        select(QuarantineEntry.partner, QuarantineEntry.tab, func.count())
        .where(QuarantineEntry.resolved_at.is_(None), QuarantineEntry.partner.in_(list(counts)))
        .group_by(QuarantineEntry.partner, QuarantineEntry.tab)
    )
    for partner, tab, count in rows:
        if partner is not None:  # the query names partners only
            counts[partner][tab or "webhook"] = count
    return counts
