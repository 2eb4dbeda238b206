"""merge requests pin the row they ask about

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 01:00:00

``merge_requests.entry_digest`` is a digest of the requesting row's values when
the request was filed: the owner decides on what the row said then, so a row
the requester changes afterwards ends the request instead of riding on the
owner's accept. Requests filed before this revision have none and are judged
as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("merge_requests") as batch:
        batch.add_column(sa.Column("entry_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("merge_requests") as batch:
        batch.drop_column("entry_digest")
