"""Emptying the database between tests, keeping the reference data the migration loaded.

On PostgreSQL a TRUNCATE of every table (with RESTART IDENTITY) costs about a third of a second under
load, as each truncated table gets new files; most tests touch a few tables. So only the tables
that hold rows are emptied, with DELETE, and only the sequences a test drew from are set back to
their start: the same empty, renumbered database for the next test, for a few milliseconds.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.models import ALL_TABLES

# Reference data loaded by the migration; every other table is emptied between tests.
KEEP = {"provinces", "districts", "place_aliases", "border_crossings", "alembic_version"}
# Children before parents, so no DELETE trips a foreign key.
TABLES = [t.name for t in reversed(ALL_TABLES.sorted_tables) if t.name not in KEEP]

_OWNED_SEQUENCES = text(
    """
    SELECT DISTINCT d.objid::bigint FROM pg_depend d
    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    JOIN pg_class t ON t.oid = d.refobjid
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(:tables)
    """
)
_NON_EMPTY = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in TABLES)
# pg_sequences.last_value is null until a sequence is drawn from after its (re)start.
_RESTART_DRAWN = text(
    """
    SELECT setval(p.seqrelid, p.seqstart, false) FROM pg_sequence p
    JOIN pg_class s ON s.oid = p.seqrelid
    JOIN pg_sequences v ON v.schemaname = current_schema() AND v.sequencename = s.relname
    WHERE p.seqrelid::bigint = ANY(:ids) AND v.last_value IS NOT NULL
    """
)


class Emptier:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._sequences: list[int] | None = None

    async def __call__(self) -> None:
        async with self.db.engine.begin() as conn:
            if self.db.is_sqlite:
                for name in TABLES:
                    await conn.execute(text(f'DELETE FROM "{name}"'))
            else:
                await self._empty_postgres(conn)

    async def _empty_postgres(self, conn: AsyncConnection) -> None:
        if self._sequences is None:
            self._sequences = list((await conn.execute(_OWNED_SEQUENCES, {"tables": TABLES})).scalars())
        filled = set((await conn.execute(text(_NON_EMPTY))).scalars())
        for name in TABLES:
            if name in filled:
                await conn.execute(text(f'DELETE FROM "{name}"'))
        await conn.execute(_RESTART_DRAWN, {"ids": self._sequences})
