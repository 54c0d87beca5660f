"""Which messages each private chat holds, both sides, so /wipe can delete them."""

from __future__ import annotations

from datetime import datetime

from storage.chat_log import forget_alone, of_chat_alone, record_alone
from storage.db import Database


async def record_received(db: Database, chat_id: int, message_id: int) -> None:
    """A message the person sent, logged in a transaction of its own as the update comes in."""
    await record_alone(db, chat_id, message_id, from_bot=False)


async def record_sent(db: Database, chat_id: int, message_id: int) -> None:
    """A message the bot just sent, logged at once in a transaction of its own: /wipe keeps it even
    when the handler fails after it."""
    await record_alone(db, chat_id, message_id, from_bot=True)


async def of_chat(db: Database, chat_id: int) -> list[tuple[int, datetime]]:
    """Every logged message of the chat, oldest first: (message id, when)."""
    return await of_chat_alone(db, chat_id)


async def forget(db: Database, chat_id: int, message_ids: list[int]) -> None:
    """Forget these ids of the chat at once, in a transaction of their own."""
    await forget_alone(db, chat_id, message_ids)
