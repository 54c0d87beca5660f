"""Which messages each private chat holds, both sides, so /wipe can delete them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.chat_log import ChatLogRepository
from storage.db import Executor


async def record(session: Executor, chat_id: int, message_id: int, *, from_bot: bool) -> None:
    await ChatLogRepository(session).record(chat_id, message_id, from_bot=from_bot)


async def of_chat(session: AsyncSession, chat_id: int) -> list[tuple[int, datetime]]:
    """Every logged message of the chat, oldest first: (message id, when)."""
    return await ChatLogRepository(session).of_chat(chat_id)


async def forget(session: AsyncSession, chat_id: int, message_ids: list[int]) -> None:
    await ChatLogRepository(session).forget(chat_id, message_ids)
