"""SQLAlchemy's aiosqlite adapter with one trip to the connection's thread per statement.

aiosqlite runs every sqlite3 call on a thread of its own. SQLAlchemy's adapter makes four calls per
statement (open a cursor, execute, fetch the rows, close the cursor), each a hand-off to that thread
and back to the event loop (a wake-up of each side, a pipe write, the GIL changing hands), which
cost more CPU than the statements themselves: about 26 hand-offs per handled update. Here a
statement is one function run on the thread, which does all four and returns the rows; commit and
rollback stay one trip each, and none when no transaction is open (a session that only read).
Server-side cursors (streamed exports) keep SQLAlchemy's own class.

The hot path's short reads by key (the caller and the draft by primary key, a chat's log by its
indexed chat id for the wipe after a submit) carry the `INLINE` execution option and skip the thread
altogether, and a one-row bookkeeping write (`Database.write`) carries `COMMIT`
and commits in its statement's trip (`apply_options`).

Passed to `create_async_engine` as its `module` (`storage.db.Database`), so the URL stays
`sqlite+aiosqlite:`. It leans on aiosqlite's `Connection._execute` (run a function on the
connection's thread) and `_conn`, and on the shape of SQLAlchemy's adapter cursor: both versions are
pinned in the lock, and every SQLite test goes through this class.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

# What one statement brings back from the thread: description, rows, rowcount, lastrowid.
Outcome = tuple[Any, list[Any], int, int | None]


def one_statement(
    conn: sqlite3.Connection, operation: str, parameters: Any, many: bool, commit: bool
) -> Outcome:
    """Runs on the connection's thread: the whole statement, its cursor opened and closed, and the
    commit after it when `commit`."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        outcome = description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()
    if commit:
        conn.commit()
    return outcome


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement is one call on the connection's thread."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount", "commit", "inline")

    _awaitable_cursor_close = False  # there is no aiosqlite cursor left open to close

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]  # each statement opens and closes its own
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1
        # Set by `apply_options`: run on the event loop's thread; commit in the same trip.
        self.inline = False
        self.commit = False

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._run(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            return await_(self._run(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        statement = (connection._conn, operation, parameters, many, self.commit)
        async with self._adapt_connection._execute_mutex:
            if self.inline:
                outcome = one_statement(*statement)
            else:
                outcome = await connection._execute(one_statement, *statement)  # type: ignore[no-untyped-call]
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def _in_transaction(self) -> bool:
        """False when there is nothing to commit or roll back (a session that only read): sqlite3
        would do nothing, after a trip to the thread and back."""
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        return connection._connection is not None and connection._conn.in_transaction


INLINE = "sqlite_inline"
COMMIT = "sqlite_commit"


def apply_options(
    _conn: Any, cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool
) -> None:
    """`before_cursor_execute`, for two execution options:

    - `INLINE`: the statement runs on the event loop's own thread, without the two hand-offs. Only
      for short reads by key on the hot path: under WAL a reader takes no lock to wait for, and
      such a read is microseconds, where a long statement would hold every update.
    - `COMMIT`: the transaction is committed on the thread right after the statement, in the same
      trip; the commit that follows finds nothing to do. For a transaction of that one statement.
    """
    if context is None or not isinstance(cursor, OneTripCursor):
        return
    options = context.execution_options
    cursor.inline = bool(options.get(INLINE))
    cursor.commit = bool(options.get(COMMIT))


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module for `create_async_engine(module=...)`: aiosqlite, with `OneTripCursor`."""

    def connect(self, *arg: Any, **kw: Any) -> _Connection:
        # The inline reads use the connection from the event loop's thread, one statement at a time
        # under the adapter's mutex, never while its own thread runs one.
        connection = aiosqlite.connect(*arg, **{**kw, "check_same_thread": False})
        connection._thread.daemon = True  # as SQLAlchemy's own adapter: never hold up exit
        return _Connection(self, await_(connection))  # type: ignore[arg-type]


def dbapi() -> OneTripDbapi:
    return OneTripDbapi(aiosqlite, sqlite3)
