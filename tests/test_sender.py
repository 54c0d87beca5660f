"""The outbox sender against the emulator with Telegram's limits: everyone served once without a 429,
killed and restarted without duplicates, blocked users paused, 429 waited, 400 and network failures
recorded, stuck claims resolved, and the application's own sender and tick wired in."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import update
from telegram import Bot

from bot.config import TELEGRAM_LIMIT
from bot.emulator import Limits
from bot.runtime.application import SANDBOX_TOKEN
from bot.runtime.send_budget import PER_SECOND, SendBudget
from bot.runtime.send_now import send_now_and_deliver
from bot.runtime.sender import BATCH, Sender
from bot.scheduler import due_digests
from domain.vocabulary import OutboxKind
from storage import outbox
from storage.db import Database
from storage.models import Outbox, utcnow
from storage.outbox import OutboxRepository, enqueue, enqueue_many
from tests.conftest import BotFactory
from tests.delivery_support import (
    add_report,
    add_subscribers,
    deliveries,
    get_sub,
    hours,
    outbox_rows,
    utc,
)
from tests.harness import BotHarness

LAST = utc(2026, 3, 9, 2, 30)
DUE = utc(2026, 3, 10, 3)


def _sender(bot: BotHarness, **kwargs: object) -> Sender:
    assert bot.app is not None
    return Sender(bot.db, bot.app.bot, rate=bot.settings.send_rate, **kwargs)  # type: ignore[arg-type]


def _faster(bot: BotHarness, times: int, *, rate: float, budget: SendBudget | None = None) -> Sender:
    """A sender on `bot` with Telegram's overall limit (the emulator's), the sender's `rate` and the
    send budget all `times` as high: the same pacing in a `times`-th of the real time, with the same
    slack in time (a budget 2 under 30 a second leaves 67 ms of jitter, as 2×`times` under 30×`times`
    does). The per-chat limit stays Telegram's."""
    assert bot.app is not None
    limit = TELEGRAM_LIMIT * times
    bot.emulator.state.limits = Limits(global_per_second=int(limit))
    budget = budget or SendBudget(per_second=PER_SECOND * times)
    return Sender(bot.db, bot.app.bot, rate=rate * times, budget=budget, limit=limit)


def _received(bot: BotHarness, chat_ids: list[int]) -> Counter[int]:
    return Counter({c: len(bot.emulator.state.bot_messages(c)) for c in chat_ids})


async def _queue_digests(bot: BotHarness, count: int, **fields: Any) -> list[int]:
    subs = await add_subscribers(bot, count, last_period_end=LAST, **fields)
    await add_report(bot.db, approved_at=LAST + hours(1))
    result = await due_digests(bot.db, DUE)
    assert result.messages == count
    return [s.user_id for s in subs]


@pytest.mark.long_running
async def test_many_subscribers_served_once_without_429(limited_bot: BotHarness) -> None:
    """More digests than one claim batch at the configured rate (25/s under the emulator's 30/s,
    both four times as fast here): ten seconds' worth of sustained pacing with a refill of the
    sender's queue midway. Larger runs (10,000 subscribers) at the real rate are
    benchmarks/digest_fanout.py's, which reports the rate and the 429 count."""
    count = BATCH + 50
    chats = await _queue_digests(limited_bot, count)
    sender = _faster(limited_bot, 4, rate=limited_bot.settings.send_rate)
    assert await sender.drain() == count
    assert limited_bot.emulator.state.counters["429"] == 0
    assert set(_received(limited_bot, chats).values()) == {1}
    rows = await outbox_rows(limited_bot.db)
    assert {r.status for r in rows} == {"sent"}
    log = await deliveries(limited_bot.db)
    assert len(log) == count and {d.outcome for d in log} == {"sent"}
    assert all(d.message_id for d in log)
    # A second tick and a second drain send nothing more.
    assert (await due_digests(limited_bot.db, DUE + timedelta(minutes=5))).messages == 0
    assert await _faster(limited_bot, 4, rate=limited_bot.settings.send_rate).drain() == 0


