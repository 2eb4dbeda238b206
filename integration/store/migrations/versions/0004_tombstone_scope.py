"""tombstones: the scope of an erasure

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 17:00:00

``tombstones.partner`` names the partner whose sheet, forms and API a tombstone
blocks: a partner's erasure reaches only its own data. NULL means the whole
network (an admin's erasure); tombstones made before this revision keep blocking
everybody, since who made them is not known.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tombstones", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner", sa.String(length=8), nullable=True))
        batch_op.create_index(batch_op.f("ix_tombstones_partner"), ["partner"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tombstones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tombstones_partner"))
        batch_op.drop_column("partner")
