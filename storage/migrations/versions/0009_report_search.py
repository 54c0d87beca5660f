"""report search in the database: a normalised search text per approved report, indexed

PostgreSQL matches it with pg_trgm (a GIN index serves LIKE '%word%'); SQLite with an FTS5 table
using the trigram tokenizer (SQLite 3.34 or later), an external-content index of the column that
triggers keep in step. The text is rendered by the bot (it is what readers see, in every language),
so rows approved before this migration are filled by the bot afterwards (`bot.search.fill_missing`,
run by `khabar db upgrade` and a batch per scheduler tick), found through a small partial index.

Revision ID: 0009_report_search
Revises: 0008_outbox_claimer
Create Date: 2026-11-30 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_report_search"
down_revision: str | None = "0008_outbox_claimer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE = (
    # case_sensitive 1: the text is already folded; matching stays an exact substring test.
    "CREATE VIRTUAL TABLE report_search USING fts5(search_text, content='reports', "
    "content_rowid='id', tokenize='trigram case_sensitive 1')",
    "CREATE TRIGGER reports_search_ai AFTER INSERT ON reports WHEN new.search_text IS NOT NULL BEGIN "
    "INSERT INTO report_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER reports_search_ad AFTER DELETE ON reports WHEN old.search_text IS NOT NULL BEGIN "
    "INSERT INTO report_search(report_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER reports_search_au AFTER UPDATE OF search_text ON reports BEGIN "
    "INSERT INTO report_search(report_search, rowid, search_text) "
    "SELECT 'delete', old.id, old.search_text WHERE old.search_text IS NOT NULL; "
    "INSERT INTO report_search(rowid, search_text) "
    "SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL; END",
)


def upgrade() -> None:
    op.add_column("reports", sa.Column("search_text", sa.Text(), nullable=True))
    # Approved reports still to be given a search text: empty once they all have one.
    op.create_index(
        "ix_reports_search_missing",
        "reports",
        ["id"],
        postgresql_where=sa.text("status = 'approved' AND search_text IS NULL"),
        sqlite_where=sa.text("status = 'approved' AND search_text IS NULL"),
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE:
            op.execute(statement)
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_reports_search_trgm ON reports USING gin (search_text gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("reports_search_au", "reports_search_ad", "reports_search_ai"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE report_search")
    else:
        op.execute("DROP INDEX ix_reports_search_trgm")
    op.drop_index("ix_reports_search_missing", table_name="reports")
    op.drop_column("reports", "search_text")