@pytest.mark.long_running
async def test_replies_and_digests_share_one_budget_without_429(limited_bot: BotHarness) -> None:
    """People writing to the bot while a digest run is under way: the replies take slots of the
    same budget as the sender, so together they stay under Telegram's limit and nobody waits a 429.
    Limit, budget and rate are twice Telegram's figures here (`_faster`), in half the time."""
    assert limited_bot.app is not None
    services = limited_bot.app.bot_data["services"]
    # Less than the emulator's 30 (60) a second, leaving room for timing noise on a busy test machine;
    # without sharing, the sender's 20 (40) a second and forty replies at once would still go over.
    services.budget = SendBudget(per_second=24 * 2)
    chats = await _queue_digests(limited_bot, 150)
    sender = _faster(limited_bot, 2, rate=20, budget=services.budget)
    state = limited_bot.emulator.state
    at_full_rate = asyncio.Event()  # a second into the run
    state.listeners.append(lambda _msg: at_full_rate.set() if state.counters["sent"] >= 20 * 2 else None)
    delivery = asyncio.create_task(sender.drain())
    await asyncio.wait_for(at_full_rate.wait(), 30)
    people = [await limited_bot.user(500 + n, "Reporter", role="reporter", language="en") for n in range(40)]
    await asyncio.gather(*(person.send("/help") for person in people))
    assert await delivery == 150
    assert all("/report" in person.last_text for person in people)
    assert set(_received(limited_bot, chats).values()) == {1}
    assert limited_bot.emulator.state.counters["429"] == 0


