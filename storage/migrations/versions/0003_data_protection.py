"""data protection: pseudonyms for closed reports, refusal and revocation times

Revision ID: 0003_data_protection
Revises: 0002_province_names
Create Date: 2026-11-29 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0003_data_protection"
down_revision: str | None = "0002_province_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("reporter_pseudonym", sa.String(length=32), nullable=True))
    with op.batch_alter_table("report_events") as batch:
        batch.add_column(sa.Column("actor_pseudonym", sa.String(length=32), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("refused_at", storage.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_at", storage.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("refused_at")
    with op.batch_alter_table("report_events") as batch:
        batch.drop_column("actor_pseudonym")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("reporter_pseudonym")
