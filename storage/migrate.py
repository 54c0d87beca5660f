"""Schema upgrades through Alembic, run in-process, plus the gazetteer load. Idempotent."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.db import Database
from storage.gazetteer import load_gazetteer

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant will do; it keeps two instances from upgrading one PostgreSQL database at once.
_PG_LOCK = 0x6B686162


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


async def upgrade(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade)
    await load_gazetteer(db)


async def upgrade_from_empty(db: Database) -> None:
    """Drop every table and build the schema anew: for tests and benchmarks on a scratch database.
    On PostgreSQL the public schema goes with all it holds; SQLite callers pass a new file."""
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(db)
