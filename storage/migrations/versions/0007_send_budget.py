"""send budget: one row of shared pacing state for every replica (PostgreSQL's replicas use it)

Revision ID: 0007_send_budget
Revises: 0006_big_table_indexes
Create Date: 2026-11-30 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_send_budget"
down_revision: str | None = "0006_big_table_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Seconds since the epoch on the database's clock, the one clock every replica shares.
    table = op.create_table(
        "send_budget",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("next_at", sa.Float(), nullable=False, server_default="0"),
        sa.Column("paused_until", sa.Float(), nullable=False, server_default="0"),
    )
    op.bulk_insert(table, [{"id": 1, "next_at": 0.0, "paused_until": 0.0}])


def downgrade() -> None:
    op.drop_table("send_budget")
