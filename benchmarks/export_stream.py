"""Export streaming: N approved reports through the export API, each format, over real HTTP.

Prints, per format: seconds, reports per second, megabytes sent and, with `--memory`, the peak
Python memory during the export (tracemalloc, which slows Python: time and memory are separate runs).
Memory should stay flat as N grows, since rows are read page by page and written as they come.

    .venv/bin/python benchmarks/export_stream.py                      # SQLite, 50,000 reports
    .venv/bin/python benchmarks/export_stream.py --reports 200000 --memory
    .venv/bin/python benchmarks/export_stream.py \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench

The database is emptied first (a PostgreSQL database's public schema is dropped: use a scratch one).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import ClientSession
from sqlalchemy import insert, select
from sqlmodel import col

from bot.config import load_settings
from bot.runtime.application import SANDBOX_TOKEN, build_application
from bot.runtime.web import WebServer
from storage.db import Database
from storage.migrate import upgrade_from_empty
from storage.models import District, Report

TOKEN = "benchmark-token-0123456789"


async def fill(db: Database, count: int) -> None:
    async with db.session() as session:
        result = await session.execute(select(col(District.pcode), col(District.province_pcode)))
        districts = [(str(row[0]), str(row[1])) for row in result.all()]
    rng = random.Random(8)
    start = date(2026, 1, 1)
    rows = []
    for n in range(1, count + 1):
        district, province = rng.choice(districts)
        occurred = start + timedelta(days=rng.randrange(320))
        gps = rng.random() < 0.3
        rows.append(
            {
                "reference": f"R-2026-{n:06d}",
                "draft_token": f"bench-{n}",
                "category": "health_attack",
                "answers": {
                    "occurred_on": occurred.isoformat(),
                    "province": province,
                    "district": district,
                    "attack_types": ["arson", "threat"],
                    "resources_affected": ["facility"],
                    "services_interrupted": "yes",
                    "perpetrator": "unknown",
                    "killed": rng.randrange(5),
                    "injured": "unknown",
                    "description": "A clinic was damaged; services stopped for two days." * 2,
                    "source_type": "witness",
                },
                "language": "en",
                "occurred_on": occurred,
                "province_pcode": province,
                "district_pcode": district,
                "lat": 34.5 + rng.random() if gps else None,
                "lon": 69.1 + rng.random() if gps else None,
                "killed": rng.randrange(5),
                "status": "approved",
                "certainty": rng.choice(["confirmed", "probable", "possible"]),
                "sensitive_fields": [],
                "approved_at": datetime.now(UTC),
                "created_at": datetime.now(UTC),
                "updated_at": datetime.now(UTC),
            }
        )
        if len(rows) == 5000 or n == count:
            async with db.session() as session:
                await session.execute(insert(Report), rows)
            rows = []


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--database-url")
    parser.add_argument("--memory", action="store_true", help="trace peak memory (slows Python ~2x)")
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    db = Database(url)
    await upgrade_from_empty(db)
    began = time.perf_counter()
    await fill(db, args.reports)
    print(
        f"{args.reports:,} approved reports inserted in {time.perf_counter() - began:.1f}s ({db.engine.name})"
    )

    settings = load_settings(_env_file=None, database_url=url, export_tokens=f"bench:{TOKEN}")
    app = build_application(settings, db, token=SANDBOX_TOKEN)
    server = WebServer(app, settings, db)
    port = await server.start("127.0.0.1", 0)
    try:
        async with ClientSession() as http:
            for fmt in ("hxl", "csv", "geojson", "json"):
                if args.memory:
                    tracemalloc.start()
                began = time.perf_counter()
                size = 0
                async with http.get(
                    f"http://127.0.0.1:{port}/api/v1/reports?format={fmt}",
                    headers={"Authorization": f"Bearer {TOKEN}"},
                ) as resp:
                    assert resp.status == 200, await resp.text()
                    async for block in resp.content.iter_chunked(64 * 1024):
                        size += len(block)
                seconds = time.perf_counter() - began
                line = (
                    f"{fmt:8} {seconds:6.1f}s  {args.reports / seconds:8,.0f} reports/s  {size / 1e6:7.1f} MB"
                )
                if args.memory:
                    line += f"  peak Python memory {tracemalloc.get_traced_memory()[1] / 1e6:5.1f} MB"
                    tracemalloc.stop()
                print(line)
    finally:
        await server.stop()
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
