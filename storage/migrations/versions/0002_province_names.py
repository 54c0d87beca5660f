"""Province names without stray spaces (Dari «کنر ها» → «کنر»)

The gazetteer is loaded from storage/gazetteer/*.csv only when the row counts change, so a corrected
name in the CSV never reaches a database loaded before the correction; this revision carries it.

Revision ID: 0002_province_names
Revises: 0001
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_province_names"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# pcode → (name as first packaged, corrected name)
RENAMED = {"AF15": ("کنر ها", "کنر")}


def upgrade() -> None:
    for pcode, (old, new) in RENAMED.items():
        op.execute(
            sa.text(
                "UPDATE provinces SET name_prs = :new WHERE pcode = :pcode AND name_prs = :old"
            ).bindparams(new=new, pcode=pcode, old=old)
        )


def downgrade() -> None:
    for pcode, (old, new) in RENAMED.items():
        op.execute(
            sa.text(
                "UPDATE provinces SET name_prs = :old WHERE pcode = :pcode AND name_prs = :new"
            ).bindparams(new=new, pcode=pcode, old=old)
        )
