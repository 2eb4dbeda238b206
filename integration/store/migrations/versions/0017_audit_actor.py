"""audit log: who made a change

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 21:00:00

``audit_log.actor`` names the API or dashboard token that made a change, so a
record's history says who edited, archived or restored it from the dashboard
(or the API), not only through which channel. Entries made by a sheet, a form
or the sync, and every entry older than this revision, have none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("actor")
