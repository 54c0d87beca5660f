"""Digest fan-out: N subscribers and M approved reports, through the emulator with Telegram's limits.

Prints: time to build every due digest (rows in the outbox), delivery rate as a fraction of the
30 messages/second cap, the emulator's 429 count, and peak memory.

    .venv/bin/python benchmarks/digest_fanout.py                      # SQLite, 10,000 x 100,000
    .venv/bin/python benchmarks/digest_fanout.py \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench
    .venv/bin/python benchmarks/digest_fanout.py --subscribers 1000 --reports 10000 --send-seconds 20
    .venv/bin/python benchmarks/digest_fanout.py --reports 1000000 --send-seconds 0   # issue 17's target

The database is emptied first (a PostgreSQL database's public schema is dropped: use a scratch one);
`--reuse` builds again on one it filled before (same --subscribers, --reports and --days), its
outbox emptied and its subscriptions' periods reset, without loading.
Reports are spread evenly over `--days` days of approvals, so one daily period holds M/days of them;
each subscriber follows a few provinces and categories (some all), as coordinators do. A digest is
at most `--max-parts` messages (DIGEST_MAX_PARTS, default 5): at a million reports (~2,740 a day)
most subscribers' digests are cut there, ~31,000 rows (~140 MB) in all, where without a cap they
were 91,821 rows (~430 MB), up to a hundred messages for one coordinator following everything.

Delivering 10,000 messages at the 25/s default takes ~7 minutes, so delivery is measured for
`--send-seconds` only, and the time for the whole outbox is extrapolated from the measured rate.
The emulator runs in this process, on the same event loop as the sender: its cost is counted too.
Peak memory is measured with tracemalloc on a second, identical build (tracemalloc slows Python,
so the timed build runs without it); the process's max RSS is printed as well.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, insert, select, update
from telegram import Bot

from bot.config import DIGEST_MAX_PARTS, load_settings
from bot.emulator import EmulatorServer
from bot.runtime.application import SANDBOX_TOKEN
from bot.runtime.http import sender_request
from bot.runtime.sender import Sender
from bot.scheduler import due_digests
from bot.subscriptions import categories
from domain.vocabulary import Certainty
from storage.db import Database
from storage.migrate import upgrade_from_empty
from storage.models import Delivery, Outbox, Province, Report, Subscription, User

LAST = datetime(2026, 3, 9, 2, 30, tzinfo=UTC)  # 07:00 in Kabul
DUE = LAST + timedelta(days=1, minutes=1)
FIRST_USER = 50_000_000
CHUNK = 5_000


async def fresh_database(url: str) -> Database:
    db = Database(url)
    await upgrade_from_empty(db)
    return db


async def populate(db: Database, subscribers: int, reports: int, days: int, rng: random.Random) -> None:
    async with db.session() as session:
        provinces = list((await session.execute(select(Province.pcode))).scalars())  # type: ignore[call-overload]
    codes = [c for c, _ in categories()]
    for start in range(0, subscribers, CHUNK):
        n = range(start, min(start + CHUNK, subscribers))
        async with db.session() as session:
            await session.execute(
                insert(User.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "id": FIRST_USER + i,
                        "role": "coordinator",
                        "language": rng.choice(("en", "fa_AF", "ps")),
                    }
                    for i in n
                ],
            )
            await session.execute(
                insert(Subscription.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "user_id": FIRST_USER + i,
                        "frequency": "daily",
                        "hour": 7,
                        "timezone": "Asia/Kabul",
                        "provinces": [] if rng.random() < 0.1 else rng.sample(provinces, rng.randint(1, 3)),
                        "categories": [] if rng.random() < 0.3 else rng.sample(codes, rng.randint(1, 3)),
                        "min_certainty": rng.choice(tuple(Certainty)),
                        "send_empty": rng.random() < 0.5,
                        "alerts": True,
                        "status": "active",
                        "last_period_end": LAST,
                    }
                    for i in n
                ],
            )
    span = timedelta(days=days).total_seconds()
    for start in range(0, reports, CHUNK):
        rows = []
        for i in range(start, min(start + CHUNK, reports)):
            province = rng.choice(provinces)
            approved = LAST + timedelta(days=1) - timedelta(seconds=span * (i + 0.5) / reports)
            rows.append(
                {
                    "reference": f"R-2026-{i + 1:06d}",
                    "draft_token": f"bench{i:010d}",
                    "category": rng.choice(codes),
                    "answers": {"description": "Benchmark report. " * rng.randint(1, 12)},
                    "language": "en",
                    "occurred_on": approved.date(),
                    "province_pcode": province,
                    "district_pcode": province + "01",
                    "killed": rng.choice((None, 0, 0, 1, 2)),
                    "injured": rng.choice((None, 0, 1, 3)),
                    "status": "approved",
                    "certainty": rng.choice(tuple(Certainty)),
                    "urgent": False,
                    "sensitive_fields": [],
                    "corroborations": rng.randint(0, 2),
                    "approved_at": approved,
                    "created_at": approved,
                    "updated_at": approved,
                }
            )
        async with db.session() as session:
            await session.execute(insert(Report.__table__), rows)  # type: ignore[attr-defined]


async def reset_digests(db: Database) -> None:
    async with db.session() as session:
        await session.execute(delete(Delivery))
        await session.execute(delete(Outbox))
        await session.execute(update(Subscription).values(last_period_end=LAST))


async def outbox_count(db: Database) -> int:
    async with db.session() as session:
        return int((await session.execute(select(func.count()).select_from(Outbox))).scalar_one())


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main(args: argparse.Namespace) -> None:
    rng = random.Random(7)
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='khabar-bench-')}/bench.db"
    db = Database(url) if args.reuse else await fresh_database(url)
    backend = "SQLite" if db.is_sqlite else "PostgreSQL"
    print(f"{backend}: {args.subscribers:,} subscribers, {args.reports:,} reports over {args.days} days")

    if args.reuse:
        await reset_digests(db)
    else:
        t0 = time.perf_counter()
        await populate(db, args.subscribers, args.reports, args.days, rng)
        print(f"  populate:            {time.perf_counter() - t0:8.1f} s")

    t0 = time.perf_counter()
    result = await due_digests(db, DUE, max_parts=args.max_parts)
    build = time.perf_counter() - t0
    print(
        f"  build all digests:   {build:8.1f} s  ({result.digests:,} digests, {result.messages:,} messages)"
    )
    print(f"  process max RSS:     {rss_mib():8.0f} MiB (load and build, before the traced build)")

    await reset_digests(db)
    tracemalloc.start()
    again = await due_digests(db, DUE, max_parts=args.max_parts)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert again.messages == result.messages
    print(f"  peak memory (build): {peak / 2**20:8.1f} MiB traced; process max RSS {rss_mib():.0f} MiB")
    if args.send_seconds <= 0:
        await db.dispose()
        return

    emulator = EmulatorServer()
    base = await emulator.start()
    for i in range(args.subscribers):
        emulator.state.add_user(FIRST_USER + i, "Coordinator", "en")
    settings = load_settings(_env_file=None)
    rate = args.rate or settings.send_rate
    bot = Bot(SANDBOX_TOKEN, base_url=f"{base}/bot", request=sender_request())
    total = await outbox_count(db)
    async with bot:
        sender = Sender(db, bot, rate=rate)
        deadline = time.monotonic() + args.send_seconds
        t0 = time.perf_counter()
        await sender.run(lambda: time.monotonic() < deadline and sender.sent < total)
        elapsed = time.perf_counter() - t0
    await emulator.stop()
    measured = sender.sent / elapsed if elapsed else 0.0
    print(
        f"  delivery:            {sender.sent:,} sent in {elapsed:.1f} s = {measured:.1f} msg/s "
        f"= {measured / 30:.0%} of the 30 msg/s cap (sender set to {rate:g}/s)"
    )
    print(f"  429s from emulator:  {emulator.state.counters['429']}")
    if sender.sent < total and measured:
        print(
            f"  whole outbox:        {total:,} messages -> ~{total / measured / 60:.1f} min at this rate "
            "(extrapolated)"
        )
    await db.dispose()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a new SQLite file; PostgreSQL: a scratch database")
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365, help="approvals spread over this many days")
    parser.add_argument(
        "--send-seconds", type=float, default=60.0, help="how long to measure delivery (0: build only)"
    )
    parser.add_argument("--rate", type=float, help="sender rate (default SEND_RATE, 25)")
    parser.add_argument(
        "--max-parts",
        type=int,
        default=DIGEST_MAX_PARTS,
        help="messages a digest may take (DIGEST_MAX_PARTS)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="build again on a database this script filled (--database-url)"
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
