"""How updates are scheduled: different chats at the same time, one chat's updates in order.

A reporter's answers must be applied in the order they were typed (the draft's replay guard would
drop an earlier answer that arrived after a later one), so one chat's updates run one after another.
But one person's slow step (an admin's large export, a reply waiting out Telegram's flood control)
must not hold up everyone else, so different chats run side by side.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates handled at once across all chats. Each may hold a database connection while it runs:
# this stays under the PostgreSQL pool (10 + 10 overflow), which the background jobs share.
MAX_CONCURRENT = 16
# Updates accepted from Telegram and waiting for their chat's turn or a slot (a burst's worth).
WAITING = 4096


def chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class PerChatOrder(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT) -> None:
        # PTB's own bound is taken before the chat's turn; ours after it (below), so a chat that
        # sends many updates at once waits in its own line without taking the slots others need.
        super().__init__(WAITING)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int | None, asyncio.Lock] = {}
        self._users: dict[int | None, int] = {}  # updates holding or awaiting each chat's lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
