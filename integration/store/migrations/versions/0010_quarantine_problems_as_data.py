"""quarantine: problems as data (field, code, params), not sentences

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 10:00:00

Each problem of a quarantine entry was stored as a sentence in one language (a
sheet row's in the partner's, a form's in English plus the partner's), so an
English-speaking admin read Latvian and the API could not translate. From this
revision a problem is ``{field, code, params}`` and every surface renders it in
its reader's language. Upgrade reads each stored sentence back with the
catalog's templates (:mod:`integration.legacy_problems`); a sentence no template
reads is left as it is and still shown as stored. Downgrade writes each problem
back as its English sentence (``message``, ``messages.en``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_quarantine = sa.table(
    "quarantine",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("errors", sa.JSON),
)


def _rewrite(change: Callable[[dict[str, Any], str], dict[str, Any]]) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_quarantine.c.id, _quarantine.c.kind, _quarantine.c.errors))
    for entry_id, kind, errors in rows.fetchall():
        if not errors:
            continue
        new = [change(dict(error), kind or "lead") for error in errors]
        if new != errors:
            bind.execute(
                _quarantine.update().where(_quarantine.c.id == entry_id).values(errors=new)
            )


def _as_data(error: dict[str, Any], kind: str) -> dict[str, Any]:
    # deferred: only an upgrade through this revision needs it, and Alembic loads
    # every revision file whenever it runs
    from integration.legacy_problems import read_back

    if "params" in error:
        return error
    return read_back(error, kind) or error


def _as_sentence(error: dict[str, Any], kind: str) -> dict[str, Any]:
    # deferred: only an upgrade through this revision needs it, and Alembic loads
    # every revision file whenever it runs
    from integration.issues import render

    if "params" not in error:
        return error
    english = render(error, "en", kind)
    return {
        "field": error.get("field", ""),
        "code": error.get("code", ""),
        "message": english,
        "messages": {"en": english},
    }


def upgrade() -> None:
    _rewrite(_as_data)


def downgrade() -> None:
    _rewrite(_as_sentence)
