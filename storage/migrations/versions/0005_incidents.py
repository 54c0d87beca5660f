"""incidents: reports that are facets of one incident share an incident id

The id is the reference of the incident's first report; a report on its own has none (exports
then give its own reference as its incident).

Revision ID: 0005_incidents
Revises: 0004_forms_fit_reality
Create Date: 2026-11-29 23:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_incidents"
down_revision: str | None = "0004_forms_fit_reality"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("incident_id", sa.String(length=16), nullable=True))
        batch.create_index("ix_reports_incident_id", ["incident_id"])


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_index("ix_reports_incident_id")
        batch.drop_column("incident_id")
