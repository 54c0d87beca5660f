"""Which messages each private chat holds, both sides, so /wipe can delete them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import bookkeeping
from storage.chat_log import ChatLogRepository, ChatRow
from storage.db import Database
from storage.models import utcnow


async def record(db: Database, chat_id: int, message_id: int, *, from_bot: bool) -> None:
    """Log a message id. A message the bot sent is logged at once, so /wipe can delete it even when
    its handler or the process then fails; a received one waits for the update's next write
    (`bot.bookkeeping`), and is logged at once outside an update."""
    row = ChatRow(chat_id, message_id, from_bot, utcnow())
    if not from_bot and bookkeeping.note_chat_row(row):
        return
    async with db.session() as session:
        await bookkeeping.write_noted(session, row)


async def of_chat(session: AsyncSession, chat_id: int) -> list[tuple[int, datetime]]:
    """Every logged message of the chat, oldest first: (message id, when); the ids the update being
    handled noted are written first."""
    await bookkeeping.write_noted(session)
    return await ChatLogRepository(session).of_chat(chat_id)


async def forget(session: AsyncSession, chat_id: int, message_ids: list[int]) -> None:
    await ChatLogRepository(session).forget(chat_id, message_ids)