@pytest.mark.long_running
async def test_sender_killed_midway_and_restarted_sends_the_rest_once(limited_bot: BotHarness) -> None:
    chats = await _queue_digests(limited_bot, 90)
    state = limited_bot.emulator.state
    a_third = asyncio.Event()
    state.listeners.append(lambda _msg: a_third.set() if state.counters["sent"] >= 30 else None)
    rate = limited_bot.settings.send_rate
    task = asyncio.create_task(_faster(limited_bot, 4, rate=rate).run())
    await asyncio.wait_for(a_third.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    rows = await outbox_rows(limited_bot.db)
    sent_before = state.counters["sent"]
    assert 30 <= sent_before < 90
    # Cancelling finished and recorded what was in flight: nothing is left claimed.
    assert Counter(r.status for r in rows) == {"sent": sent_before, "pending": 90 - sent_before}

    assert await _faster(limited_bot, 4, rate=rate).drain() == 90 - sent_before
    assert set(_received(limited_bot, chats).values()) == {1}
    assert state.counters["429"] == 0
    assert {r.status for r in await outbox_rows(limited_bot.db)} == {"sent"}


async def test_claim_left_by_a_crashed_sender_is_resent_after_the_lease(limited_bot: BotHarness) -> None:
    chats = await _queue_digests(limited_bot, 2)
    stale, fresh = await outbox_rows(limited_bot.db)
    async with limited_bot.db.session() as session:
        # A sender that died after claiming (long ago) and one that is sending right now.
        await session.execute(
            update(Outbox)
            .where(Outbox.id == stale.id)  # type: ignore[arg-type]
            .values(status="sending", claimed_at=utcnow() - timedelta(minutes=10), attempts=1)
        )
        await session.execute(
            update(Outbox).where(Outbox.id == fresh.id).values(status="sending", claimed_at=utcnow())  # type: ignore[arg-type]
        )
    assert await _sender(limited_bot).drain() == 1
    assert _received(limited_bot, chats) == Counter({stale.chat_id: 1, fresh.chat_id: 0})
    by_id = {r.id: r for r in await outbox_rows(limited_bot.db)}
    assert by_id[stale.id].status == "sent" and by_id[fresh.id].status == "sending"


async def test_blocked_subscriber_is_paused_and_not_retried(limited_bot: BotHarness) -> None:
    chats = await _queue_digests(limited_bot, 3)
    blocked = chats[1]
    limited_bot.emulator.state.block(blocked)
    async with limited_bot.db.session() as session:  # a second message for the same chat, also given up
        await enqueue(session, key="notice:test", chat_id=blocked, kind=OutboxKind.NOTICE, text="Hello")
    assert await _sender(limited_bot).drain() == 2
    rows = {(r.chat_id, r.kind): r for r in await outbox_rows(limited_bot.db)}
    assert rows[(blocked, OutboxKind.DIGEST)].status == "failed"
    assert rows[(blocked, OutboxKind.NOTICE)].status == "failed"
    assert limited_bot.emulator.state.counters["403"] == 1  # not retried
    row = rows[(blocked, OutboxKind.DIGEST)]
    assert row.subscription_id is not None
    assert (await get_sub(limited_bot.db, row.subscription_id)).status == "paused"
    outcomes = Counter(d.outcome for d in await deliveries(limited_bot.db))
    assert outcomes == {"sent": 2, "blocked": 1}
    # Paused: the next period passes them by, while the others' move on.
    await due_digests(limited_bot.db, DUE + timedelta(days=1))
    assert (await get_sub(limited_bot.db, row.subscription_id)).last_period_end == utc(2026, 3, 10, 2, 30)
    others = [r.subscription_id for r in rows.values() if r.chat_id != blocked]
    for sub_id in others:
        assert sub_id is not None
        assert (await get_sub(limited_bot.db, sub_id)).last_period_end == utc(2026, 3, 11, 2, 30)


async def test_bad_request_is_recorded_and_not_retried(limited_bot: BotHarness) -> None:
    async with limited_bot.db.session() as session:
        await enqueue(session, key="notice:nobody", chat_id=424242, kind=OutboxKind.NOTICE, text="Hello")
    assert await _sender(limited_bot).drain() == 0
    [row] = await outbox_rows(limited_bot.db)
    assert row.status == "failed" and "chat not found" in (row.error or "").lower()
    [attempt] = await deliveries(limited_bot.db)
    assert attempt.outcome == "bad_request"


async def test_network_error_retried_with_backoff(db: Database) -> None:
    async with db.session() as session:
        await enqueue(session, key="notice:offline", chat_id=1, kind=OutboxKind.NOTICE, text="Hello")
    # Nothing listens on port 9: every request fails at the network level.
    offline = Bot("123456789:SANDBOX-token-not-for-telegram-0000", base_url="http://127.0.0.1:9/bot")
    before = utcnow()
    assert await Sender(db, offline, rate=25).drain() == 0
    [row] = await outbox_rows(db)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at >= before + timedelta(seconds=10)  # backed off, not hammered
    [attempt] = await deliveries(db)
    assert attempt.outcome == "network"


async def test_chats_with_more_to_go_are_served_first_each_in_its_own_order(db: Database) -> None:
    """A chat takes one message a second: the five-part digest queued last starts first, or it
    would trail the rest of a fan-out by four seconds of near-idle sending."""
    async with db.session() as session:
        await enqueue(session, key="single:1", chat_id=1, kind=OutboxKind.DIGEST, text="One")
        await enqueue(session, key="single:2", chat_id=2, kind=OutboxKind.DIGEST, text="Two")
        for part in range(1, 6):
            await enqueue(session, key=f"long:{part}", chat_id=3, kind=OutboxKind.DIGEST, text=f"Part {part}")
    async with db.session() as session:
        heads = await OutboxRepository(session).due(utcnow(), BATCH)
    assert [(row.chat_id, row.text) for row in heads] == [(3, "Part 1"), (1, "One"), (2, "Two")]


@pytest.mark.long_running
async def test_429_waits_exactly_retry_after_then_continues(bot_factory: BotFactory) -> None:
    # A chat that may receive one message every two seconds: the second part gets a 429.
    bot = await bot_factory(limits=Limits(chat_burst=1, chat_per_second=0.5), background_jobs=False)
    db = bot.db
    [chat] = [s.user_id for s in await add_subscribers(bot, 1)]
    async with db.session() as session:
        for n in (1, 2, 3):
            await enqueue(
                session, key=f"digest:x:{n}", chat_id=chat, kind=OutboxKind.DIGEST, text=f"Part {n}"
            )
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
        retried = next(d for d in log if d.outbox_id == wait.outbox_id and (d.id or 0) > (wait.id or 0))
        assert retried.at - wait.at >= timedelta(seconds=1)  # the wait was the one asked for
        assert rows[wait.outbox_id].status == "sent"


@pytest.mark.long_running
async def test_application_runs_tick_and_sender_and_restart_sends_nothing_twice(
    bot_factory: BotFactory,
) -> None:
    """The real wiring: the JobQueue tick finds the due digest, the sender delivers it, and a
    restart of the application neither loses nor repeats it."""
    bot = await bot_factory()
    db = bot.db
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


async def test_cli_send_now_queues_and_delivers(limited_bot: BotHarness) -> None:
    """`khabar digest send-now --subscription N`: the period so far, delivered through the sender."""
    subs = await add_subscribers(limited_bot, 2, last_period_end=LAST)
    await add_report(limited_bot.db, approved_at=LAST + hours(1))
    settings = limited_bot.settings.model_copy(update={"bot_token": SecretStr(SANDBOX_TOKEN)})
    assert await send_now_and_deliver(settings, subs[0].id) == (1, 1, 1)
    [message] = limited_bot.emulator.state.bot_messages(subs[0].user_id)
    assert "R-2026-" in (message.text or "")
    assert limited_bot.emulator.state.bot_messages(subs[1].user_id) == []
    # The schedule is untouched by an on-demand digest.
    assert (await get_sub(limited_bot.db, subs[0].id or 0)).last_period_end == LAST


async def test_enqueue_many_counts_only_the_messages_it_added(db: Database) -> None:
    # The rowcount of sqlite3's executemany on SQLite, of one INSERT ... SELECT FROM unnest(...) on
    # PostgreSQL; the columns (subscription, parse mode) arrive as they were given.
    def message(key: str, **fields: Any) -> dict[str, Any]:
        return {"key": key, "chat_id": 7001, "kind": OutboxKind.DIGEST, "text": f"{key} ✓ دری", **fields}

    async with db.session() as session:
        assert await enqueue_many(session, [message("a"), message("b", parse_mode="HTML")]) == 2
    async with db.session() as session:
        assert await enqueue_many(session, [message("b"), message("c"), message("a")]) == 1
        assert await enqueue_many(session, []) == 0
    rows = {row.key: row for row in await outbox_rows(db)}
    assert sorted(rows) == ["a", "b", "c"]
    assert (rows["b"].text, rows["b"].parse_mode, rows["a"].parse_mode) == ("b ✓ دری", "HTML", None)
    assert rows["c"].kind == OutboxKind.DIGEST and rows["c"].status == "pending" and rows["c"].attempts == 0


async def test_enqueue_many_counts_rows_added_by_multi_row_statements(db: Database) -> None:
    # SQLite writes ROWS_PER_INSERT rows per statement and the rest one by one; a chunk whose rows
    # partly exist counts only those it added, and each row keeps its own values.
    def messages(keys: range) -> list[dict[str, Any]]:
        return [{"key": f"k{n}", "chat_id": n, "kind": OutboxKind.DIGEST, "text": f"part {n}"} for n in keys]

    size = outbox.ROWS_PER_INSERT
    async with db.session() as session:
        assert await enqueue_many(session, messages(range(2 * size + 7))) == 2 * size + 7
    async with db.session() as session:
        assert await enqueue_many(session, messages(range(size, 3 * size + 3))) == size - 4
    rows = await outbox_rows(db)
    assert len(rows) == 3 * size + 3
    assert all(row.text == f"part {row.chat_id}" and row.key == f"k{row.chat_id}" for row in rows)
