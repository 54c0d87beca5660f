"""Fixtures: one migrated database per run (SQLite, or PostgreSQL at TEST_DATABASE_URL), emptied
between tests, and a started bot with the emulator for each test that asks for one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.emulator import EmulatorServer
from storage.db import Database
from storage.migrate import upgrade_from_empty
from storage.models import ALL_TABLES
from tests.harness import BotHarness

# Reference data loaded by the migration; every other table is emptied between tests.
_KEEP = {"provinces", "districts", "place_aliases", "border_crossings", "alembic_version"}


def _test_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    folder = Path(tempfile.mkdtemp(prefix="khabar-test-"))
    return f"sqlite+aiosqlite:///{folder / 'test.db'}"


@pytest.fixture(scope="session")
def database_url() -> str:
    return _test_url()


@pytest.fixture(scope="session")
async def session_db(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await upgrade_from_empty(db)
    yield db
    await db.dispose()


@pytest.fixture
async def db(session_db: Database) -> AsyncIterator[Database]:
    yield session_db
    tables = [t.name for t in reversed(ALL_TABLES.sorted_tables) if t.name not in _KEEP]
    async with session_db.engine.begin() as conn:
        if session_db.is_sqlite:
            for name in tables:
                await conn.execute(text(f'DELETE FROM "{name}"'))
        else:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def emulator() -> AsyncIterator[EmulatorServer]:
    """A bare emulator, for tests that run `khabar` as a process or talk to it with PTB's Bot."""
    server = EmulatorServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(db: Database) -> AsyncIterator[BotHarness]:
    harness = await BotHarness.create(db, admin_ids="")
    yield harness
    await harness.close()
