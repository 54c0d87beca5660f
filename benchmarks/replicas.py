"""Digest fan-out through several `khabar run` replicas (webhook mode, behind a load balancer) on one
PostgreSQL database, against one emulator that counts every replica's sends against Telegram's one
limit of 30 messages a second.

Prints, for one replica and for N: the combined delivery rate as a share of the 30/s cap and the
emulator's 429 count; then N replicas again with the leader SIGKILLed half-way: time to takeover,
messages lost and messages sent twice (the sender's documented window), and how long the killed
replica's claimed rows waited (the outbox lease).

    .venv/bin/python benchmarks/replicas.py \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/replicas_bench

The database is emptied first (its public schema is dropped: use a scratch one).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, update

from benchmarks.digest_fanout import DUE, FIRST_USER, fresh_database, populate, reset_digests
from bot.emulator import EmulatorServer
from bot.scheduler import due_digests
from storage.db import Database
from storage.models import Outbox, Subscription
from storage.outbox import OutboxRepository
from tests.replica_support import ReplicaSet


async def hold_digests(db: Database) -> None:
    """Only the digests this benchmark queues: no alerts, no digest coming due while it runs."""
    async with db.session() as session:
        later = datetime.now(UTC) + timedelta(days=30)
        await session.execute(update(Subscription).values(alerts=False, last_period_end=later))


async def outbox_depth(db: Database) -> int:
    async with db.session() as session:
        return await OutboxRepository(session).depth()


async def expected_per_chat(db: Database) -> Counter[int]:
    async with db.session() as session:
        rows = await session.execute(select(Outbox.chat_id, func.count()).group_by(Outbox.chat_id))  # type: ignore[call-overload]
        return Counter({chat: n for chat, n in rows.all()})


async def run(args: argparse.Namespace, db: Database, replicas: int, kill: bool) -> None:
    emulator = EmulatorServer()
    await emulator.start()
    for i in range(args.subscribers):
        emulator.state.add_user(FIRST_USER + i, "Coordinator", "en")
    rate = f"{args.rate:g}"
    folder = Path(tempfile.mkdtemp(prefix="khabar-replicas-"))
    group = ReplicaSet(
        emulator,
        folder,
        args.database_url,
        replicas,
        SEND_RATE=rate,
        SEND_BUDGET=rate,
        LEADER_TAKEOVER_SECONDS=f"{args.takeover:g}",
        LOG_LEVEL="INFO",
    )
    try:
        await group.start()
        leader = await group.until_leader()
        await reset_digests(db)
        result = await due_digests(db, DUE)
        await hold_digests(db)
        expected = await expected_per_chat(db)
        total = result.messages
        state = emulator.state
        t0 = time.perf_counter()
        takeover = None
        killed_at = None
        reached = None  # when the emulator had taken as many messages as were queued
        while state.counters["sent"] < total or await outbox_depth(db):
            if kill and killed_at is None and state.counters["sent"] >= total // 2:
                await group.replicas[leader].stop(signal.SIGKILL)
                killed_at = time.perf_counter()
            if killed_at is not None and takeover is None and group.leader() is not None:
                takeover = time.perf_counter() - killed_at
            if reached is None and state.counters["sent"] >= total:
                reached = time.perf_counter()
            if time.perf_counter() - t0 > args.timeout:
                break
            await asyncio.sleep(0.01 if state.counters["sent"] < total else 0.5)
        sent = state.counters["sent"]
        elapsed = (reached or time.perf_counter()) - t0
        got = Counter({chat: len(msgs) for chat, msgs in state.messages.items()})
        lost = sum(max(0, n - got.get(chat, 0)) for chat, n in expected.items())
        twice = sum(max(0, got[chat] - expected.get(chat, 0)) for chat in got)
        label = f"{replicas} replica{'s' if replicas > 1 else ''}" + (", leader killed" if kill else "")
        if not kill:
            measured = sent / elapsed
            print(
                f"  {label:28} {sent:,} sent in {elapsed:.1f} s = {measured:.1f} msg/s "
                f"= {measured / 30:.1%} of the 30 msg/s cap; 429s: {state.counters['429']}; "
                f"lost {lost}, sent twice {twice}"
            )
        else:
            print(
                f"  {label:28} {sent:,} sent in {elapsed:.1f} s (the killed replica's claims wait "
                f"for the outbox lease); takeover "
                f"{'none' if takeover is None else f'{takeover:.1f} s'}; 429s: {state.counters['429']}; "
                f"lost {lost}, sent twice {twice}"
            )
        await group.stop()
    finally:
        group.kill_all()
        await group.balancer.stop()
        await emulator.stop()


async def main(args: argparse.Namespace) -> None:
    db = await fresh_database(args.database_url)
    await populate(db, args.subscribers, args.reports, args.days, random.Random(7))
    await hold_digests(db)
    print(
        f"PostgreSQL: {args.subscribers:,} subscribers, {args.reports:,} reports; "
        f"SEND_RATE = SEND_BUDGET = {args.rate:g}/s"
    )
    for replicas, kill in ((1, False), (args.replicas, False), (args.replicas, True)):
        await run(args, db, replicas, kill)
    await db.dispose()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="a scratch PostgreSQL database")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--rate", type=float, default=29.0, help="SEND_RATE and SEND_BUDGET")
    parser.add_argument("--takeover", type=float, default=5.0, help="LEADER_TAKEOVER_SECONDS")
    parser.add_argument("--timeout", type=float, default=240.0)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
