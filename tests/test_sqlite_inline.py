"""SQLite reads marked INLINE run on the event loop's own thread; every other statement, and every
commit, on the connection's aiosqlite thread (storage/sqlite_driver.py)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event, func, select

from storage.db import INLINE, Database
from storage.users import UserRepository, caller_unless_seen


@pytest.fixture
def sqlite_db(db: Database) -> Database:
    if not db.is_sqlite:
        pytest.skip("a SQLite connection's threads")
    return db


async def _thread_of(db: Database, *, inline: bool) -> int:
    statement = select(func.khabar_thread())
    if inline:
        statement = statement.execution_options(**INLINE)
    async with db.session() as session:
        return int((await session.execute(statement)).scalar_one())


async def test_an_inline_read_runs_on_the_loop_thread_and_others_on_the_connection_thread(
    sqlite_db: Database,
) -> None:
    def add_function(dbapi_connection: Any, _record: Any) -> None:
        # The function answers with the thread that runs the statement calling it.
        dbapi_connection._connection._conn.create_function("khabar_thread", 0, threading.get_ident)

    await sqlite_db.engine.dispose()  # connections made from here on get the function
    event.listen(sqlite_db.engine.sync_engine, "connect", add_function)
    try:
        assert await _thread_of(sqlite_db, inline=True) == threading.get_ident()
        assert await _thread_of(sqlite_db, inline=False) != threading.get_ident()
    finally:
        event.remove(sqlite_db.engine.sync_engine, "connect", add_function)
        await sqlite_db.engine.dispose()


async def test_inline_reads_see_what_the_threaded_writes_committed(sqlite_db: Database) -> None:
    async with sqlite_db.session() as session:
        await UserRepository(session).set_role(7001, "reporter")
    account, replayed = await caller_unless_seen(sqlite_db, 7001, 1)  # an INLINE read
    assert account is not None and account.role == "reporter" and not replayed
