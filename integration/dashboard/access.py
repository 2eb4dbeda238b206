"""Signing in to the dashboard with an API token, and CSRF protection.

The sign-in form takes the same token the API uses; the session cookie (signed,
HTTP-only, SameSite=Lax, Secure unless ``CRM_INSECURE_COOKIES=1``) then holds
only a random session id, never the secret. Each sign-in is a row in the store
(its id's hash only), re-read with its token on every request, so signing out,
revoking the token or the token's expiry ends the session on the server: a
copy of the cookie signs nobody in afterwards. Sessions end when the browser
closes and at the latest after :data:`MAX_SESSION_AGE`.

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
from werkzeug.exceptions import BadRequest

from integration.auth import hash_secret, is_live, touch_token, verify_token
from integration.store.models import ApiToken, DashboardSession, utcnow
from integration.store.records import ACTING_AS
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
        sid = secrets.token_urlsafe(32)
        db.add(DashboardSession(id_hash=hash_secret(sid), token_id=token.id))
        db.flush()
        db.expunge(token)
    lang = session.get("lang")
    session.clear()  # a new session on sign-in: nothing carries over (fixation)
    session["sid"] = sid
    session["at"] = int(time.time())
    session["csrf"] = secrets.token_urlsafe(32)
    if lang:
        session["lang"] = lang
    return token


def sign_out() -> None:
    """End this session on the server (its row), then in the browser."""
    sid = session.get("sid")
    if isinstance(sid, str):
        with services().store.session() as db:
            row = db.get(DashboardSession, hash_secret(sid))
            if row is not None and row.ended_at is None:
                row.ended_at = utcnow()
    _forget()


def _forget() -> None:
    """Clear the cookie's session, keeping only the language preference."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def current_token() -> ApiToken | None:
    """The signed-in token (re-checked against the store once per request)."""
    if "token" in g:
        return g.token
    token = None
    sid = session.get("sid")
    started = session.get("at", 0)
    fresh = isinstance(started, int) and time.time() - started <= MAX_SESSION_AGE
    if isinstance(sid, str) and fresh:
        with services().store.session() as db:
            signed_in = db.get(DashboardSession, hash_secret(sid))
            row = db.get(ApiToken, signed_in.token_id) if signed_in else None
            if signed_in is not None and signed_in.ended_at is None and row and is_live(row):
                db.expunge(row)
                token = row
    if token is None and ("sid" in session or "tid" in session):
        _forget()
    g.token = token
    ACTING_AS.set(token.name if token is not None else None)
    return token


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (no open redirects), else None;
    a target with control characters (a header injection: CR LF) is a 400."""
    if not target:
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        raise BadRequest("next holds control characters")
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
