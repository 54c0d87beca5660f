"""Which messages each private chat holds, both sides, so /wipe can delete them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.chat_log import ChatLogRepository


async def record(session: AsyncSession, chat_id: int, message_id: int, *, from_bot: bool) -> None:
    await ChatLogRepository(session).record(chat_id, message_id, from_bot=from_bot)


async def since(session: AsyncSession, chat_id: int, after: datetime) -> list[int]:
    return await ChatLogRepository(session).since(chat_id, after)


async def forget(session: AsyncSession, chat_id: int, message_ids: list[int]) -> None:
    await ChatLogRepository(session).forget(chat_id, message_ids)
