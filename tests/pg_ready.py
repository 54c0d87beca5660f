"""`python -m tests.pg_ready URL`: exit 0 when PostgreSQL at URL accepts a connection."""

from __future__ import annotations

import asyncio
import sys

import asyncpg


async def _ready(url: str) -> bool:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    for _ in range(10):
        try:
            conn = await asyncpg.connect(dsn, timeout=3)
            await conn.close()
            return True
        except (OSError, asyncpg.PostgresError, TimeoutError):
            await asyncio.sleep(1)
    return False


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(_ready(sys.argv[1])) else 1)
