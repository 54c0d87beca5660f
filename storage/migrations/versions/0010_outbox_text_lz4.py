"""outbox text compressed with lz4 on PostgreSQL

A day's digests for 10,000 subscribers are ~90,000 outbox rows of up to 4,096 characters (430 MB):
each is compressed as it is written, and pglz, the default, took ~10 s of the server's time for
them where lz4 took ~2.5-6 s (on this 2-core machine). Only new values are compressed with it; a
server without lz4 (built without it, or before PostgreSQL 14) keeps pglz. Nothing on SQLite.

Revision ID: 0010_outbox_text_lz4
Revises: 0009_report_search
Create Date: 2026-11-30 05:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_outbox_text_lz4"
down_revision: str | None = "0009_report_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _compression(method: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Dynamic SQL: before PostgreSQL 14 the statement does not parse, and the block must still run.
    op.execute(
        "DO $$ BEGIN "
        f"EXECUTE 'ALTER TABLE outbox ALTER COLUMN text SET COMPRESSION {method}'; "
        "EXCEPTION WHEN feature_not_supported OR syntax_error THEN NULL; END $$"
    )


def upgrade() -> None:
    _compression("lz4")


def downgrade() -> None:
    _compression("default")
