"""sync runs: the header report

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 21:00:00

``sync_runs.header_report`` keeps what the tab's header row told each run: where
the header row is, which header fills which field, which headers are not
recognised (their columns kept, never synced) and which expected fields have no
column. Nightly runs are not watched on a terminal, so staff read it on the sync
health page and in ``/api/v1/sync-runs``. Runs made before this revision have none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("header_report", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_column("header_report")
