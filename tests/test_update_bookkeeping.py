"""The chat log and the seen mark: a bot message's id is logged as soon as it is sent (so /wipe
keeps it when a handler crashes midway), and every message of a handled update is logged both sides."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlmodel import col
from telegram import Update
from telegram.ext import CommandHandler

from bot.runtime.context import KhabarContext
from handlers.common import send
from storage.db import Database
from storage.models import ChatMessage, SeenUpdate
from tests.harness import BotHarness
from tests.report_helpers import reporter


async def logged(db: Database) -> list[tuple[int, int, bool]]:
    async with db.session() as session:
        rows = await session.execute(
            select(col(ChatMessage.chat_id), col(ChatMessage.message_id), col(ChatMessage.from_bot))
        )
        return sorted((int(c), int(m), bool(b)) for c, m, b in rows.all())


async def test_a_sent_id_is_logged_before_the_handler_ends_even_when_it_then_fails(bot: BotHarness) -> None:
    user = await reporter(bot, 402)
    sent, release = asyncio.Event(), asyncio.Event()

    async def halfway(update: Update, context: KhabarContext) -> None:
        await send(update, context, "first of two")
        sent.set()
        await release.wait()
        raise RuntimeError("the handler fails before its second message")

    assert bot.app is not None
    bot.app.add_handler(CommandHandler("halfway", halfway), group=-100)
    update_id = bot.emulator.state.send_text(user.id, "/halfway")
    await asyncio.wait_for(sent.wait(), 10)
    first = [m for m in bot.emulator.state.messages[user.id] if m.from_bot and m.text == "first of two"]
    assert len(first) == 1
    assert (user.id, first[0].message_id, True) in await logged(bot.db)  # while the handler still runs
    release.set()
    await bot.process(update_id)
    assert (user.id, first[0].message_id, True) in await logged(bot.db)


async def test_every_message_of_a_handled_update_is_logged_both_sides(bot: BotHarness) -> None:
    user = await reporter(bot, 401)
    await user.send("/report")
    ids = {(user.id, m.message_id, m.from_bot) for m in bot.emulator.state.messages[user.id]}
    assert ids and any(from_bot for *_, from_bot in ids)
    assert set(await logged(bot.db)) == ids
    async with bot.db.session() as session:
        assert list((await session.execute(select(SeenUpdate))).scalars())  # the update is marked seen
