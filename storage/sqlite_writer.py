"""One-statement writes on SQLite without SQLAlchemy's execution path, on a connection of their own.

Every update's bookkeeping is one-row INSERTs that each commit alone (`Database.write`): the seen
mark and each message's chat-log entry, two or three per update. Through a SQLAlchemy `Connection`
one cost ~240 us of CPU, of which SQLite's own work and the hand-off to aiosqlite's thread are
~100 us: the rest was the pool checkout, an execution context, a result and events built per call
for a statement that returns nothing. Here a statement is compiled once, by SQLAlchemy's own
compiler and the columns' own bind processing (so the SQL and the stored values are the ORM's),
and each call is its parameters processed and one trip to an autocommit aiosqlite connection kept
for these writes. A statement this cannot run as it stands (an expanding IN list, RETURNING, a
column filled by a default) is left to SQLAlchemy: `write` answers False.

Under WAL this connection writes like any other: SQLite takes its write lock per statement, and the
busy timeout waits out a session's open transaction, on this connection's thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import aiosqlite
from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from storage.sqlite_driver import one_statement


@dataclass(frozen=True, slots=True)
class _Prepared:
    sql: str
    keys: tuple[str, ...]  # the parameters in the statement's order
    processors: tuple[Callable[[Any], Any] | None, ...]  # each one's bind processing, if any

    def arguments(self, parameters: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            parameters[key] if process is None else process(parameters[key])
            for key, process in zip(self.keys, self.processors, strict=True)
        )


# Statements come built once (`insert_or_skip`, module constants): a bound keeps a caller that
# builds one per call from growing this without end.
@lru_cache(maxsize=64)
def _prepared(statement: Executable, keys: frozenset[str], dialect: Dialect) -> _Prepared | None:
    if not isinstance(statement, ClauseElement):
        return None
    compiled = statement.compile(dialect=dialect, column_keys=sorted(keys))
    if not isinstance(compiled, SQLCompiler):
        return None
    order = compiled.positiontup
    if (
        order is None
        or not set(order) <= keys  # a default would fill the rest: SQLAlchemy's execution does that
        or compiled.post_compile_params
        or compiled.literal_execute_params
        or compiled.effective_returning
    ):
        return None
    types = [compiled.binds[key].type.dialect_impl(dialect) for key in order]
    return _Prepared(compiled.string, tuple(order), tuple(kind.bind_processor(dialect) for kind in types))


class SqliteWriter:
    """An autocommit aiosqlite connection to the database file, opened at the first write."""

    def __init__(
        self, database: str, dialect: Dialect, prepare: Callable[[sqlite3.Connection, Any], None]
    ) -> None:
        self._database = database
        self._dialect = dialect
        self._prepare = prepare  # the engine's "connect" listener: the pragmas each connection gets
        self._connection: aiosqlite.Connection | None = None
        self._opening = asyncio.Lock()

    async def write(self, statement: Executable, parameters: Mapping[str, Any]) -> bool:
        """Run `statement` with `parameters`, committed; False (nothing run) when it needs SQLAlchemy."""
        prepared = _prepared(statement, frozenset(parameters), self._dialect)
        if prepared is None:
            return False
        arguments = prepared.arguments(parameters)
        connection = self._connection or await self._open()
        try:
            # One trip to the connection's thread: the statement, its cursor opened and closed.
            await connection._execute(one_statement, connection._conn, prepared.sql, arguments, False, False)  # type: ignore[no-untyped-call]
        except sqlite3.Error as error:
            # The error SQLAlchemy would have raised, so callers see one kind whichever path ran.
            raise DBAPIError.instance(prepared.sql, arguments, error, sqlite3.Error) from error
        return True

    async def _open(self) -> aiosqlite.Connection:
        async with self._opening:
            if self._connection is None:
                connection = aiosqlite.connect(self._database, isolation_level=None)
                connection._thread.daemon = True  # as the engine's connections: never hold up exit
                await connection
                await connection._execute(self._prepare, connection._conn, None)  # type: ignore[no-untyped-call]
                self._connection = connection
            return self._connection

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()
