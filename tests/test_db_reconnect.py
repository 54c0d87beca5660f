"""A PostgreSQL connection that died while idle in the pool (a server restart, a killed backend) is
replaced before use, so the next update does not fail on it."""

from __future__ import annotations

import os

import asyncpg
import pytest
from sqlalchemy import text

from storage import db as db_module
from storage.coordination import asyncpg_dsn
from storage.db import Database

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only")


async def _backend_pid(db: Database) -> int:
    async with db.session() as session:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_killed_while_idle_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    url = os.environ["TEST_DATABASE_URL"]
    db = Database(url)
    try:
        first = await _backend_pid(db)
        killer = await asyncpg.connect(asyncpg_dsn(url))
        try:
            assert await killer.fetchval("SELECT pg_terminate_backend($1)", first)
        finally:
            await killer.close()
        monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle long enough
        assert await _backend_pid(db) != first
    finally:
        await db.dispose()
