"""sync runs: the stop reason as a code

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-07 13:00:00

``sync_runs.stop_reason`` says why a run stopped until a person acts
(``deletion_stop``, ``header_not_found``, ``tab_not_found``, ``access_denied``,
``credentials_refused``), set by the sync where it stops, so alerts and the
dashboard no longer read it out of the error's wording. Runs recorded before
this revision get theirs once, here, from the texts those runs wrote (the last
place that wording is read).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0013"
branch_labels = None
depends_on = None

_CREDENTIAL_SIGNS = (
    "%(401)%",
    "%RefreshError%",
    "%CredentialsMissingError%",
    "%DefaultCredentialsError%",
    "%invalid_grant%",
)
_NOT_FOUND_SIGNS = ("tab not found%", "the spreadsheet has no tab%", "spreadsheet not found%")


def _derive() -> None:
    """The old rule (``alerts.conditions.run_problem`` before 0016), once, in SQL:
    an aborted run stopped for its header or the deletion stop; a failed one for
    refused credentials, a missing tab or spreadsheet, or no permission."""
    runs = sa.table(
        "sync_runs",
        sa.column("outcome", sa.String),
        sa.column("error", sa.Text),
        sa.column("stop_reason", sa.String),
    )
    error = sa.func.coalesce(runs.c.error, "")
    lowered = sa.func.lower(error)
    unset = runs.c.stop_reason.is_(None)
    aborted = runs.c.outcome == "aborted"
    failed = runs.c.outcome == "failed"
    steps = [
        (aborted & lowered.like("%header%"), "header_not_found"),
        (aborted, "deletion_stop"),
        (failed & sa.or_(*(error.like(sign) for sign in _CREDENTIAL_SIGNS)), "credentials_refused"),
        (failed & sa.or_(*(lowered.like(sign) for sign in _NOT_FOUND_SIGNS)), "tab_not_found"),
        (failed & lowered.like("no permission%"), "access_denied"),
    ]
    for where, reason in steps:
        op.execute(runs.update().where(unset & where).values(stop_reason=reason))


def upgrade() -> None:
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stop_reason", sa.String(length=32), nullable=True))
    _derive()


def downgrade() -> None:
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_column("stop_reason")
