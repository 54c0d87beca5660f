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
import itertools
import random
import re
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
from domain.vocabulary import DeliveryOutcome
from storage.db import Database
from storage.models import Delivery, Outbox, Subscription
from storage.outbox import OutboxRepository
from tests.replica_support import ReplicaSet

UNUSED = re.compile(r"outbox: (\d+) budget slots unused")


async def hold_digests(db: Database) -> None:
    """Only the digests this benchmark queues: no alerts, no digest coming due while it runs."""
    async with db.session() as session:
        later = datetime.now(UTC) + timedelta(days=30)
        await session.execute(update(Subscription).values(alerts=False, last_period_end=later))


async def set_due(db: Database, after: timedelta) -> None:
    async with db.session() as session:
        await session.execute(update(Outbox).values(next_attempt_at=datetime.now(UTC) + after))


async def outbox_depth(db: Database) -> int:
    async with db.session() as session:
        return await OutboxRepository(session).depth()


async def expected_per_chat(db: Database) -> Counter[int]:
    async with db.session() as session:
        rows = await session.execute(select(Outbox.chat_id, func.count()).group_by(Outbox.chat_id))  # type: ignore[call-overload]
        return Counter({chat: n for chat, n in rows.all()})


async def recorded_sent(db: Database) -> Counter[int]:
    """Per chat, the sends the replicas recorded: a message Telegram took from a replica killed
    before it recorded it (the sender's documented window) is missing here."""
    async with db.session() as session:
        stmt = select(Delivery.chat_id, func.count()).where(Delivery.outcome == DeliveryOutcome.SENT)  # type: ignore[call-overload]
        rows = await session.execute(stmt.group_by(Delivery.chat_id))
        return Counter({chat: n for chat, n in rows.all()})


def busiest_second(stamps: list[float]) -> int:
    """The most sends the emulator took within any one second (its limit: 30)."""
    most, first = 0, 0
    for last, at in enumerate(stamps):
        while at - stamps[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def run(args: argparse.Namespace, db: Database, replicas: int, kill: bool) -> None:
    emulator = EmulatorServer()
    await emulator.start()
    for i in range(args.subscribers):
        emulator.state.add_user(FIRST_USER + i, "Coordinator", "en")
    stamps: list[float] = []  # when the emulator took each message
    emulator.state.listeners.append(lambda msg: stamps.append(time.perf_counter()))
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
        # The digests are built first and held back, then released at once to replicas that are
        # all up: the rate measured is the replicas' sending, not the build (digest_fanout.py).
        await reset_digests(db)
        result = await due_digests(db, DUE)
        await hold_digests(db)
        await set_due(db, timedelta(days=1))
        expected = await expected_per_chat(db)
        total = result.messages
        await group.start()
        leader = await group.until_leader()
        await set_due(db, timedelta(0))
        state = emulator.state
        t0 = time.perf_counter()
        takeover = None
        killed_at = None
        while state.counters["sent"] < total or await outbox_depth(db):
            if kill and killed_at is None and state.counters["sent"] >= total // 2:
                await group.replicas[leader].stop(signal.SIGKILL)
                killed_at = time.perf_counter()
            if killed_at is not None and takeover is None and group.leader() is not None:
                takeover = time.perf_counter() - killed_at
            if time.perf_counter() - t0 > args.timeout:
                break
            await asyncio.sleep(0.01 if state.counters["sent"] < total else 0.5)
        got = Counter({chat: len(msgs) for chat, msgs in state.messages.items()})
        recorded = await recorded_sent(db)
        lost = sum(max(0, n - got.get(chat, 0)) for chat, n in expected.items())
        twice = sum(max(0, got[chat] - expected.get(chat, 0)) for chat in got)
        # Sent twice and recorded twice: a duplicate outside the window, which must not happen.
        outside = sum(max(0, recorded[chat] - expected.get(chat, 0)) for chat in recorded)
        sent = len(stamps)
        span = stamps[-1] - stamps[0] if sent > 1 else 0.0
        measured = (sent - 1) / span if span else 0.0
        label = f"{replicas} replica{'s' if replicas > 1 else ''}" + (", leader killed" if kill else "")
        print(
            f"  {label:26} {sent:,} sent in {span:.1f} s = {measured:.1f} msg/s "
            f"= {measured / 30:.1%} of the 30 msg/s cap; 429s: {state.counters['429']}; "
            f"busiest second {busiest_second(stamps)}; lost {lost}, sent twice {twice} "
            f"({twice - outside} in the sender's window, {outside} outside)"
        )
        if sent > 10:
            # Without the ends: the start, and the last parts of long digests, one a second per chat.
            low, high = stamps[sent // 10], stamps[sent * 9 // 10]
            middle = (sent * 9 // 10 - sent // 10) / (high - low)
            gap = max(b - a for a, b in itertools.pairwise(stamps))
            print(
                f"  {'':26} middle 80%: {middle:.1f} msg/s = {middle / 30:.1%} of the cap; "
                f"longest gap between two messages {gap:.2f} s"
            )
        if kill:
            assert killed_at is not None
            rest = [at - killed_at for at in stamps if at > killed_at]
            print(
                f"  {'':26} takeover {'none' if takeover is None else f'{takeover:.1f} s'} after the "
                f"SIGKILL; the rest ({len(rest)}) delivered by {max(rest, default=0.0):.1f} s after it"
            )
        await group.stop()
        late = sum(int(n) for r in group.replicas for n in UNUSED.findall(r.output()))
        print(f"  {'':26} budget slots left unused by replicas woken too late for them: {late}")
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
    scenarios = {"one": (1, False), "many": (args.replicas, False), "kill": (args.replicas, True)}
    for name in args.scenarios.split(","):
        await run(args, db, *scenarios[name])
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
    parser.add_argument(
        "--scenarios",
        default="one,many,kill",
        help="comma-separated: one (1 replica), many (--replicas), kill (--replicas, leader SIGKILLed)",
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
