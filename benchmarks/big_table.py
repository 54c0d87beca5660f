"""A million reports: the queries people wait on, timed on a bulk-loaded table.

Fills the database with N reports (COPY on PostgreSQL, executemany on SQLite, in batches), then
prints p50/p95 of what `/myreports`, `/pending` (the next card), `/search`, `/history`, a stale
Submit press (the draft-token lookup), one day's digest query (the day's approved reports, and the
day before's counted by category, province and certainty) and an export page run, through the
same services the handlers call, each in its own session. The export throughput is measured first,
right after the load, while the table's statistics are stale (PostgreSQL's autovacuum is held off
for the table until then), as after a restore or a bulk import. Then, on PostgreSQL, the table is
vacuumed, as a restore is, and the queries are timed. Peak RSS of the process is printed.

    .venv/bin/python benchmarks/big_table.py                                 # SQLite, 1,000,000
    .venv/bin/python benchmarks/big_table.py --reports 200000 \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench

The database is emptied first (a PostgreSQL database's public schema is dropped: use a scratch one);
`--reuse` times the queries again on one it filled before, without loading.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot import moderation, search
from bot.exports import ExportFormat, ExportStream
from bot.forms.actions import Press, ReportAction
from bot.intake.flow import Intake
from bot.intake.guard import Input
from bot.intake.screens import TOKEN_PREFIX
from bot.places import load_places
from bot.search import searchable_text
from bot.subscriptions import categories
from domain.vocabulary import AuditAction, Certainty, ReportStatus
from storage.db import Database
from storage.exports import ReportFilter, report_page
from storage.migrate import upgrade_from_empty
from storage.models import District, Province, ReportEvent, User
from storage.subscriptions import DigestReport, DigestReportRepository

NOW = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
SPAN_DAYS = 1000
FIRST_REPORTER = 70_000_000
BATCH = 5_000  # rows per write, and per rendering job: few in memory at once
WORDS = ("clinic", "checkpoint", "school", "convoy", "flood", "market", "road", "staff", "shelling")
STATUSES: tuple[tuple[ReportStatus, float], ...] = (
    (ReportStatus.APPROVED, 0.88),
    (ReportStatus.REJECTED, 0.06),
    (ReportStatus.MERGED, 0.03),
    (ReportStatus.PENDING, 0.02),
    (ReportStatus.NEEDS_INFO, 0.01),
)
COLUMNS = [
    "id",
    "reference",
    "draft_token",
    "category",
    "reporter_id",
    "answers",
    "language",
    "occurred_on",
    "province_pcode",
    "district_pcode",
    "killed",
    "injured",
    "status",
    "certainty",
    "urgent",
    "sensitive_fields",
    "corroborations",
    "version",
    "created_at",
    "updated_at",
    "approved_at",
    "search_text",
]


def rows(n: int, reporters: int, districts: list[tuple[str, str]], seed: int) -> Iterator[tuple[Any, ...]]:
    """Report rows, oldest first (ids follow creation), as tuples in `COLUMNS` order."""
    rng = random.Random(seed)
    codes = [c for c, _ in categories()]
    statuses, weights = zip(*STATUSES, strict=True)
    span = timedelta(days=SPAN_DAYS).total_seconds()
    first = NOW - timedelta(days=SPAN_DAYS)
    numbers: dict[int, int] = {}
    for i in range(1, n + 1):
        created = first + timedelta(seconds=span * i / n)
        district, province = rng.choice(districts)
        status = rng.choices(statuses, weights)[0]
        # The newest reports are the ones still waiting: a queue of a few dozen, not 2% of history.
        if status in (ReportStatus.PENDING, ReportStatus.NEEDS_INFO) and i < n - 200:
            status = ReportStatus.APPROVED
        words = " ".join(rng.sample(WORDS, 3))
        numbers[created.year] = number = numbers.get(created.year, 0) + 1
        answers = {"description": f"Report {i}: {words} near the district centre. " * rng.randint(1, 4)}
        shown = DigestReport(
            id=i,
            reference=f"R-{created.year}-{number:06d}",
            category=rng.choice(codes),
            answers=answers,
            sensitive_fields=[],
            occurred_on=created.date(),
            province_pcode=province,
            district_pcode=district,
            killed=rng.choice((None, 0, 0, 1, 2)),
            injured=rng.choice((None, 0, 1, 3)),
            certainty=rng.choice(tuple(Certainty)),
            urgent=False,
            corroborations=rng.randint(0, 2),
            incident_id=None,
        )
        approved = status is ReportStatus.APPROVED
        yield (
            i,
            shown.reference,
            f"{rng.getrandbits(128):032x}",
            shown.category,
            FIRST_REPORTER + rng.randrange(reporters),
            answers,
            "en",
            shown.occurred_on,
            province,
            district,
            shown.killed,
            shown.injured,
            status.value,
            shown.certainty,
            False,
            [],
            shown.corroborations,
            1,
            created,
            created,
            created + timedelta(hours=3) if approved else None,
            # Replaced by its search text (`with_search_text`): what the bot stores on approval.
            shown if approved else None,
        )


def batches(it: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in it:
        chunk.append(row)
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _render(chunk: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [(*row[:-1], searchable_text(row[-1]) if row[-1] is not None else None) for row in chunk]


def with_search_text(chunks: Iterator[list[tuple[Any, ...]]]) -> Iterator[list[tuple[Any, ...]]]:
    """Each row's search text, rendered by the bot's own `searchable_text` (as `bot.search.refresh`
    does on approval) in a process per core, a few batches ahead of the writer."""
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        ahead: deque[Future[list[tuple[Any, ...]]]] = deque()
        for chunk in chunks:
            ahead.append(pool.submit(_render, chunk))
            if len(ahead) > 2:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value.isoformat() if hasattr(value, "isoformat") else value


async def load(db: Database, n: int, reporters: int) -> None:
    async with db.session() as session:
        result = await session.execute(select(col(District.pcode), col(District.province_pcode)))
        districts = [(str(d), str(p)) for d, p in result.all()]
        for start in range(0, reporters, BATCH):
            ids = range(start, min(start + BATCH, reporters))
            await session.execute(
                insert(User),
                [{"id": FIRST_REPORTER + i, "role": "reporter", "language": "en"} for i in ids],
            )
    generated = with_search_text(batches(rows(n, reporters, districts, seed=17)))
    if db.is_sqlite:
        path = make_url(db.url).database
        assert path
        lite = sqlite3.connect(path)
        # As a restore would: the FTS index is built once at the end, not row by row.
        (trigger,) = lite.execute("SELECT sql FROM sqlite_master WHERE name = 'reports_search_ai'").fetchone()
        lite.execute("DROP TRIGGER reports_search_ai")
        sql = f"INSERT INTO reports ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        for chunk in generated:
            lite.executemany(sql, [tuple(_sqlite_value(v) for v in row) for row in chunk])
            lite.commit()
        lite.execute("INSERT INTO report_search(report_search) VALUES ('rebuild')")
        lite.execute(trigger)
        lite.commit()
        lite.close()
        return
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        await raw.execute("ALTER TABLE reports SET (autovacuum_enabled = false)")
        # As a restore would: the trigram index is built once at the end, not row by row.
        trigram = await raw.fetchval(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_reports_search_trgm'"
        )
        await raw.execute("DROP INDEX ix_reports_search_trgm")
        for chunk in generated:
            records = [tuple(json.dumps(v) if isinstance(v, dict | list) else v for v in r) for r in chunk]
            await raw.copy_records_to_table("reports", records=records, columns=COLUMNS)
        await raw.execute("SELECT setval('reports_id_seq', (SELECT max(id) FROM reports))")
        await raw.execute("SET maintenance_work_mem = '256MB'")
        await raw.execute(trigram)


async def add_history(db: Database, report_ids: list[int]) -> None:
    """A few audit rows for the reports /history is asked about."""
    async with db.session() as session:
        for rid in report_ids:
            for action in (AuditAction.SUBMITTED, AuditAction.NEEDS_INFO, AuditAction.APPROVED):
                session.add(ReportEvent(report_id=rid, actor_id=FIRST_REPORTER, action=action))


def percentiles(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


async def timed(db: Database, samples: int, query: Callable[[AsyncSession, int], Awaitable[object]]) -> str:
    ms: list[float] = []
    for n in range(samples):
        started = time.perf_counter()
        async with db.session() as session:
            await query(session, n)
        ms.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(ms)
    return f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"


async def export_rate(db: Database, limit: int) -> tuple[int, float]:
    stream = ExportStream(db, ExportFormat.CSV, ReportFilter())
    started = time.perf_counter()
    async for _chunk in stream:
        if stream.count >= limit:
            break
    return stream.count, time.perf_counter() - started


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main(args: argparse.Namespace) -> None:
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='khabar-big-')}/big.db"
    db = Database(url)
    args.reporters = args.reporters or max(1, args.reports // 50)
    print(f"{db.engine.name}: {args.reports:,} reports, {args.reporters:,} reporters")
    rng = random.Random(3)
    history_ids = [rng.randrange(1, args.reports + 1) for _ in range(args.samples)]
    if not args.reuse:
        await upgrade_from_empty(db)
        began = time.perf_counter()
        await load(db, args.reports, args.reporters)
        print(f"  bulk load:           {time.perf_counter() - began:7.1f} s")
        await add_history(db, history_ids)
        count, seconds = await export_rate(db, args.export_reports)
        print(
            f"  export (stale stats): {count:,} reports in {seconds:.1f} s = {count / seconds:,.0f} reports/s"
        )
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE reports RESET (autovacuum_enabled)"))
            await conn.execute(text("ANALYZE"))
        if not args.reuse:
            # As after a restore: VACUUM sets the loaded rows' hint bits and visibility map, which
            # the first read of each page otherwise does, writing the page (autovacuum does it too,
            # minutes later, once re-enabled above). Timed before it, /search p95 was 98.9 and 61.6
            # ms in two runs (the second after a CHECKPOINT), 3.9-4.9 ms on --reuse (4.9 with the
            # OS's page cache dropped), 4.5 ms after it. The export above is timed before it.
            vacuum = db.engine.execution_options(isolation_level="AUTOCOMMIT")
            async with vacuum.connect() as conn:
                await conn.execute(text("VACUUM (ANALYZE) reports"))

    tz = ZoneInfo("Asia/Kabul")
    async with db.session() as session:
        gazetteer = await load_places(session)
        names = [str(n) for n in (await session.execute(select(col(Province.name_en)))).scalars()]
        fa_names = [str(n) for n in (await session.execute(select(col(Province.name_prs)))).scalars()]
        mine = await session.execute(
            select(col(User.id)).where(col(User.role) == "reporter").limit(args.samples)
        )
        reporter_ids = [int(r) for r in mine.scalars()]
    tokens: list[tuple[int, str]] = []
    references: dict[int, str] = {}
    async with db.engine.connect() as conn:
        for rid in history_ids:
            sql = text("SELECT reporter_id, draft_token, reference FROM reports WHERE id = :i")
            row = (await conn.execute(sql, {"i": rid})).one()
            tokens.append((int(row[0]), str(row[1])))
            references[rid] = str(row[2])

    def intake(session: AsyncSession, user_id: int) -> Intake:
        user = User(id=user_id, role="reporter", language="en")
        return Intake(session, user, gazetteer, now=NOW, tz=tz, wipe_default=False)

    async def my_reports(session: AsyncSession, n: int) -> object:
        return await intake(session, reporter_ids[n % len(reporter_ids)]).my_reports()

    async def pending(session: AsyncSession, n: int) -> object:
        report = await moderation.next_pending(session)
        return await moderation.card(session, report) if report is not None else None

    async def search_(session: AsyncSession, n: int) -> object:
        words = (names[n % len(names)], WORDS[n % len(WORDS)], fa_names[n % len(fa_names)], "")[n % 4]
        return await search.search(session, words, NOW)

    async def history(session: AsyncSession, n: int) -> object:
        return await moderation.history(session, references[history_ids[n % len(history_ids)]])

    async def stale_submit(session: AsyncSession, n: int) -> object:
        reporter, token = tokens[n % len(tokens)]
        press = Press(ReportAction.SUBMIT, token[:TOKEN_PREFIX])
        return await intake(session, reporter).on_button(Input("button", press_id=str(n)), press)

    async def digest_day(session: AsyncSession, n: int) -> object:
        end = NOW - timedelta(days=n % 300)
        repo = DigestReportRepository(session)
        return await repo.approved_between(end - timedelta(days=1), end), await repo.approved_keys_between(
            end - timedelta(days=2), end - timedelta(days=1)
        )

    async def export_page(session: AsyncSession, n: int) -> object:
        after = rng.randrange(args.reports)
        return await report_page(session, ReportFilter(), status=ReportStatus.APPROVED, after_id=after)

    for label, query in (
        ("/myreports", my_reports),
        ("/pending", pending),
        ("/search", search_),
        ("/history", history),
        ("stale Submit", stale_submit),
        ("digest day query", digest_day),
        ("export page (500)", export_page),
    ):
        print(f"  {label:20} {await timed(db, args.samples, query)}")
    print(f"  peak RSS:            {rss_mib():7.0f} MiB")
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a new SQLite file; PostgreSQL: a scratch database")
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--reporters", type=int, help="default: one per 50 reports")
    parser.add_argument("--samples", type=int, default=100, help="timed runs of each query")
    parser.add_argument("--export-reports", type=int, default=50_000, help="reports in the timed export")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the queries again on a database this script filled (same --reports and --samples)",
    )
    asyncio.run(main(parser.parse_args()))
