"""The deployment checks on the dashboard's Sync page: what ``crm-sync check``
says, in groups, each with the time it was checked.

The settings are checked for every page view (no network). The store and its
migrations, the Google token, and each partner's spreadsheet and tabs cost a
database round trip or Google calls, so they are checked at most once per
:data:`MAX_AGE` per web process and shown with the time they were checked; a
reader sees only the spreadsheets of the partners they may see, and only an
admin sees the settings, the store and the token.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from markupsafe import Markup, escape

from connectors.google_sheets.retry import RetryPolicy
from integration import messages
from integration.check_command import (
    NOT_CHECKED,
    public_url_check,
    spreadsheet_checks,
    store_checks,
    token_check,
)
from integration.config import AppConfig
from integration.preflight import Check, setting_checks

#: How long a checked group is shown before it is checked again.
MAX_AGE = timedelta(minutes=10)
#: A page view waits seconds, not a sync's minutes, for a Google that is down.
PAGE_RETRY = RetryPolicy(budget_seconds=5.0, max_attempts=2)


@dataclass(frozen=True)
class CheckGroup:
    """Checks shown under one title (a ``ui`` message key and its parameters)."""

    title: str
    checks: tuple[Check, ...]
    #: when they were checked; None: for this page view
    checked_at: datetime | None = None
    params: dict[str, Any] = field(default_factory=dict)


class CheckCache:
    """Checked groups by key, each kept for ``max_age`` (one per web process)."""

    def __init__(self, max_age: timedelta = MAX_AGE) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[datetime, tuple[Check, ...]]] = {}

    def get(
        self, key: str, compute: Callable[[], Iterable[Check]], now: datetime
    ) -> tuple[datetime, tuple[Check, ...]]:
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self.max_age:
            return entry
        entry = (now, tuple(compute()))
        with self._lock:
            self._entries[key] = entry
        return entry


def check_cache(app: Flask) -> CheckCache:
    return app.extensions.setdefault("crm_checks", CheckCache())


def for_staff(checks: Iterable[Check]) -> tuple[Check, ...]:
    """A spreadsheet group as a partner's staff see it: when the spreadsheets
    could not be checked at all, the reason is the server's set-up (a key file's
    path, the setting to change), which is the administrator's to read and fix;
    staff read that Google access is not set up and whom to ask."""
    return tuple(
        Check(NOT_CHECKED, False, "google_not_set_up")
        if c.subject == NOT_CHECKED and not c.ok
        else c
        for c in checks
    )


def check_groups(
    app: Flask,
    config: AppConfig,
    *,
    admin: bool,
    partners: Iterable[str],
    now: datetime,
) -> list[CheckGroup]:
    """The groups a reader sees: an admin's settings, store and token, and the
    spreadsheet of each partner in ``partners`` (the ones the reader may see).
    The cache holds what an admin sees; a partner's staff get :func:`for_staff`
    of it."""
    cache = check_cache(app)
    groups: list[CheckGroup] = []
    if admin:
        settings = (*setting_checks(config, google=True), public_url_check(config))
        groups.append(CheckGroup("checks_settings", settings))

        def store_and_token() -> list[Check]:
            token = token_check(config)
            return [*store_checks(config), *([token] if token is not None else [])]

        at, checks = cache.get("store", store_and_token, now)
        groups.append(CheckGroup("checks_store", checks, at))
    for code in partners:
        at, checks = cache.get(
            f"spreadsheet:{code}",
            functools.partial(spreadsheet_checks, config, [code], retry=PAGE_RETRY),
            now,
        )
        if not admin:
            checks = for_staff(checks)
        name = config.partners[code].name
        groups.append(CheckGroup("checks_spreadsheet", checks, at, {"partner": name}))
    return groups


#: Parameters that are the machine's, not words (paths, variables, ids, hosts,
#: revisions, commands, tab lists): shown as code and marked as no language.
TECHNICAL = frozenset(
    {"path", "where", "env", "command", "host", "email", "store", "spreadsheet", "url"}
    | {"head", "current", "setting", "known", "user", "status"}
)
#: Parameters that are counts and positions (row 2, secret 1 of 2).
NUMBERS = frozenset({"count", "row", "number", "total"})


def check_texts(check: Check, locale: str, partner_names: dict[str, str]) -> tuple[Markup, Markup]:
    """A check's subject and detail as the reader reads them: the catalog's text
    in ``locale``, a partner named by its name (not its code), the machine's
    values as code marked ``lang="zxx"``, and text another system wrote
    (a driver's error, Google's answer) as it was said, marked English."""
    marks: dict[str, Markup] = {}
    params: dict[str, Any] = {}
    for key, value in check.params.items():
        if key in NUMBERS:
            params[key] = value  # as numbers: a plural form depends on them
            continue
        if key == "partner":
            shown = escape(partner_names.get(str(value), str(value)))
        elif key == "quoted":
            shown = Markup('<span lang="en">{}</span>').format(value)
        elif key in TECHNICAL:
            shown = Markup('<code lang="zxx">{}</code>').format(value)
        else:
            shown = escape(value)
        slot = f"\x00{len(marks)}\x00"
        marks[slot] = shown
        params[key] = slot

    def render(key: str) -> Markup:
        out = escape(messages.text(key, locale, **params))
        for slot, shown in marks.items():
            out = Markup(out.replace(slot, shown))
        return out

    return render(f"check_subject.{check.subject}"), render(f"check.{check.code}")
