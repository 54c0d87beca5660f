"""`python -m tests.pg_ready URL`: exit 0 when PostgreSQL at URL accepts a connection; otherwise
say why on stderr (a server that is down and a database that does not exist call for different fixes)."""

from __future__ import annotations

import asyncio
import sys

import asyncpg


async def _ready(url: str) -> str | None:
    """None when a connection succeeds, else the last reason it did not."""
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    reason = "no attempt"
    for _ in range(10):
        try:
            conn = await asyncpg.connect(dsn, timeout=3)
            await conn.close()
            return None
        except asyncpg.InvalidCatalogNameError as exc:
            return str(exc)  # waiting will not create the database
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            reason = str(exc) or type(exc).__name__
            await asyncio.sleep(1)
    return reason


if __name__ == "__main__":
    failure = asyncio.run(_ready(sys.argv[1]))
    if failure is not None:
        print(f"PostgreSQL: {failure}", file=sys.stderr)
    sys.exit(0 if failure is None else 1)
