"""The outbox sender against the emulator with Telegram's limits: everyone served once without a 429,
killed and restarted without duplicates, blocked users paused, 429 waited, 400 and network failures
recorded, stuck claims resolved, and the application's own sender and tick wired in."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import update
from telegram import Bot

from bot.emulator import Limits
from bot.runtime.application import SANDBOX_TOKEN
from bot.runtime.send_budget import SendBudget
from bot.runtime.send_now import send_now_and_deliver
from bot.runtime.sender import Sender
from bot.scheduler import due_digests
from storage.db import Database
from storage.models import Outbox, utcnow
from storage.outbox import enqueue
from tests.delivery_support import (
    add_report,
    add_subscribers,
    deliveries,
    get_sub,
    hours,
    make_bot,
    outbox_rows,
    utc,
)
from tests.harness import BotHarness

LAST = utc(2026, 3, 9, 2, 30)
DUE = utc(2026, 3, 10, 3)


@pytest.fixture(name="bot")
async def limited_bot(db: Database) -> AsyncIterator[BotHarness]:
    """The emulator with Telegram's real limits (30/s overall, 1/s per chat); tick and sender off."""
    harness = await make_bot(db)
    yield harness
    await harness.close()


def _sender(bot: BotHarness, **kwargs: object) -> Sender:
    assert bot.app is not None
    return Sender(bot.db, bot.app.bot, rate=bot.settings.send_rate, **kwargs)  # type: ignore[arg-type]


def _received(bot: BotHarness, chat_ids: list[int]) -> Counter[int]:
    return Counter({c: len(bot.emulator.state.bot_messages(c)) for c in chat_ids})


async def _queue_digests(bot: BotHarness, count: int, **fields: object) -> list[int]:
    subs = await add_subscribers(bot, count, last_period_end=LAST, **fields)
    await add_report(bot.db, approved_at=LAST + hours(1))
    result = await due_digests(bot.db, DUE)
    assert result.messages == count
    return [s.user_id for s in subs]


async def test_thousand_subscribers_served_once_without_429(bot: BotHarness) -> None:
    """1,000 digests at the configured rate (25/s, under the emulator's 30/s): about 40 s."""
    chats = await _queue_digests(bot, 1000)
    sender = _sender(bot)
    assert await sender.drain() == 1000
    assert bot.emulator.state.counters["429"] == 0
    assert set(_received(bot, chats).values()) == {1}
    rows = await outbox_rows(bot.db)
    assert {r.status for r in rows} == {"sent"}
    log = await deliveries(bot.db)
    assert len(log) == 1000 and {d.outcome for d in log} == {"sent"}
    assert all(d.message_id for d in log)
    # A second tick and a second drain send nothing more.
    assert (await due_digests(bot.db, DUE + timedelta(minutes=5))).messages == 0
    assert await _sender(bot).drain() == 0


async def test_replies_and_digests_share_one_budget_without_429(bot: BotHarness) -> None:
    """People writing to the bot while a digest run is under way: the replies take slots of the
    same budget as the sender, so together they stay under Telegram's limit and nobody waits a 429."""
    assert bot.app is not None
    services = bot.app.bot_data["services"]
    # Less than the emulator's 30 a second, leaving room for timing noise on a busy test machine;
    # without sharing, the sender's 20 a second and forty replies at once would still go far over.
    services.budget = SendBudget(per_second=24)
    chats = await _queue_digests(bot, 150)
    sender = Sender(bot.db, bot.app.bot, rate=20, budget=services.budget)  # type: ignore[arg-type]
    delivery = asyncio.create_task(sender.drain())
    await asyncio.sleep(1.0)  # the run is at full rate
    people = [await bot.user(500 + n, "Reporter", role="reporter", language="en") for n in range(40)]
    await asyncio.gather(*(person.send("/help") for person in people))
    assert await delivery == 150
    assert all("/report" in person.last_text for person in people)
    assert set(_received(bot, chats).values()) == {1}
    assert bot.emulator.state.counters["429"] == 0


