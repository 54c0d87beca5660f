"""The async engine and sessions, for SQLite (aiosqlite, WAL) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import Executable, Row, Select, event, inspect, text
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlalchemy.util import greenlet_spawn
from sqlmodel import SQLModel

from storage import sqlite_driver
from storage.sqlite_writer import SqliteWriter

_Row = TypeVarTuple("_Row")  # the types of a row's columns
_Model = TypeVar("_Model", bound=SQLModel)
# Execution options of a read by primary key that SQLite runs on the event loop's thread
# (`sqlite_driver.apply_options`); PostgreSQL ignores them.
INLINE = {sqlite_driver.INLINE: True}
_COMMIT_IN_TRIP = {sqlite_driver.COMMIT: True}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the sender read while a reporter's answer is written; busy_timeout rides out the
    # short write locks instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# PostgreSQL: a connection that sat in the pool longer than this is checked with a ping before use,
# so one that died with a server restart is replaced instead of failing an update. pool_pre_ping
# checked every checkout, and asyncpg's ping is three round trips (BEGIN, a statement, ROLLBACK):
# half of a handled update's round trips went on pings of connections in use a moment before.
PING_AFTER_IDLE_SECONDS = 10.0


def _idle_from_now(_dbapi_connection: Any, record: Any) -> None:
    """A connection just opened or checked in: its idle time counts from now."""
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    if time.monotonic() - record.info.get("idle_since", 0.0) <= PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:  # the pool then discards it and takes another (SQLAlchemy's recipe)
        raise DisconnectionError() from exc


def _private_file(path: Path) -> None:
    """The SQLite file (so its WAL and SHM) and a folder made for it are the owner's alone
    (0600/0700; review finding 9): the process umask would leave them world-readable."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    # SQLite gives the WAL and SHM files the database file's mode, so the file is enough. An existing
    # file is never opened here: closing any descriptor of a database file drops every POSIX lock
    # this process holds on it, under the feet of an engine already using it.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    os.chmod(path, 0o600)


def insert_or_skip(session: AsyncSession | AsyncEngine, table: Any, *keys: str) -> PgInsert | SqliteInsert:
    """INSERT that skips a row whose `keys` already exist (ON CONFLICT DO NOTHING), on either
    database: one statement, where a savepoint and a caught IntegrityError took three. Built once
    per table and database: a caller on the hot path passes its row as the execute parameters, so
    no statement is constructed (nor its cache key computed) per call."""
    bind = session.bind if isinstance(session, AsyncSession) else session
    dialect = bind.dialect.name if bind is not None else "sqlite"
    return _insert_or_skip(dialect, table, keys)


@cache
def _insert_or_skip(dialect: str, table: Any, keys: tuple[str, ...]) -> PgInsert | SqliteInsert:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=list(keys))


def as_loaded(model: type[_Model], values: Mapping[Any, Any]) -> _Model:
    """The `model` instance the ORM would have loaded from a row holding `values` (its columns by
    name; other keys are left out), detached: for a read on the hot path done in Core, whose caller
    still wants the model. Built as the ORM builds a loaded object (the class's instance factory,
    which sets SQLModel's private attributes), in ~7 us where the model's __init__ took ~50 us. A
    session it is later added to writes only what changed after this."""
    manager, keys = _loader(model)
    instance: _Model = manager.new_instance()
    fields = instance.__dict__
    for key in keys:
        fields[key] = values[key]
    make_transient_to_detached(instance)
    return instance


@cache
def _loader(model: type[Any]) -> tuple[Any, tuple[str, ...]]:
    # The attributes are instrumented when the mappers are configured, which the ORM's first query
    # would have done: in a process whose first read is this one, nothing has yet.
    configure_mappers()
    mapper = inspect(model)
    return mapper.class_manager, tuple(mapper.columns.keys())


def sqlite_file(url: str) -> str | None:
    """The database file of a SQLite URL; None for PostgreSQL and for in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return parsed.database


class Database:
    """One engine per process; `session()` yields a unit of work that commits or rolls back."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        file = sqlite_file(url)
        if self.is_sqlite:
            if file is not None:
                _private_file(Path(file))
                # Room for every update handled at once (16) and the jobs: past the default 5, a
                # connection was opened (a thread, the file, the pragmas) and closed for a burst.
                kwargs.update(pool_size=20, max_overflow=10)
            # Every connection comes back committed or rolled back (sessions end in one or the
            # other, and a Connection rolls back its own open transaction on close), so the pool's
            # extra ROLLBACK on return was only a trip to aiosqlite's thread per transaction.
            kwargs["pool_reset_on_return"] = None
            kwargs["module"] = sqlite_driver.dbapi()  # one trip to aiosqlite's thread per statement
        else:
            kwargs.update(pool_size=10, max_overflow=10)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        # A file's one-statement writes (`write`); in-memory SQLite has no file a second connection
        # could open.
        self._writer = None if file is None else SqliteWriter(file, self.engine.dialect, _sqlite_pragmas)
        sync = self.engine.sync_engine
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        if self.is_sqlite:
            event.listen(sync, "connect", _sqlite_pragmas)
            event.listen(sync, "before_cursor_execute", sqlite_driver.apply_options)
            # Each statement commits in its own trip to aiosqlite's thread (`COMMIT`), where the
            # COMMIT after a write was a second trip.
            autocommit = self.engine.execution_options(**_COMMIT_IN_TRIP)
        else:
            for name in ("connect", "checkin"):
                event.listen(sync.pool, name, _idle_from_now)
            event.listen(sync.pool, "checkout", _ping_if_idle)
            # Statements that each stand alone, without the BEGIN and COMMIT round trips.
            autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        # The same engine serves `write` and `read`: a statement standing alone on either database.
        self._autocommit: Engine = autocommit.sync_engine

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work, committed at the end or rolled back on error."""
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def write(self, statement: Executable, parameters: Mapping[str, Any]) -> None:
        """Run one statement in a transaction of its own and commit it: for bookkeeping writes of
        one row (the seen mark, the chat log of a sent message). The whole transaction (checkout,
        statement, commit, checkin) is one synchronous call on the greenlet bridge that SQLAlchemy's
        asyncio layer uses, where an `AsyncSession` or `AsyncConnection` crosses it for each step:
        ~350 -> ~250 us of CPU per write on SQLite. A SQLite file's writes skip even that
        (`storage.sqlite_writer`: ~240 -> ~110 us)."""
        if self._writer is None or not await self._writer.write(statement, parameters):
            await greenlet_spawn(self._write, statement, parameters)

    def _write(self, statement: Executable, parameters: Mapping[str, Any]) -> None:
        # One statement is atomic by itself and commits with it: PostgreSQL needs no BEGIN and
        # COMMIT round trips, SQLite commits in the statement's trip (the close then finds no
        # transaction to roll back).
        with self._autocommit.connect() as connection:
            connection.execute(statement, parameters)

    async def read(self, statement: Select[*_Row], parameters: Mapping[str, Any]) -> Sequence[Row[*_Row]]:
        """The rows of one read standing alone, without a session: checkout, statement, checkin in
        one synchronous call on the greenlet bridge, as `write` (on SQLite ~390 -> ~150 us of CPU
        for the chat log of a wipe; on PostgreSQL without the BEGIN and ROLLBACK round trips)."""
        return await greenlet_spawn(self._read, statement, parameters)

    def _read(self, statement: Select[*_Row], parameters: Mapping[str, Any]) -> Sequence[Row[*_Row]]:
        with self._autocommit.connect() as connection:
            return connection.execute(statement, parameters).all()

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        if self._writer is not None:
            await self._writer.close()
        await self.engine.dispose()
