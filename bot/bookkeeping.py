"""One update's bookkeeping writes, fewer and together (issue 17).

Besides its handler's own transaction, an update used to write the person's message id for /wipe
(with the caller's load), each id the bot sent (one transaction each) and the "handled" mark (one
more). Now the caller's load only reads; the person's message id is noted here and written in the
same statement as the first id the bot sends (logged at once, so /wipe can delete that message even
when its handler then fails); `finish`, after the handlers, writes what is still noted together with
the mark, in one transaction. A reader of the chat log in the same update (`chat_log.of_chat`, for
/wipe) writes the noted ids first. Outside an update (a job, a script) nothing is noted.

The mark stays after the handlers: an update delivered again after a crash between a step's commit
and its reply meets the draft's replay guard and gets its screen again. (The report flow continuing
the access layer's session, so a step would be one transaction, was tried and dropped: under a
burst on SQLite, writers waited out the busy timeout, "database is locked"; not understood in time.)
"""

from __future__ import annotations

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
    """After the update's handlers: the message ids noted and not yet written and, when `handled`,
    the mark that it was, in one transaction."""
    book = _book.get()
    try:
        if book is None or book.closed:
            return
        book.closed = True
        if not book.chat_rows and not (handled and book.update_id is not None):
            return
        async with book.db.session() as session:
            await book.write_rows(session)
            if handled and book.update_id is not None:
                await SeenUpdateRepository(session).mark(book.update_id)
    finally:
        _book.reset(token)