async def test_sender_killed_midway_and_restarted_sends_the_rest_once(bot: BotHarness) -> None:
    chats = await _queue_digests(bot, 90)
    state = bot.emulator.state
    a_third = asyncio.Event()
    state.listeners.append(lambda _msg: state.counters["sent"] >= 30 and a_third.set())
    task = asyncio.create_task(_sender(bot).run())
    await asyncio.wait_for(a_third.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    rows = await outbox_rows(bot.db)
    sent_before = state.counters["sent"]
    assert 30 <= sent_before < 90
    # Cancelling finished and recorded what was in flight: nothing is left claimed.
    assert Counter(r.status for r in rows) == {"sent": sent_before, "pending": 90 - sent_before}

    assert await _sender(bot).drain() == 90 - sent_before
    assert set(_received(bot, chats).values()) == {1}
    assert state.counters["429"] == 0
    assert {r.status for r in await outbox_rows(bot.db)} == {"sent"}


async def test_claim_left_by_a_crashed_sender_is_resent_after_the_lease(bot: BotHarness) -> None:
    chats = await _queue_digests(bot, 2)
    stale, fresh = await outbox_rows(bot.db)
    async with bot.db.session() as session:
        # A sender that died after claiming (long ago) and one that is sending right now.
        await session.execute(
            update(Outbox)
            .where(Outbox.id == stale.id)  # type: ignore[arg-type]
            .values(status="sending", claimed_at=utcnow() - timedelta(minutes=10), attempts=1)
        )
        await session.execute(
            update(Outbox).where(Outbox.id == fresh.id).values(status="sending", claimed_at=utcnow())  # type: ignore[arg-type]
        )
    assert await _sender(bot).drain() == 1
    assert _received(bot, chats) == Counter({stale.chat_id: 1, fresh.chat_id: 0})
    by_id = {r.id: r for r in await outbox_rows(bot.db)}
    assert by_id[stale.id].status == "sent" and by_id[fresh.id].status == "sending"


async def test_blocked_subscriber_is_paused_and_not_retried(bot: BotHarness) -> None:
    chats = await _queue_digests(bot, 3)
    blocked = chats[1]
    bot.emulator.state.block(blocked)
    async with bot.db.session() as session:  # a second message for the same chat, also given up
        await enqueue(session, key="notice:test", chat_id=blocked, kind="notice", text="Hello")
    assert await _sender(bot).drain() == 2
    rows = {(r.chat_id, r.kind): r for r in await outbox_rows(bot.db)}
    assert rows[(blocked, "digest")].status == "failed"
    assert rows[(blocked, "notice")].status == "failed"
    assert bot.emulator.state.counters["403"] == 1  # not retried
    row = rows[(blocked, "digest")]
    assert row.subscription_id is not None
    assert (await get_sub(bot.db, row.subscription_id)).status == "paused"
    outcomes = Counter(d.outcome for d in await deliveries(bot.db))
    assert outcomes == {"sent": 2, "blocked": 1}
    # Paused: the next period passes them by, while the others' move on.
    await due_digests(bot.db, DUE + timedelta(days=1))
    assert (await get_sub(bot.db, row.subscription_id)).last_period_end == utc(2026, 3, 10, 2, 30)
    others = [r.subscription_id for r in rows.values() if r.chat_id != blocked]
    for sub_id in others:
        assert sub_id is not None
        assert (await get_sub(bot.db, sub_id)).last_period_end == utc(2026, 3, 11, 2, 30)


async def test_bad_request_is_recorded_and_not_retried(bot: BotHarness) -> None:
    async with bot.db.session() as session:
        await enqueue(session, key="notice:nobody", chat_id=424242, kind="notice", text="Hello")
    assert await _sender(bot).drain() == 0
    [row] = await outbox_rows(bot.db)
    assert row.status == "failed" and "chat not found" in (row.error or "").lower()
    [attempt] = await deliveries(bot.db)
    assert attempt.outcome == "bad_request"


async def test_network_error_retried_with_backoff(db: Database) -> None:
    async with db.session() as session:
        await enqueue(session, key="notice:offline", chat_id=1, kind="notice", text="Hello")
    # Nothing listens on port 9: every request fails at the network level.
    offline = Bot("123456789:SANDBOX-token-not-for-telegram-0000", base_url="http://127.0.0.1:9/bot")
    before = utcnow()
    assert await Sender(db, offline, rate=25).drain() == 0
    [row] = await outbox_rows(db)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at >= before + timedelta(seconds=10)  # backed off, not hammered
    [attempt] = await deliveries(db)
    assert attempt.outcome == "network"


async def test_429_waits_exactly_retry_after_then_continues(db: Database) -> None:
    # A chat that may receive one message every two seconds: the second part gets a 429.
    bot = await make_bot(db, Limits(chat_burst=1, chat_per_second=0.5))
    try:
        [chat] = [s.user_id for s in await add_subscribers(bot, 1)]
        async with db.session() as session:
            for n in (1, 2, 3):
                await enqueue(session, key=f"digest:x:{n}", chat_id=chat, kind="digest", text=f"Part {n}")
        sender = _sender(bot)
        assert await sender.drain() == 3
        assert sender.retry_after_count >= 1
        texts = [m.text for m in bot.emulator.state.bot_messages(chat)]
        assert texts == ["Part 1", "Part 2", "Part 3"]  # in order, each once
        log = await deliveries(db)
        waits = [d for d in log if d.outcome == "retry_after"]
        assert waits and all(d.detail == "retry after 1 s" for d in waits)
        rows = {r.id: r for r in await outbox_rows(db)}
        for wait in waits:
            retried = next(d for d in log if d.outbox_id == wait.outbox_id and d.id > wait.id)
            assert retried.at - wait.at >= timedelta(seconds=1)  # the wait was the one asked for
            assert rows[wait.outbox_id].status == "sent"
    finally:
        await bot.close()


async def test_application_runs_tick_and_sender_and_restart_sends_nothing_twice(db: Database) -> None:
    """The real wiring: the JobQueue tick finds the due digest, the sender delivers it, and a
    restart of the application neither loses nor repeats it."""
    bot = await BotHarness.create(db, admin_ids="")
    try:
        now = utcnow()
        [sub] = await add_subscribers(bot, 1, last_period_end=now - timedelta(days=2), send_empty=True)
        await add_report(db, approved_at=now - timedelta(days=1))
        chat = sub.user_id
        for _ in range(200):
            if bot.emulator.state.bot_messages(chat):
                break
            await asyncio.sleep(0.1)
        assert len(bot.emulator.state.bot_messages(chat)) == 1
        await bot.restart()
        await asyncio.sleep(3)  # a tick and some sender polls on the new application
        assert len(bot.emulator.state.bot_messages(chat)) == 1
        [row] = await outbox_rows(db)
        assert row.status == "sent"
    finally:
        await bot.close()


async def test_cli_send_now_queues_and_delivers(bot: BotHarness) -> None:
    """`khabar digest send-now --subscription N`: the period so far, delivered through the sender."""
    subs = await add_subscribers(bot, 2, last_period_end=LAST)
    await add_report(bot.db, approved_at=LAST + hours(1))
    settings = bot.settings.model_copy(update={"bot_token": SecretStr(SANDBOX_TOKEN)})
    assert await send_now_and_deliver(settings, subs[0].id) == (1, 1, 1)
    [message] = bot.emulator.state.bot_messages(subs[0].user_id)
    assert "R-2026-" in (message.text or "")
    assert bot.emulator.state.bot_messages(subs[1].user_id) == []
    # The schedule is untouched by an on-demand digest.
    assert (await get_sub(bot.db, subs[0].id or 0)).last_period_end == LAST
