"""sync state: row fingerprints on the shadow and a header snapshot per tab

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 04:00:00

``sync_shadow.row_hash`` and ``record_version`` let a re-sync skip rows whose cells
and store record are unchanged since the base without normalising them again;
``sync_tabs`` keeps the header the last sync mapped, so a renamed or removed column
is reported instead of silently dropping a field.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_shadow", schema=None) as batch_op:
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("record_version", sa.Integer(), nullable=True))
    op.create_table(
        "sync_tabs",
        sa.Column("partner", sa.String(length=8), nullable=False),
        sa.Column("tab", sa.String(length=16), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner", "tab", name=op.f("pk_sync_tabs")),
    )


def downgrade() -> None:
    op.drop_table("sync_tabs")
    with op.batch_alter_table("sync_shadow", schema=None) as batch_op:
        batch_op.drop_column("record_version")
        batch_op.drop_column("row_hash")
