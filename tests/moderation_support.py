"""Shared by the roles, invites and moderation tests: a bot whose emulator does not rate-limit
(these tests send many commands in one chat quickly; limits are the sender's tests' business), and
helpers to make pending reports and reply to ForceReply prompts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.emulator import Limits
from storage.db import Database
from tests.harness import BotHarness, SimUser

RELAXED = Limits(global_per_second=10_000, chat_per_second=10_000.0, chat_burst=10_000)


@pytest.fixture(name="bot")
async def relaxed_bot(db: Database) -> AsyncIterator[BotHarness]:
    harness = await BotHarness.create(db, limits=RELAXED, admin_ids="")
    yield harness
    await harness.close()


async def reply(user: SimUser, text: str) -> None:
    """Answer the newest bot message by replying to it, as a Telegram client does under ForceReply."""
    state = user.state
    prompt = user.replies[-1]
    message = state._user_message(user.id, text=text)
    message["reply_to_message"] = state.message_json(prompt)
    await user.bot.process(state.push_update({"message": message}))
