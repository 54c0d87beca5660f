"""Fixtures: one migrated database per run (SQLite, or PostgreSQL at TEST_DATABASE_URL), emptied
between tests; one emulator per run, reset between tests; and a started bot for each test that asks.

The bots, by what they differ in:

=================  ===============================  ===========================================
fixture            emulator limits                  digest/alert ticks and outbox sender
=================  ===============================  ===========================================
``bot``            Telegram's (1/s a chat), `FAST`  running, as in production
``relaxed_bot``    none (`RELAXED`), `FAST`         off
``limited_bot``    Telegram's (30/s, 1/s a chat)    off
``bot_factory``    ``limits=``                      ``background_jobs=``; any other setting too
=================  ===============================  ===========================================

`FAST` (tests.harness): Telegram's overall limit, the bot's send budget and the sender's rate at ten
times their real figures; the sender's and burst tests (`limited_bot`, `bot_factory`) keep them real.

`relaxed_bot` is for chat-driven tests that send many commands in one chat at machine speed; with
the ticks and the sender off, what they queue stays in the outbox for the test to read (a notice
delivered mid-test would race with assertions on a chat's last message). `limited_bot` is for the
sender's and the burst tests, which run the sender themselves against the real limits.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any, Protocol

import pytest

from bot.emulator import EmulatorServer, Limits
from storage.db import Database
from storage.migrate import upgrade_from_empty
from tests.cleanup import Emptier
from tests.harness import FAST, RELAXED, BotHarness, fast_limits
from tests.parallel import use_worker_database


def pytest_configure(config: pytest.Config) -> None:
    use_worker_database()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the long-running tests first: under `-n 2` one worker takes them while the other runs
    the rest, instead of one of them ending the run alone."""
    items.sort(key=lambda item: item.get_closest_marker("long_running") is None)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    # Under pytest's own temporary root, which keeps the last few runs and removes older ones.
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('khabar-test') / 'test.db'}"


@pytest.fixture(scope="session")
async def session_db(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await upgrade_from_empty(db)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
def emptier(session_db: Database) -> Emptier:
    return Emptier(session_db)


@pytest.fixture
async def db(session_db: Database, emptier: Emptier) -> AsyncIterator[Database]:
    yield session_db
    await emptier()


@pytest.fixture
async def emulator() -> AsyncIterator[EmulatorServer]:
    """A bare emulator, for tests that run `khabar` as a process or talk to it with PTB's Bot."""
    server = EmulatorServer()
    await server.start()
    yield server
    await server.stop()


class BotFactory(Protocol):
    async def __call__(
        self, *, limits: Limits | None = None, background_jobs: bool = True, **settings: Any
    ) -> BotHarness: ...


@pytest.fixture(scope="session")
async def shared_emulator() -> AsyncIterator[EmulatorServer]:
    """The emulator the test bots talk to, started once; each bot resets it to a fresh state."""
    server = EmulatorServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot_factory(db: Database, shared_emulator: EmulatorServer) -> AsyncIterator[BotFactory]:
    """Makes started bots (`admin_ids` empty unless given); all are closed after the test. The first
    uses the shared emulator, any further one (two bots at once) an emulator of its own."""
    made: list[BotHarness] = []

    async def make(
        *, limits: Limits | None = None, background_jobs: bool = True, **settings: Any
    ) -> BotHarness:
        settings.setdefault("admin_ids", "")
        harness = await BotHarness.create(
            db,
            limits,
            emulator=None if made else shared_emulator,
            background_jobs=background_jobs,
            **settings,
        )
        made.append(harness)
        return harness

    yield make
    for harness in reversed(made):
        await harness.close()


@pytest.fixture
async def bot(bot_factory: BotFactory) -> BotHarness:
    return await bot_factory(limits=fast_limits(), **FAST)


@pytest.fixture
async def relaxed_bot(bot_factory: BotFactory) -> BotHarness:
    return await bot_factory(limits=RELAXED, background_jobs=False, **FAST)


@pytest.fixture
async def limited_bot(bot_factory: BotFactory) -> BotHarness:
    return await bot_factory(background_jobs=False)
