"""The clock's alert job: compare the conditions that hold now with what the
store says was mailed, mail what is new, what changed and what cleared, and
send the digest when it is due.

One row of ``alert_states`` per condition key decides everything, so a check
that runs every few minutes sends nothing new while a condition stays as it
is (no storm), a condition whose reason changes is news again, and a message
that could not be sent (the mail server down) is tried again on the next check.
Without a mail server the conditions are tracked all the same.
"""

from __future__ import annotations

import functools
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.alerts.compose import condition_mail, digest_mail
from integration.alerts.conditions import Condition, current_conditions, rows_to_fix
from integration.alerts.mail import Recipient, admins, partner_staff, send_mail
from integration.config import AppConfig
from integration.store.db import Store
from integration.store.models import AlertState

log = logging.getLogger(__name__)

#: (recipient address, subject, body) -> None; raises when the message did not go out
Sender = Callable[[str, str, str], None]
DIGEST = "digest"


@dataclass
class AlertRun:
    """What one check did (for logs and tests)."""

    opened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)  # (address, subject)
    failed: int = 0


def recipients(config: AppConfig, kind: str, partner: str | None) -> list[Recipient]:
    """Who hears of a condition: the partner's own staff and the admins; the
    network-wide credentials problem only the admins, who hold the key."""
    staff = partner_staff(config, partner) if partner and kind != "credentials_refused" else []
    return [*staff, *admins(config)]


def _mailer(config: AppConfig) -> Sender | None:
    smtp = config.smtp
    if smtp is None:
        return None
    return lambda to, subject, body: send_mail(smtp, to, subject, body)


def _deliver(
    run: AlertRun, send: Sender, to: list[Recipient], make: Callable[[str], tuple[str, str]]
) -> bool:
    """Send to each recipient in their language; True when every one went out."""
    ok = True
    for recipient in to:
        subject, body = make(recipient.locale)
        try:
            send(recipient.address, subject, body)
        except (smtplib.SMTPException, OSError) as exc:
            run.failed += 1
            ok = False
            log.warning(
                "alert mail not sent (%s); tried again on the next check", type(exc).__name__
            )
            continue
        run.sent.append((recipient.address, subject))
    return ok


def _open(state: AlertState | None, cond: Condition, now: datetime, session: Session) -> AlertState:
    """The state row of an open condition: new, reopened or changed (to be mailed
    again), else kept as mailed with its detail brought up to date."""
    if state is None:
        state = AlertState(key=cond.key, kind=cond.kind, partner=cond.partner)
        session.add(state)
        fresh = True
    else:
        fresh = state.resolved_at is not None or state.fingerprint != cond.fingerprint
    state.detail = dict(cond.detail)
    if fresh:
        state.fingerprint = cond.fingerprint
        state.opened_at = now
        state.notified_at = None
        state.resolved_at = None
        state.resolved_notified_at = None
    return state


def check_alerts(
    store: Store, config: AppConfig, *, now: datetime | None = None, send: Sender | None = None
) -> AlertRun:
    """One check: mail every condition that opened, changed or cleared, and the
    digest if due. ``send`` defaults to the configured SMTP server (None: only
    the store is brought up to date)."""
    now = now or datetime.now(UTC)
    send = send or _mailer(config)
    run = AlertRun()
    with store.session() as session:
        current = {c.key: c for c in current_conditions(session, config, now)}
        states = {
            s.key: s for s in session.scalars(select(AlertState).where(AlertState.kind != DIGEST))
        }
        for key, cond in current.items():
            state = _open(states.get(key), cond, now, session)
            if state.notified_at is None:
                run.opened.append(key)
                if send is not None and _deliver(
                    run,
                    send,
                    recipients(config, cond.kind, cond.partner),
                    functools.partial(
                        condition_mail, cond.kind, cond.partner, cond.detail, config=config
                    ),
                ):
                    state.notified_at = now
        for key, state in states.items():
            if key in current:
                continue
            if state.resolved_at is None:
                state.resolved_at = now
                run.resolved.append(key)
            if state.notified_at is None or state.resolved_notified_at is not None:
                continue  # nobody was told it opened, so nobody is told it cleared
            if send is not None and _deliver(
                run,
                send,
                recipients(config, state.kind, state.partner),
                functools.partial(
                    condition_mail,
                    state.kind,
                    state.partner,
                    state.detail,
                    config=config,
                    resolved=True,
                ),
            ):
                state.resolved_notified_at = now
        if send is not None:
            _digests(session, config, now, send, run)
    return run


def digest_due(config: AppConfig, last: datetime | None, now: datetime) -> bool:
    """Whether the digest goes out at ``now``: past today's ``digest_at`` in the
    project's time zone (on Mondays when weekly), and not yet sent today."""
    settings = config.alerts
    if settings.digest == "off":
        return False
    local = now.astimezone(ZoneInfo(config.project.timezone))
    hours, minutes = (int(p) for p in settings.digest_at.split(":"))
    if local.time() < time(hours, minutes):
        return False
    if settings.digest == "weekly" and local.weekday() != 0:
        return False
    return last is None or last.astimezone(local.tzinfo).date() < local.date()


def _digests(
    session: Session, config: AppConfig, now: datetime, send: Sender, run: AlertRun
) -> None:
    """Each partner's staff get their own rows' counts; the admins every partner's."""
    counts = rows_to_fix(session, config.partners)
    groups: list[tuple[str, list[Recipient], dict[str, dict[str, int]]]] = [
        (code, partner_staff(config, code), {code: counts[code]}) for code in config.partners
    ]
    groups.append(("*", admins(config), counts))
    for name, to, scope in groups:
        total = sum(sum(tabs.values()) for tabs in scope.values())
        if not to or not total:
            continue
        key = f"{DIGEST}:{name}"
        state = session.get(AlertState, key)
        if not digest_due(config, state.notified_at if state else None, now):
            continue
        if state is None:
            state = AlertState(key=key, kind=DIGEST, partner=None if name == "*" else name)
            state.fingerprint = ""
            state.opened_at = now
            session.add(state)
        state.detail = {"rows": total}
        if _deliver(
            run,
            send,
            to,
            functools.partial(digest_mail, {p: t for p, t in scope.items() if t}, config=config),
        ):
            state.notified_at = now


def open_alerts(session: Session) -> list[dict[str, Any]]:
    """The alert conditions open now (kind, partner, tab, since), for ``/metrics``
    and the dashboard: the store's view, as of the clock's last check."""
    rows = session.scalars(
        select(AlertState)
        .where(AlertState.kind != DIGEST, AlertState.resolved_at.is_(None))
        .order_by(AlertState.key)
    )
    return [
        {
            "kind": s.kind,
            "partner": s.partner,
            "tab": (s.detail or {}).get("tab"),
            "reason": (s.detail or {}).get("reason"),
            "since": s.opened_at,
        }
        for s in rows
    ]
