"""sync state: a pending base for rows a sync is about to update

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 05:00:00

``sync_shadow.pending_base`` and ``pending_base_stamp`` hold the base as it will
be once a sheet write into existing rows has landed, keyed by the "Last synced"
stamp that write puts in each row. A sync killed after the sheet write but before
its store commit then still knows which store values already reached the sheet, so
a newer store edit made meanwhile is kept instead of losing to the sheet's copy of
the older value.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_shadow", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_base", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("pending_base_stamp", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_shadow", schema=None) as batch_op:
        batch_op.drop_column("pending_base_stamp")
        batch_op.drop_column("pending_base")
