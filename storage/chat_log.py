"""Message ids of private chats (never text), so /wipe can delete both sides of a conversation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.db import INLINE, Database, insert_or_skip
from storage.models import ChatMessage, utcnow


def _row(chat_id: int, message_id: int, from_bot: bool) -> dict[str, Any]:
    return {
        "chat_id": chat_id,
        "message_id": message_id,
        "from_bot": from_bot,
        "report_flow": False,
        "at": utcnow(),
    }


_TABLE = ChatMessage.__table__  # type: ignore[attr-defined]
# A wipe (after every submitted report, by default) reads a chat's ids and forgets them: built once.
# The read is by the indexed chat id, of the few ids of the last 48 hours (older ones are forgotten
# by the retention job), so it runs inline on SQLite.
_OF_CHAT = (
    select(col(ChatMessage.message_id), col(ChatMessage.at))
    .where(col(ChatMessage.chat_id) == bindparam("chat"))
    .order_by(col(ChatMessage.message_id))
    .execution_options(**INLINE)
)
_FORGET = delete(_TABLE).where(
    _TABLE.c.chat_id == bindparam("chat"), _TABLE.c.message_id.in_(bindparam("ids", expanding=True))
)


async def of_chat_alone(db: Database, chat_id: int) -> list[tuple[int, datetime]]:
    """Every logged message of the chat, oldest first: (message id, when). A read of its own."""
    rows = await db.read(_OF_CHAT, {"chat": chat_id})
    return [(int(message_id), at) for message_id, at in rows]


async def forget_alone(db: Database, chat_id: int, message_ids: list[int]) -> None:
    """Forget these ids of the chat, in a transaction of its own (a wipe done)."""
    if message_ids:
        await db.write(_FORGET, {"chat": chat_id, "ids": message_ids})


async def record_alone(db: Database, chat_id: int, message_id: int, *, from_bot: bool) -> None:
    """`ChatLogRepository.record` in a transaction of its own (a message just sent)."""
    await db.write(
        insert_or_skip(db.engine, _TABLE, "chat_id", "message_id"), _row(chat_id, message_id, from_bot)
    )


class ChatLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, chat_id: int, message_id: int, *, from_bot: bool) -> None:
        stmt = insert_or_skip(self.session, _TABLE, "chat_id", "message_id")
        await self.session.execute(stmt, _row(chat_id, message_id, from_bot))

    async def since(self, chat_id: int, after: datetime) -> list[int]:
        stmt = (
            select(col(ChatMessage.message_id))
            .where(col(ChatMessage.chat_id) == chat_id, col(ChatMessage.at) >= after)
            .order_by(col(ChatMessage.message_id))
        )
        return list((await self.session.execute(stmt)).scalars())

    async def forget_before(self, cutoff: datetime) -> int:
        """Forget every id logged before `cutoff` (Telegram no longer lets the bot delete them)."""
        result = await self.session.execute(delete(ChatMessage).where(col(ChatMessage.at) < cutoff))
        return int(getattr(result, "rowcount", 0))
