"""indexes for a big reports table: a reporter's reports, export pages, approvals by time

Revision ID: 0006_big_table_indexes
Revises: 0005_incidents
Create Date: 2026-11-30 00:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_big_table_indexes"
down_revision: str | None = "0005_incidents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # /myreports and the stale-Submit lookup read one reporter's rows, newest first.
    op.create_index("ix_reports_reporter_created", "reports", ["reporter_id", "created_at", "id"])
    # Export pages (status = ? AND id > ? ORDER BY id): an ordered walk whatever the statistics say.
    op.create_index("ix_reports_status_id", "reports", ["status", "id"])
    # Digests, alerts and /search read approved reports by approval time; on approved_at alone,
    # SQLite without statistics preferred the status index and walked every approved row.
    op.create_index("ix_reports_status_approved", "reports", ["status", "approved_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_reports_status_approved", table_name="reports")
    op.drop_index("ix_reports_status_id", table_name="reports")
    op.drop_index("ix_reports_reporter_created", table_name="reports")
