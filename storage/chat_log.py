"""Message ids of private chats (never text), so /wipe can delete both sides of a conversation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.db import Database, insert_or_skip
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

    async def of_chat(self, chat_id: int) -> list[tuple[int, datetime]]:
        """Every logged message of the chat, oldest first: (message id, when)."""
        stmt = (
            select(col(ChatMessage.message_id), col(ChatMessage.at))
            .where(col(ChatMessage.chat_id) == chat_id)
            .order_by(col(ChatMessage.message_id))
        )
        return [(int(m), at) for m, at in (await self.session.execute(stmt)).all()]

    async def forget_before(self, cutoff: datetime) -> int:
        """Forget every id logged before `cutoff` (Telegram no longer lets the bot delete them)."""
        result = await self.session.execute(delete(ChatMessage).where(col(ChatMessage.at) < cutoff))
        return int(getattr(result, "rowcount", 0))

    async def forget(self, chat_id: int, message_ids: list[int] | None = None) -> None:
        stmt = delete(ChatMessage).where(col(ChatMessage.chat_id) == chat_id)
        if message_ids is not None:
            stmt = stmt.where(col(ChatMessage.message_id).in_(message_ids))
        await self.session.execute(stmt)
