"""An update's closing write: the ids of the bot's messages and the seen mark, once handled."""

from __future__ import annotations

from sqlalchemy import select

from bot.runtime import bookkeeping
from storage.db import Database
from storage.models import ChatMessage, SeenUpdate
from tests.harness import BotHarness
from tests.report_helpers import reporter


async def logged(db: Database) -> list[tuple[int, int, bool]]:
    async with db.session() as session:
        rows = await session.execute(
            select(ChatMessage.chat_id, ChatMessage.message_id, ChatMessage.from_bot)
        )
        return sorted((int(c), int(m), bool(b)) for c, m, b in rows.all())


async def test_sent_ids_wait_for_the_close_and_are_written_with_the_seen_mark(db: Database) -> None:
    with bookkeeping.collecting() as sent:
        await bookkeeping.log_sent(db, 7, 100)
        await bookkeeping.log_sent(db, 7, 101)
        assert await logged(db) == []  # nothing written while the update is being handled
    await bookkeeping.close(db, sent, 55)
    assert await logged(db) == [(7, 100, True), (7, 101, True)]
    async with db.session() as session:
        assert await session.get(SeenUpdate, 55) is not None


async def test_a_message_sent_outside_an_update_or_after_it_closed_is_logged_at_once(db: Database) -> None:
    await bookkeeping.log_sent(db, 8, 1)  # a job's message
    with bookkeeping.collecting() as sent:
        pass
    await bookkeeping.close(db, sent, None)  # a failed update: no seen mark
    await bookkeeping.log_sent(db, 8, 2)  # still open nowhere: at once
    assert await logged(db) == [(8, 1, True), (8, 2, True)]
    async with db.session() as session:
        assert list((await session.execute(select(SeenUpdate))).scalars()) == []


async def test_every_message_of_a_handled_update_is_logged_both_sides(bot: BotHarness) -> None:
    user = await reporter(bot, 401)
    await user.send("/report")
    ids = {(user.id, m.message_id, m.from_bot) for m in bot.emulator.state.messages[user.id]}
    assert ids and any(from_bot for *_, from_bot in ids)
    assert set(await logged(bot.db)) == ids
