"""vanished rows: records whose rows left a partner's sheet, for staff to restore or archive

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-07 12:45:00

``vanished_rows`` keeps one row per record whose row vanished from its partner's
tab: archived by the sync (staff deleted or cleared the row) or held by the
deletion stop, with the row it was last seen on and when it vanished, so the
dashboard and the API list them with *restore* and *archive*.
``sync_shadow.row_number`` is the sheet row a record's row was last seen on;
``sync_tabs.stop_note`` the note the service last wrote on the tab's header
status cell, so a stopped tab writes its note once, not on every sync.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vanished_rows",
        sa.Column("record_id", sa.String(length=16), nullable=False),
        sa.Column("partner", sa.String(length=8), nullable=False),
        sa.Column("tab", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("vanished_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_vanished_rows")),
    )
    with op.batch_alter_table("vanished_rows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vanished_rows_partner"), ["partner"], unique=False)
    with op.batch_alter_table("sync_shadow", schema=None) as batch_op:
        batch_op.add_column(sa.Column("row_number", sa.Integer(), nullable=True))
    with op.batch_alter_table("sync_tabs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stop_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_tabs", schema=None) as batch_op:
        batch_op.drop_column("stop_note")
    with op.batch_alter_table("sync_shadow", schema=None) as batch_op:
        batch_op.drop_column("row_number")
    with op.batch_alter_table("vanished_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vanished_rows_partner"))
    op.drop_table("vanished_rows")
