"""Which partners the signed-in token may see (the API's scoping rule:
partner tokens their own partner, admin tokens all)."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import true
from sqlalchemy.orm import Session

from integration.api.context import MAX_INT_ID
from integration.auth import is_admin
from integration.config import AppConfig
from integration.dashboard.access import current_token


def visible_partners(config: AppConfig) -> list[str]:
    """Partner codes the signed-in token may see, in configuration order."""
    token = current_token()
    assert token is not None
    if is_admin(token):
        return list(config.partners)
    return [token.partner] if token.partner in config.partners else []


def partner_scope(column: Any) -> Any:
    """A WHERE clause limiting partner-level rows to the token's partner."""
    token = current_token()
    assert token is not None
    if is_admin(token):
        return true()
    return column == token.partner


def visible_or_404(db: Session, config: AppConfig, model: Any, item_id: int) -> Any:
    """A partner-level row (a quarantine entry, a conflict) by id, or 404 when it
    does not exist or belongs to a partner the token may not see: the two look
    the same, so an id cannot be probed. An id beyond the store's integer range
    cannot exist (the API's rule), and must not reach the database driver."""
    if not 1 <= item_id <= MAX_INT_ID:
        abort(404)
    item = db.get(model, item_id)
    if item is None or item.partner not in visible_partners(config):
        abort(404)
    return item
