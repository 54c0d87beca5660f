"""outbox claimer: which sender claimed a row in `sending`, so its claims end with its process

Revision ID: 0008_outbox_claimer
Revises: 0007_send_budget
Create Date: 2026-11-30 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_outbox_claimer"
down_revision: str | None = "0007_send_budget"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The key of the claiming sender's advisory lock (storage.coordination.SenderLock): on
    # PostgreSQL a row whose claimer's lock is gone is a dead process's, pending again at once.
    op.add_column("outbox", sa.Column("claimed_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "claimed_by")
