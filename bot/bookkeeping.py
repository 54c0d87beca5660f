"""One update's bookkeeping in as few transactions as its rules allow (issue 17).

Every update used to pay for about four short transactions: the caller's load, the draft, one per
message id logged for /wipe, and the "handled" mark after the handlers. Now:

- The report flow's update has one transaction of its own (`transaction`): the session the access
  layer read the caller in (`hold`) and the draft change, committed before the reply, so an answer
  is stored before it is acknowledged.
- A message the bot sends is logged at once (`chat_log.record`), so /wipe can delete it even when
  its handler then fails; the ids the update noted before (the person's message) go in the same
  statement.
- `finish`, after the handlers, writes what is left: noted ids and the "handled" mark, in one
  transaction. The mark stays after the reply: an update delivered again after a crash between the
  commit and the reply meets the draft's replay guard and gets its screen again. (Carrying it in
  the report flow's transaction was tried: one more round trip inside SQLite's write lock starved
  writers under a burst of 50 reporters, "database is locked".)

An update whose handler does not continue the access layer's session has it ended at once
(`release`), so it holds no connection while another session runs. Outside an update (a job, a
script) nothing is noted: `chat_log.record` writes at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from storage.chat_log import ChatLogRepository, ChatRow
from storage.db import Database
from storage.updates import SeenUpdateRepository


@dataclass
class Book:
    """What the update being handled has noted and not yet written."""

    db: Database
    update_id: int | None
    chat_rows: list[ChatRow] = field(default_factory=list)
    # The session the access layer opened, held for the update's own transaction (`hold`).
    held: AbstractAsyncContextManager[AsyncSession] | None = None
    held_session: AsyncSession | None = None
    closed: bool = False

    async def write_rows(self, session: AsyncSession) -> None:
        rows, self.chat_rows = self.chat_rows, []
        if rows:
            await ChatLogRepository(session).record_many(rows)


_book: ContextVar[Book | None] = ContextVar("khabar_update_book", default=None)


def open_book(db: Database, update_id: int | None) -> Token[Book | None]:
    return _book.set(Book(db, update_id))


def current() -> Book | None:
    """The open book of the update being handled, or None (a job, a script, a finished update)."""
    book = _book.get()
    return book if book is not None and not book.closed else None


async def hold(db: Database) -> AsyncSession:
    """A session for the access layer's reads that the update's own transaction then continues
    (`transaction`), or that `release` or `finish` ends."""
    book = current()
    if book is None:
        raise RuntimeError("hold() is for the update being handled (open_book)")
    if book.held_session is None:
        manager = db.session()
        book.held_session = await manager.__aenter__()
        book.held = manager
    return book.held_session


async def release(*, failed: BaseException | None = None) -> None:
    """End the held session now: commit it (a new caller's row), or roll it back on `failed`.
    For an update whose handler does not continue it, so it holds no connection meanwhile."""
    book = current()
    if book is None or book.held is None:
        return
    manager, session = book.held, book.held_session
    book.held = book.held_session = None
    if failed is not None or session is None:
        failed = failed or RuntimeError("no session")
        await manager.__aexit__(type(failed), failed, failed.__traceback__)
    else:
        await manager.__aexit__(None, None, None)


@asynccontextmanager
async def transaction(db: Database) -> AsyncIterator[AsyncSession]:
    """The update's own transaction: the held session when there is one, else a new one; it commits
    when the block ends. The chat-log rows noted so far wait for `finish` (one statement for all)."""
    book = current()
    if book is not None and book.held is not None:
        manager, session = book.held, book.held_session
        book.held = book.held_session = None
    else:
        manager = db.session()
        session = await manager.__aenter__()
    assert session is not None
    try:
        yield session
    except BaseException as exc:
        await manager.__aexit__(type(exc), exc, exc.__traceback__)
        raise
    await manager.__aexit__(None, None, None)


def note_chat_row(row: ChatRow) -> bool:
    """Note a message id for the update's next write; False outside an update (write it now)."""
    book = current()
    if book is None:
        return False
    book.chat_rows.append(row)
    return True


async def write_noted(session: AsyncSession, *rows: ChatRow) -> None:
    """Write the rows noted so far, and `rows`, in `session`, in one statement (a reader of the chat
    log wants them there, or a message was just sent)."""
    book = current()
    if book is not None:
        book.chat_rows.extend(rows)
        await book.write_rows(session)
    elif rows:
        await ChatLogRepository(session).record_many(list(rows))


async def finish(token: Token[Book | None], *, handled: bool) -> None:
    """After the update: the noted message ids and, when `handled`, the mark that it was, in one
    transaction (the held session's when the handler did not end it)."""
    book = _book.get()
    try:
        if book is None or book.closed:
            return
        book.closed = True
        if book.held is not None and not handled:
            manager, book.held, book.held_session = book.held, None, None
            await manager.__aexit__(RuntimeError, RuntimeError("update not handled"), None)
        if book.held is not None:
            manager, session = book.held, book.held_session
            book.held = book.held_session = None
        else:
            if not book.chat_rows and not (handled and book.update_id is not None):
                return
            manager = book.db.session()
            session = await manager.__aenter__()
        assert session is not None
        try:
            await book.write_rows(session)
            if handled and book.update_id is not None:
                await SeenUpdateRepository(session).mark(book.update_id)
        except BaseException as exc:
            await manager.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        await manager.__aexit__(None, None, None)
    finally:
        _book.reset(token)
