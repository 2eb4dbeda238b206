"""drive push channels: lifecycle columns and an event log

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-29 17:00:00

``drive_channels`` gains the watched spreadsheet, a status (active, replaced,
stopped, expired, gone) and when the channel was made and stopped, so the clock
can renew each channel before it expires and re-register after Drive forgot it.
``drive_channel_events`` records every registration, renewal, stop, failure and
alert for the sync health page.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drive_channels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spreadsheet_id", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="active")
        )
        batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_drive_channels_status"), ["status"], unique=False)
    op.create_table(
        "drive_channel_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner", sa.String(length=8), nullable=False),
        sa.Column("channel_id", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drive_channel_events")),
    )
    with op.batch_alter_table("drive_channel_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drive_channel_events_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_drive_channel_events_partner"), ["partner"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("drive_channel_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drive_channel_events_partner"))
        batch_op.drop_index(batch_op.f("ix_drive_channel_events_at"))
    op.drop_table("drive_channel_events")
    with op.batch_alter_table("drive_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drive_channels_status"))
        batch_op.drop_column("stopped_at")
        batch_op.drop_column("created_at")
        batch_op.drop_column("status")
        batch_op.drop_column("spreadsheet_id")
