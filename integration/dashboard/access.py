"""Signing in to the dashboard with an API token, and CSRF protection.

The sign-in form takes the same token the API uses; the session cookie (signed,
HTTP-only, SameSite=Lax, Secure unless ``CRM_INSECURE_COOKIES=1``) then holds
only the token's row id, never the secret. Every request re-reads that row, so
revoking a token signs its dashboard sessions out at once. Sessions end when
the browser closes and at the latest after :data:`MAX_SESSION_AGE`.

Every POST form carries a per-session CSRF token (synchroniser token pattern),
compared in constant time; SameSite=Lax is a second line of defence, not the
only one.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for

from integration.auth import touch_token, verify_token
from integration.store.models import ApiToken
from integration.web.services import services

F = TypeVar("F", bound=Callable[..., Any])

#: Longest a dashboard session lasts without signing in again.
MAX_SESSION_AGE = 12 * 3600
CSRF_FIELD = "csrf_token"


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok() -> bool:
    """True when the submitted form's CSRF token matches the session's."""
    expected = session.get("csrf")
    given = request.form.get(CSRF_FIELD, "")
    return bool(expected) and hmac.compare_digest(str(expected), given)


def sign_in(secret: str) -> ApiToken | None:
    """Check ``secret``; on success start a fresh session for its token."""
    with services().store.session() as db:
        token = verify_token(db, secret.strip())
        if token is None:
            return None
        touch_token(db, token)
        db.flush()
        db.expunge(token)
    lang = session.get("lang")
    session.clear()  # a new session on sign-in: nothing carries over (fixation)
    session["tid"] = token.id
    session["at"] = int(time.time())
    session["csrf"] = secrets.token_urlsafe(32)
    if lang:
        session["lang"] = lang
    return token


def sign_out() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def current_token() -> ApiToken | None:
    """The signed-in token (re-checked against the store once per request)."""
    if "token" in g:
        return g.token
    token = None
    tid = session.get("tid")
    started = session.get("at", 0)
    if isinstance(tid, int) and isinstance(started, int):
        if time.time() - started <= MAX_SESSION_AGE:
            with services().store.session() as db:
                row = db.get(ApiToken, tid)
                if row is not None and row.revoked_at is None:
                    db.expunge(row)
                    token = row
        if token is None:
            sign_out()
    g.token = token
    return token


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (no open redirects), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def login_required(view: F) -> F:
    """Send visitors who are not signed in to the sign-in page (and back after)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_token() is None:
            nxt = request.full_path if request.method == "GET" else None
            if nxt and nxt.endswith("?"):
                nxt = nxt[:-1]
            return redirect(url_for("dashboard.signin", next=nxt))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
