"""webhook deliveries: the body's fingerprint

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 10:00:00

``webhook_deliveries.body_hash`` is the SHA-256 of the delivery's body, so a
delivery id seen again with a different (validly signed) body is refused with
409 instead of being answered with the first delivery's outcome while the
second body is kept nowhere. Deliveries stored before this revision have none
and replay as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_column("body_hash")
