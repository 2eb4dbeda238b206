"""``Idempotency-Key`` on POST (IETF draft-ietf-httpapi-idempotency-key-header).

The first request with a key claims it (committed at once, so a concurrent
retry sees the claim): the same key again with the same request replays the
first response; with a different request it is 422; while the first is still
running it is 409. A rejected request (4xx other than 409, 5xx, a crash) releases the key so
the client can fix it and retry.

The outcome of a create is stored in the create's own transaction
(:func:`hold_claim` at its start, :func:`settle` before its commit), and that
transaction holds the claim's row lock: so a claim without an outcome and
without a lock is one whose request died before anything was committed, and a
retry takes it over at once; one still running (locked) answers 409; a retry
after any crash gets the first outcome, never a second record.
Keys are per token and expire after 24 hours.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Response, g, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from integration.api.context import store_session, token
from integration.issues import issue
from integration.store.models import IdempotencyKey, utcnow
from integration.store.retention import IDEMPOTENCY_KEY_TTL
from integration.web.problem_details import Problem, problem_response

#: SQLite has no row locks: a claim without an outcome is taken over after this
#: long (a running create holds the database's one write lock, so a takeover
#: never runs beside it; :func:`hold_claim` then finds the outcome and replays it).
ABANDONED_AFTER = timedelta(seconds=1)
_KEPT_HEADERS = ("Location", "ETag")


def _key() -> str | None:
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]  # a structured-header String
    if not key or len(key) > 255 or not key.isprintable():
        raise Problem(
            400,
            "Idempotency-Key must be 1 to 255 printable characters.",
            slug="bad-parameter",
            errors=[issue("invalid", "Idempotency-Key", template="request.bad_key").as_entry()],
        )
    return key


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b" " + request.path.encode() + b"\n")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _claim(key: str, fingerprint: str) -> IdempotencyKey | None:
    """Claim ``key`` (returns None) or return the finished earlier record."""
    token_id = token().id
    for _ in range(3):
        try:
            with store_session() as session:
                now = utcnow()
                row = session.get(IdempotencyKey, (token_id, key))
                if row is not None and row.created_at < now - IDEMPOTENCY_KEY_TTL:
                    session.delete(row)
                    session.flush()
                    row = None
                if row is None:
                    session.add(
                        IdempotencyKey(
                            token_id=token_id, key=key, request_hash=fingerprint, created_at=now
                        )
                    )
                    return None
                if row.request_hash != fingerprint:
                    raise Problem(
                        422,
                        "This Idempotency-Key was already used with a different request.",
                        slug="idempotency-key-reused",
                    )
                if row.status_code is None:
                    if _abandoned(session, row, now):
                        row.created_at = now  # the first attempt died: take it over
                        return None
                    raise Problem(
                        409,
                        "A request with this Idempotency-Key is still being processed.",
                        slug="idempotency-key-in-use",
                        headers={"Retry-After": "1"},
                    )
                return row
        except IntegrityError:
            continue  # a concurrent first request claimed it: look again
    raise Problem(409, "Idempotency-Key is busy.", slug="idempotency-key-in-use")


def _abandoned(session: Session, row: IdempotencyKey, now: Any) -> bool:
    """Whether the request that claimed ``row`` is gone without an outcome: on
    PostgreSQL, when no transaction holds its lock (a running create does, from
    :func:`hold_claim` to its commit); on SQLite, after :data:`ABANDONED_AFTER`."""
    if session.get_bind().dialect.name != "postgresql":
        return bool(row.created_at < now - ABANDONED_AFTER)
    try:
        with session.begin_nested():
            locked = session.execute(
                select(IdempotencyKey.key)
                .where(IdempotencyKey.token_id == row.token_id, IdempotencyKey.key == row.key)
                .with_for_update(nowait=True)
            ).first()
    except OperationalError:
        return False  # locked: the first request is still running
    return locked is not None


class Replay(Exception):
    """The claim was settled by a request that took it over meanwhile."""

    def __init__(self, row: IdempotencyKey) -> None:
        super().__init__("replay")
        self.row = row


def hold_claim(session: Session) -> None:
    """At the start of a create's transaction: hold the request's claim (if it
    sent a key) until the commit; a claim another attempt settled meanwhile is
    replayed (:class:`Replay`) instead of creating a second record."""
    claim = g.get("idempotency_claim")
    if claim is None:
        return
    row = session.get(IdempotencyKey, claim, with_for_update=True, populate_existing=True)
    if row is not None and row.status_code is not None:
        # a copy: the transaction (and the row with it) is rolled back on the way out
        raise Replay(IdempotencyKey(status_code=row.status_code, response=row.response))


def settle(session: Session, response: Response) -> Response:
    """Before a create's commit: store ``response`` as its key's outcome, in the
    same transaction, so the record and the outcome commit together."""
    claim = g.get("idempotency_claim")
    if claim is not None:
        row = session.get(IdempotencyKey, claim, with_for_update=True)
        if row is not None:
            row.status_code = response.status_code
            row.response = _outcome(response)
        g.idempotency_settled = True
    return response


def _outcome(response: Response) -> dict[str, Any]:
    body = response.get_json(silent=True)
    headers = {h: response.headers[h] for h in _KEPT_HEADERS if h in response.headers}
    return {"body": body, "headers": headers}


def _release(key: str) -> None:
    with store_session() as session:
        session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.token_id == token().id, IdempotencyKey.key == key
            )
        )


def _store(key: str, response: Response) -> None:
    """The outcome of a request that committed nothing (a "this exists" 409)."""
    with store_session() as session:
        row = session.get(IdempotencyKey, (token().id, key))
        if row is not None:
            row.status_code = response.status_code
            row.response = _outcome(response)


def _replay(row: IdempotencyKey) -> Response:
    stored = row.response or {}
    body = stored.get("body")
    status = int(row.status_code or 500)
    if status >= 400 and isinstance(body, dict):
        resp = problem_response(body, stored.get("headers"))
    else:
        resp = Response(json.dumps(body), status=status, mimetype="application/json")
        for name, value in (stored.get("headers") or {}).items():
            resp.headers[name] = value
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def idempotent(handler: Callable[[], Response]) -> Response:
    """Run ``handler`` under the request's Idempotency-Key, if it sent one."""
    key = _key()
    if key is None:
        return handler()
    earlier = _claim(key, _fingerprint())
    if earlier is not None:
        return _replay(earlier)
    g.idempotency_claim = (token().id, key)
    try:
        response = handler()
    except Replay as exc:
        return _replay(exc.row)
    except Problem as exc:
        response = exc.response()
    except BaseException:
        _release(key)
        raise
    if g.get("idempotency_settled"):
        return response
    if response.status_code >= 300 and response.status_code != 409:
        # Only outcomes are remembered (created, or "it already exists"): a
        # rejected request changed nothing, so the client may fix it and retry.
        _release(key)
    else:
        _store(key, response)
    return response
