"""An update's closing write: the ids of the messages the bot sent while handling it (for /wipe)
and the update's seen mark (against replays), in one transaction once the handlers are done.

Each reply used to open its own transaction to log its id, and the seen mark another: two or three
commits an update where one will do. Only what is written after the replies moves here; answers are
still stored by the handlers before they reply. A message sent outside an update (a job), or after
its update closed (a task the update left behind), is logged at once, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from bot import chat_log
from storage.db import Database
from storage.updates import SeenUpdateRepository


@dataclass
class SentLog:
    ids: list[tuple[int, int]] = field(default_factory=list)  # (chat id, message id)
    open: bool = True


_current: ContextVar[SentLog | None] = ContextVar("khabar_sent_log", default=None)


@contextmanager
def collecting() -> Iterator[SentLog]:
    """Messages sent by the code inside (and tasks it starts while open) are logged at `close`."""
    log = SentLog()
    token = _current.set(log)
    try:
        yield log
    finally:
        log.open = False
        _current.reset(token)


async def log_sent(db: Database, chat_id: int, message_id: int) -> None:
    """Remember a message the bot put in a private chat: with the update's closing write, or now."""
    log = _current.get()
    if log is not None and log.open:
        log.ids.append((chat_id, message_id))
        return
    async with db.session() as session:
        await chat_log.record(session, chat_id, message_id, from_bot=True)


async def close(db: Database, log: SentLog, update_id: int | None) -> None:
    """The update's closing transaction: its sent ids, and its seen mark when it was handled."""
    log.open = False
    if not log.ids and update_id is None:
        return
    async with db.session() as session:
        for chat_id, message_id in log.ids:
            await chat_log.record(session, chat_id, message_id, from_bot=True)
        if update_id is not None:
            await SeenUpdateRepository(session).mark(update_id)
