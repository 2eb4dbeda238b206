"""merge requests: a partner asks the owner of a firm to merge its duplicate

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 13:30:00

``merge_requests`` keeps one row per ask: the requester's quarantine entry, the
owner's lead, who asked and who decides, and the outcome (open, accepted,
declined with an optional reason, ended when
either record is erased or the row closed otherwise). A partial unique index allows one open
request per (requesting partner, lead) pair, so a partner holding many
rows of one firm cannot fill its owner's queue.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merge_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.String(length=16), nullable=False),
        sa.Column("requester", sa.String(length=8), nullable=False),
        sa.Column("owner", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["quarantine.id"], name=op.f("fk_merge_requests_entry_id_quarantine")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge_requests")),
    )
    with op.batch_alter_table("merge_requests", schema=None) as batch_op:
        for column in ("entry_id", "lead_id", "requester", "owner"):
            batch_op.create_index(batch_op.f(f"ix_merge_requests_{column}"), [column], unique=False)
        batch_op.create_index(
            "uq_merge_requests_open_pair",
            ["requester", "lead_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("merge_requests", schema=None) as batch_op:
        batch_op.drop_index("uq_merge_requests_open_pair")
        for column in ("owner", "requester", "lead_id", "entry_id"):
            batch_op.drop_index(batch_op.f(f"ix_merge_requests_{column}"))
    op.drop_table("merge_requests")
