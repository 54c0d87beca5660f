"""Running the suite on several pytest-xdist workers (`pytest -n 2`): each worker gets a database of
its own. On SQLite that is a temporary file per process anyway; on PostgreSQL, worker `gw1` of a run
on `.../test_x` uses `.../test_x_gw1`, created on first use (the run's own database must exist)."""

from __future__ import annotations

import asyncio
import contextlib
import os

import asyncpg
from sqlalchemy.engine import make_url


def worker_database_url(url: str, worker: str | None) -> str:
    """The database URL for one xdist worker (`gw0`, `gw1` …), or `url` itself outside xdist."""
    if not worker or url.startswith("sqlite"):
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


async def _create_if_missing(base_url: str, name: str) -> None:
    dsn = make_url(base_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):  # another run made it meanwhile
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def use_worker_database() -> None:
    """Point TEST_DATABASE_URL at this worker's own database (creating it), so the fixtures and the
    `khabar` processes the tests start (which inherit the environment) all use it."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return
    own = worker_database_url(url, worker)
    if own != url:
        name = make_url(own).database
        assert name is not None
        asyncio.run(_create_if_missing(url, name))
        os.environ["TEST_DATABASE_URL"] = own
