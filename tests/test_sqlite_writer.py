"""SQLite's one-statement writes without SQLAlchemy's execution (storage/sqlite_writer.py) store what
SQLAlchemy would have stored, leave to it what they cannot run, and fail as it would."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.util import greenlet_spawn

from storage.chat_log import _FORGET, _TABLE
from storage.db import Database, insert_or_skip
from storage.sqlite_writer import SqliteWriter


@pytest.fixture
def sqlite_db(db: Database) -> Database:
    if not db.is_sqlite:
        pytest.skip("SQLite's own write path")
    return db


def _writer(db: Database) -> SqliteWriter:
    writer = db._writer
    assert writer is not None
    return writer


async def _stored(db: Database, chat_id: int) -> list[tuple[object, ...]]:
    """The rows as SQLite holds them (the timestamp as its stored text), not as the ORM reads them."""
    query = "SELECT message_id, from_bot, report_flow, at FROM chat_messages WHERE chat_id = :c ORDER BY 1"
    async with db.session() as session:
        rows = await session.execute(text(query), {"c": chat_id})
        return [tuple(row) for row in rows]


async def test_a_write_stores_what_sqlalchemy_stores(sqlite_db: Database) -> None:
    statement = insert_or_skip(sqlite_db.engine, _TABLE, "chat_id", "message_id")
    # Kabul time, so the conversion to UTC shows in the stored text.
    at = datetime(2026, 11, 30, 20, 1, 2, 345678, tzinfo=timezone(timedelta(hours=4, minutes=30)))
    row = {"chat_id": 91, "message_id": 1, "from_bot": True, "report_flow": False, "at": at}
    assert await _writer(sqlite_db).write(statement, row)
    await greenlet_spawn(sqlite_db._write, statement, {**row, "message_id": 2})  # SQLAlchemy's own path
    assert await _writer(sqlite_db).write(statement, row)  # a conflict: skipped, as ON CONFLICT says

    first, second = await _stored(sqlite_db, 91)
    assert first[1:] == second[1:] == (1, 0, "2026-11-30 15:31:02.345678")
    async with sqlite_db.session() as session:
        read = (await session.execute(select(_TABLE.c.at).where(_TABLE.c.chat_id == 91))).scalars().all()
    assert read == [at.astimezone(UTC)] * 2


async def test_a_statement_it_cannot_run_as_it_stands_is_left_to_sqlalchemy(sqlite_db: Database) -> None:
    statement = insert_or_skip(sqlite_db.engine, _TABLE, "chat_id", "message_id")
    row = {"chat_id": 92, "message_id": 5, "from_bot": False, "report_flow": False, "at": datetime.now(UTC)}
    await sqlite_db.write(statement, row)
    # An expanding IN list is rendered per call by SQLAlchemy: the writer declines it ...
    assert not await _writer(sqlite_db).write(_FORGET, {"chat": 92, "ids": [5]})
    assert await _stored(sqlite_db, 92)
    # ... and Database.write runs it all the same.
    await sqlite_db.write(_FORGET, {"chat": 92, "ids": [5]})
    assert await _stored(sqlite_db, 92) == []


async def test_a_failed_write_raises_sqlalchemys_error(sqlite_db: Database) -> None:
    statement = insert_or_skip(sqlite_db.engine, _TABLE, "chat_id", "message_id")
    row = {
        "chat_id": 93,
        "message_id": None,
        "from_bot": False,
        "report_flow": False,
        "at": datetime.now(UTC),
    }
    with pytest.raises(IntegrityError):
        await sqlite_db.write(statement, row)
    assert await _stored(sqlite_db, 93) == []


async def test_writes_wait_out_a_sessions_open_transaction(sqlite_db: Database) -> None:
    statement = insert_or_skip(sqlite_db.engine, _TABLE, "chat_id", "message_id")

    def row(message_id: int) -> dict[str, object]:
        return {
            "chat_id": 94,
            "message_id": message_id,
            "from_bot": True,
            "report_flow": False,
            "at": datetime.now(UTC),
        }

    async with sqlite_db.session() as session:
        await session.execute(_TABLE.insert(), row(0))  # the session now holds SQLite's write lock
        writes = [asyncio.create_task(sqlite_db.write(statement, row(n))) for n in range(1, 21)]
        await asyncio.sleep(0.2)
        assert not any(write.done() for write in writes)  # waiting on the lock, not failed
    await asyncio.gather(*writes)
    assert [stored[0] for stored in await _stored(sqlite_db, 94)] == list(range(21))


async def test_the_writers_connection_has_the_engines_pragmas(sqlite_db: Database) -> None:
    statement = insert_or_skip(sqlite_db.engine, _TABLE, "chat_id", "message_id")
    await sqlite_db.write(
        statement,
        {"chat_id": 95, "message_id": 1, "from_bot": True, "report_flow": False, "at": datetime.now(UTC)},
    )
    connection = _writer(sqlite_db)._connection
    assert connection is not None
    pragmas = {}
    for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous"):
        (pragmas[name],) = await connection.execute_fetchall(f"PRAGMA {name}")
    # synchronous=NORMAL reads back as 1.
    assert pragmas == {
        "journal_mode": ("wal",),
        "foreign_keys": (1,),
        "busy_timeout": (10000,),
        "synchronous": (1,),
    }
