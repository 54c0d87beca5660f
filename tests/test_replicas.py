"""Several replicas of `khabar run` (webhook mode, behind a load balancer) on one PostgreSQL database;
and the refusal of a second instance on one SQLite file."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.emulator import EmulatorServer
from domain.vocabulary import DeliveryOutcome
from storage.coordination import Coordination, SenderLock
from storage.db import Database
from storage.models import Delivery, Outbox, utcnow
from storage.outbox import OutboxRepository
from tests.botproc import BotProcess, clean_env, khabar
from tests.harness import as_env, faster, limits_for
from tests.replica_support import ReplicaSet

ON_POSTGRES = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="replicas need PostgreSQL (SQLite serves one instance): set TEST_DATABASE_URL",
)
FIRST = 70_000_000


async def test_a_second_instance_on_one_sqlite_file_is_refused(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'khabar.db'}"
    first = BotProcess(emulator, tmp_path, url)
    first.start()
    try:
        await first.until(lambda: "bot started" in first.output(), "the first instance")
        env = clean_env(BOT_TOKEN=first.env["BOT_TOKEN"], TELEGRAM_BASE_URL=emulator.url, DATABASE_URL=url)
        second = khabar("run", env={**env, "HTTP_PORT": "0"}, cwd=tmp_path, timeout=60)
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert lines == [
            f"khabar: another khabar instance is running on {tmp_path / 'khabar.db'} "
            "(SQLite serves one instance; use PostgreSQL for replicas)"
        ]
        assert await first.stop() == 0
    finally:
        first.kill()


async def _queue(db: Database, chats: int) -> None:
    from storage import outbox

    async with db.session() as session:
        await outbox.enqueue_many(
            session,
            [
                {"key": f"digest:{FIRST + i}", "chat_id": FIRST + i, "kind": "digest", "text": f"Digest {i}"}
                for i in range(chats)
            ],
        )


async def _queued(db: Database) -> int:
    async with db.session() as session:
        stmt = select(func.count()).select_from(Outbox).where(Outbox.status.in_(("pending", "sending")))  # type: ignore[attr-defined]
        return int((await session.execute(stmt)).scalar_one())


async def _drained(db: Database, tries: int = 100) -> int:
    """Rows still pending or sending once the senders have had `tries` tenths of a second to record
    their last sends: the emulator counts a message before its replica commits the row as sent."""
    left = await _queued(db)
    for _ in range(tries):
        if not left:
            break
        await asyncio.sleep(0.1)
        left = await _queued(db)
    return left


async def _recorded_sent(db: Database) -> Counter[int]:
    async with db.session() as session:
        stmt = select(Delivery.chat_id).where(Delivery.outcome == DeliveryOutcome.SENT)  # type: ignore[call-overload]
        return Counter((await session.execute(stmt)).scalars())


def _per_chat(emulator: EmulatorServer, chats: int) -> Counter[int]:
    return Counter({FIRST + i: len(emulator.state.bot_messages(FIRST + i)) for i in range(chats)})


def _four_times_faster(emulator: EmulatorServer) -> dict[str, str]:
    """Telegram's limit in the emulator and the replicas' rate and shared budget (25, as the rate)
    at four times their figures: the same pacing and slack, in a quarter of the time."""
    settings = faster(4, budget=25)
    emulator.state.limits = limits_for(settings)
    return as_env(settings)


@ON_POSTGRES
async def test_three_replicas_send_digests_once_each_within_one_limit(
    db: Database, emulator: EmulatorServer, tmp_path: Path
) -> None:
    """300 digests queued while three replicas run: every one arrives once, and the emulator, which
    counts every replica's sends against Telegram's one limit, never answers 429 (at four times
    Telegram's pace, `_four_times_faster`: three seconds of sending at the limit)."""
    chats = 300
    for i in range(chats):
        emulator.state.add_user(FIRST + i, "Coordinator", "en")
    fast = _four_times_faster(emulator)
    group = ReplicaSet(emulator, tmp_path, os.environ["TEST_DATABASE_URL"], 3, **fast)
    try:
        await group.start()
        await _queue(db, chats)
        replica = group.replicas[0]
        await replica.until(lambda: emulator.state.counters["sent"] >= chats, "300 digests", wait=120)
        assert _per_chat(emulator, chats) == Counter({FIRST + i: 1 for i in range(chats)})
        assert emulator.state.counters["429"] == 0
        assert await _drained(db) == 0
        assert all(n > 0 for n in group.balancer.served.values()) or not group.balancer.served
    finally:
        await group.stop()
        group.kill_all()


@ON_POSTGRES
async def test_the_leader_killed_mid_run_is_replaced_and_the_rest_is_delivered(
    db: Database, emulator: EmulatorServer, tmp_path: Path
) -> None:
    chats = 300
    for i in range(chats):
        emulator.state.add_user(FIRST + i, "Coordinator", "en")
    url = os.environ["TEST_DATABASE_URL"]
    fast = _four_times_faster(emulator)
    group = ReplicaSet(
        emulator, tmp_path, url, 3, LEADER_TAKEOVER_SECONDS="2", OUTBOX_LEASE_SECONDS="5", **fast
    )
    try:
        await group.start()
        leader = await group.until_leader()
        await _queue(db, chats)
        survivor = group.replicas[(leader + 1) % 3]
        await survivor.until(lambda: emulator.state.counters["sent"] >= chats // 3, "a third sent", wait=60)
        await group.replicas[leader].stop(signal.SIGKILL)
        new_leader = await group.until_leader(timeout=15)
        assert new_leader != leader
        # The killed replica's claimed rows are pending again as soon as a survivor sees its sender's
        # lock gone (about a second), not after a lease: the rest (~200 at 100/s) comes within 30 s.
        await survivor.until(lambda: min(_per_chat(emulator, chats).values()) >= 1, "every digest", wait=30)
        assert await _drained(db) == 0
        # Each recorded sent once: a second copy can only be one the killed replica had sent and not
        # yet recorded (the sender's documented window), never one recorded twice.
        assert await _recorded_sent(db) == Counter({FIRST + i: 1 for i in range(chats)})
    finally:
        await group.stop()
        group.kill_all()


@ON_POSTGRES
async def test_a_dead_senders_claims_are_pending_again_at_once(db: Database) -> None:
    """Claims carry their sender's lock key: a row whose sender's lock is gone (its process died)
    is put back at once, one of a live sender is left alone however old its claim."""
    url = os.environ["TEST_DATABASE_URL"]
    await _queue(db, 4)
    live, dead = await SenderLock.take(url), await SenderLock.take(url)
    await dead.close()  # as a SIGKILL would: PostgreSQL frees the lock with the connection
    long_ago = utcnow() - timedelta(hours=1)
    try:
        async with db.session() as session:
            repo = OutboxRepository(session)
            ids = [row.id for row in await repo.due(utcnow(), 10) if row.id]
            assert len(ids) == 4
            assert await repo.claim_many(ids[:2], long_ago, live.key) == ids[:2]
            assert await repo.claim_many(ids[2:3], long_ago, dead.key) == ids[2:3]
            assert await repo.claim_many(ids[3:], long_ago) == ids[3:]  # no sender's key: the lease
        async with db.session() as session:
            repo = OutboxRepository(session)
            assert await repo.release_orphaned() == 1  # the dead sender's, not the live one's
            assert await repo.release_stale(utcnow() - timedelta(minutes=1)) == 1  # the unowned one
            assert await _queued(db) == 4
        await live.close()
        async with db.session() as session:
            assert await OutboxRepository(session).release_orphaned() == 2
    finally:
        await live.close()


@ON_POSTGRES
async def test_replicas_budget_slots_are_spaced_on_one_clock() -> None:
    """Two replicas' budgets asking at once get distinct slots, each a spacing after the last."""
    url = os.environ["TEST_DATABASE_URL"]
    pools = [await Coordination.open(url, 2) for _ in range(2)]
    try:
        spacing = 1 / 200
        slots = await asyncio.gather(*(pools[i % 2].take_slot(spacing, horizon=10.0) for i in range(40)))
        assert all(slot.taken for slot in slots)
        times = sorted(slot.at for slot in slots)
        assert min(b - a for a, b in itertools.pairwise(times)) >= spacing * 0.999
    finally:
        for pool in pools:
            await pool.close()


@ON_POSTGRES
async def test_a_chat_lock_is_free_again_when_its_holder_ends_or_is_cancelled() -> None:
    """The lock goes back with the connection (the pool's reset), also for a cancelled update."""
    url = os.environ["TEST_DATABASE_URL"]
    here, other = await Coordination.open(url, 2), await Coordination.open(url, 2)
    held = asyncio.Event()

    async def hold_forever() -> None:
        async with here.chat_lock(77):
            held.set()
            await asyncio.sleep(3600)

    try:
        async with here.chat_lock(77):
            pass
        async with asyncio.timeout(5):
            async with other.chat_lock(77):
                pass
        task = asyncio.create_task(hold_forever())
        await held.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with asyncio.timeout(5):
            async with other.chat_lock(77):
                pass
    finally:
        await here.close()
        await other.close()
