"""Report intake under load: N reporters filing at once through the emulator and the real bot.

Prints the number of updates and reports, throughput, and the time each reporter waits from
sending a message (or pressing a button) until the bot has handled it: p50, p95 and the worst.
That wait includes queueing behind other reporters' updates, as a person in the field sees it.
Every report is checked to be stored exactly once.

    .venv/bin/python benchmarks/intake_latency.py                        # SQLite, 50 reporters x 2
    .venv/bin/python benchmarks/intake_latency.py --reporters 200 --reports-each 1 \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench

Each report is the 12-update "other security" flow of the tests (typed district, choices, numbers,
description, source, Submit). The emulator's per-chat limit is relaxed as people answer slower
than one message a second; the global 30/s limit stays. The database is emptied first (a
PostgreSQL database's public schema is dropped: use a scratch one).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path

from bot.forms.actions import ReportAction
from handlers.callbacks import ReportPress

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from storage.db import Database
from storage.migrate import upgrade_from_empty
from storage.models import Report
from tests.harness import BotHarness, SimUser
from tests.report_helpers import (
    action_prefix,
    choose,
    draft_of,
    pick,
    press,
    province_district_code,
    reporter,
)

CATEGORY = "other_security"


async def timed(waits: list[float], step: Awaitable[object]) -> None:
    """Run one step of a reporter's (one update) and record how long it took to be handled."""
    started = time.perf_counter()
    await step
    waits.append(time.perf_counter() - started)


async def skip_if_asked(user: SimUser, waits: list[float], field: str) -> None:
    """Skip `field` when the walk asks it (a detail it leaves to the summary is not asked, and
    the reporter does nothing: no update, no wait recorded). The draft is read before the clock
    starts, so the wait is the bot's alone."""
    draft = await draft_of(user.bot, user.id)
    if draft is not None and draft.step == field:
        await timed(waits, choose(user, ReportAction.SKIP, field))


async def file_report(user: SimUser, waits: list[float]) -> None:
    await timed(waits, user.send("/report"))
    await timed(waits, press(user, ReportPress(ReportAction.CATEGORY, CATEGORY).pack()))
    await timed(waits, choose(user, ReportAction.DAY, "occurred_on", "1"))
    await skip_if_asked(user, waits, "time_of_day")
    await timed(waits, user.send("Jani Khail"))
    await timed(
        waits,
        choose(user, ReportAction.PLACE, "province", province_district_code(user, "Jani Khail", "AF13")),
    )
    await skip_if_asked(user, waits, "place_name")
    await skip_if_asked(user, waits, "location")
    await timed(waits, pick(user, CATEGORY, "incident_type", "abduction"))
    await timed(waits, pick(user, CATEGORY, "aid_workers_affected", "yes"))
    await timed(waits, user.send("0"))
    await timed(waits, user.send("1"))
    await timed(waits, user.send("Two staff were taken at a checkpoint on the main road."))
    await timed(waits, pick(user, CATEGORY, "source_type", "official"))
    await skip_if_asked(user, waits, "photos")
    await timed(waits, press(user, action_prefix(ReportAction.SUBMIT)))


async def main(args: argparse.Namespace) -> None:
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/intake.db"
    db = Database(url)
    await upgrade_from_empty(db)
    bot = await BotHarness.create(db, admin_ids="", background_jobs=False)
    try:
        users = [await reporter(bot, 10_000 + n) for n in range(args.reporters)]
        waits: list[float] = []

        async def one(user: SimUser) -> None:
            for _ in range(args.reports_each):
                await file_report(user, waits)

        started = time.perf_counter()
        await asyncio.gather(*(one(u) for u in users))
        elapsed = time.perf_counter() - started
        async with db.session() as session:
            stored = (await session.execute(select(func.count()).select_from(Report))).scalar_one()
    finally:
        await bot.close()
        await db.dispose()

    expected = args.reporters * args.reports_each
    updates = len(waits)  # one update a step
    held_back = bot.emulator.state.counters["429"]
    ms = sorted(w * 1000 for w in waits)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{db.engine.name}: {args.reporters} reporters x {args.reports_each} reports, at once")
    print(f"  updates handled:   {updates:,} in {elapsed:.1f} s = {updates / elapsed:,.0f} updates/s")
    print(f"  reports stored:    {stored:,} of {expected:,} ({expected * 60 / elapsed:,.0f} reports/min)")
    print(
        f"  wait per step:     p50 {statistics.median(ms):,.0f} ms, p95 {p95:,.0f} ms, worst {ms[-1]:,.0f} ms"
    )
    print(f"  429s (replies held back by the 30/s limit, then sent): {held_back:,}")
    if stored != expected:
        raise SystemExit(f"{expected - stored} reports missing or {stored - expected} extra")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a new SQLite file; PostgreSQL: a scratch database")
    parser.add_argument("--reporters", type=int, default=50)
    parser.add_argument("--reports-each", type=int, default=2)
    asyncio.run(main(parser.parse_args()))
