"""alert states: what the clock has mailed about each alert condition

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 10:00:00

``alert_states`` keeps one row per alert condition (a tab's sync stopped, a
partner's syncs failing, credentials refused, a push channel not renewable) and
per digest, with when it opened, was mailed, cleared and the clearing mailed,
so each condition is mailed once until it changes, and once when it clears.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_states",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("partner", sa.String(length=8), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_alert_states")),
    )
    with op.batch_alter_table("alert_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_states_partner"), ["partner"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_alert_states_resolved_at"), ["resolved_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_states_resolved_at"))
        batch_op.drop_index(batch_op.f("ix_alert_states_partner"))
    op.drop_table("alert_states")
