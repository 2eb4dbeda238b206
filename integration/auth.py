"""API bearer tokens and partner scoping.

A token's secret is shown once when made and only its SHA-256 hash is stored,
so a leaked database does not leak working tokens. A token either belongs to a
partner (it sees that partner's leads, the agreements the partner reports and
the agreements whose parties the partner owns) or is an admin token (sees
everything). Records outside a token's scope are answered as "not found", so a
partner cannot even learn which ids exist elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased

from integration.store.models import Agreement, ApiToken, Lead, utcnow

#: Secrets look like ``lcs_<43 url-safe chars>``; the prefix makes a leaked token
#: recognisable to secret scanners.
TOKEN_PREFIX = "lcs_"

Q = TypeVar("Q", bound=Select)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    session: Session, name: str, partner: str | None = None, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Make a token (working until ``expires_at``, or until revoked when None);
    return the row and the secret (shown once, never stored)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name, partner=partner, token_hash=hash_secret(secret), expires_at=expires_at
    )
    session.add(token)
    session.flush()
    return token, secret


def verify_token(session: Session, secret: str | None) -> ApiToken | None:
    """The live token whose secret is ``secret``, or None.

    The lookup is by hash (an index probe, so its timing says nothing about the
    secret) and the match is confirmed with a constant-time comparison.
    """
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest = hash_secret(secret)
    token = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if token is None or not is_live(token):
        return None
    if not hmac.compare_digest(token.token_hash, digest):
        return None
    return token


def is_live(token: ApiToken, now: datetime | None = None) -> bool:
    """Neither revoked nor expired: the one rule for the API and the dashboard."""
    if token.revoked_at is not None:
        return False
    return token.expires_at is None or token.expires_at > (now or utcnow())


def touch_token(session: Session, token: ApiToken) -> None:
    """Record use, at most once a minute (saves a write per request)."""
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now


def revoke_token(session: Session, token_id: int) -> ApiToken | None:
    """Revoke by id; returns the token (already revoked ones stay as they were)."""
    token = session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def is_admin(token: ApiToken) -> bool:
    return token.partner is None


def scope_leads(query: Q, token: ApiToken) -> Q:
    """Restrict a query selecting :class:`Lead` to what ``token`` may see."""
    if is_admin(token):
        return query
    return query.where(Lead.partner == token.partner)


def scope_agreements(query: Q, token: ApiToken) -> Q:
    """Restrict a query selecting :class:`Agreement`: reported by the partner, or
    with a seller or buyer lead owned by the partner."""
    if is_admin(token):
        return query
    seller = aliased(Lead)
    buyer = aliased(Lead)
    owns_seller = select(seller.id).where(
        seller.id == Agreement.seller_id, seller.partner == token.partner
    )
    owns_buyer = select(buyer.id).where(
        buyer.id == Agreement.buyer_id, buyer.partner == token.partner
    )
    return query.where(
        or_(
            Agreement.reporting_partner == token.partner,
            owns_seller.exists(),
            owns_buyer.exists(),
        )
    )


def can_see_partner(token: ApiToken, partner: str | None) -> bool:
    """For partner-level rows (quarantine, conflicts, sync runs)."""
    return is_admin(token) or (partner is not None and partner == token.partner)
