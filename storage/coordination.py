"""What replicas on one PostgreSQL database coordinate through, besides their rows: the jobs'
leader lock, per-chat update locks and the bot's one send budget.

These statements run on their own asyncpg connections, outside the SQLAlchemy pool, in autocommit:
a session advisory lock belongs to the connection that took it, and a send slot is one statement
(one round trip) where a session would take three. A process that dies loses its connections, and
PostgreSQL releases their locks at once (keepalives below bound it for a host that vanishes).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import NamedTuple

import asyncpg

# Two-key advisory locks: (namespace, key). Migrations use the one-key form, a separate space.
LEADER_LOCK = (0x6B68, 1)
CHAT_LOCKS = 0x6B69
SENDERS = 0x6B6A  # (SENDERS, a sender's key): held while that sender lives (`SenderLock`)
# A vanished host (no FIN) is noticed by PostgreSQL within about idle + interval x count seconds,
# which then frees the locks of that host's connections.
KEEPALIVES = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2", "tcp_keepalives_count": "3"}
NO_HORIZON = 3600.0

_NOW = "extract(epoch from clock_timestamp())"
# A slot: the later of the budget's next free time, a 429's pause, now and the caller's own
# `not_before` ($3, on the database's clock); the outbox takes it only when it is no further than
# `horizon` ahead, so replies (no horizon) always come first. One statement, so two replicas never
# get one slot, and the slots are spaced on one clock whichever replica took them.
_SLOT = f"greatest(next_at, paused_until, {_NOW}, $3)"
_TAKE = f"""
UPDATE send_budget SET next_at = {_SLOT} + $1
WHERE id = 1 AND {_SLOT} <= {_NOW} + $2
RETURNING next_at - $1, next_at - $1 - {_NOW}
"""
_WAIT = f"SELECT greatest(next_at, paused_until) - $1 - {_NOW} FROM send_budget WHERE id = 1"
_PAUSE = f"UPDATE send_budget SET paused_until = greatest(paused_until, {_NOW} + $1) WHERE id = 1"


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(asyncpg_dsn(url), server_settings=KEEPALIVES, timeout=10)


class Slot(NamedTuple):
    taken: bool
    wait: float  # taken: seconds until the slot; not taken: before asking again
    at: float  # taken: the slot's time on the database's clock


class LeaderLock:
    """The leader's lock on a connection of its own: held while that connection lives."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: asyncpg.Connection | None = None

    async def try_acquire(self) -> bool:
        if self._conn is None or self._conn.is_closed():
            self._conn = await connect(self.url)
        return bool(await self._conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", *LEADER_LOCK))

    async def still_held(self) -> bool:
        """A round trip on the lock's connection: if it answers, the lock is still ours."""
        if self._conn is None or self._conn.is_closed():
            return False
        return bool(await self._conn.fetchval("SELECT 1"))

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            await conn.close()  # the lock goes with the connection

    def abandon(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()


class SenderLock:
    """Held by a replica's outbox sender for its process's life, on a connection of its own; the
    rows it claims carry its key (`outbox.claimed_by`). When the process dies, PostgreSQL frees the
    lock with the connection, and the other replicas put its claimed rows back at once
    (`OutboxRepository.release_orphaned`) instead of waiting out a lease."""

    def __init__(self, conn: asyncpg.Connection, key: int) -> None:
        self._conn = conn
        self.key = key

    @classmethod
    async def take(cls, url: str) -> SenderLock:
        conn = await connect(url)
        while True:  # a random key: a clash with a live sender's is rare, and then another is drawn
            key = secrets.randbelow(2**31 - 2) + 1
            if await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", SENDERS, key):
                return cls(conn, key)

    async def close(self) -> None:
        if not self._conn.is_closed():
            await self._conn.close()


class Coordination:
    """A small asyncpg pool for per-chat locks and the send budget."""

    def __init__(self, pool: asyncpg.Pool, locking: set[int]) -> None:
        self.pool = pool
        self._locking = locking  # server pids of the pool's connections that took a chat lock

    @classmethod
    async def open(cls, url: str, size: int) -> Coordination:
        locking: set[int] = set()

        async def reset(conn: asyncpg.Connection) -> None:
            """The pool's reset of a connection it takes back, which asyncpg runs even when the
            task that held it was cancelled: a chat lock is released here. A connection that only
            took a send slot has nothing to release, and is spared the round trip. These
            connections hold no transactions, cursors, listeners or settings, so asyncpg's default
            reset (which also closes, unlistens and resets those) has nothing more to do."""
            pid = conn.get_server_pid()
            if pid in locking:
                locking.discard(pid)
                await conn.execute("SELECT pg_advisory_unlock_all()")

        pool = await asyncpg.create_pool(
            asyncpg_dsn(url), min_size=1, max_size=size, server_settings=KEEPALIVES, reset=reset
        )
        return cls(pool, locking)

    async def close(self) -> None:
        await self.pool.close()

    @asynccontextmanager
    async def chat_lock(self, chat_id: int) -> AsyncIterator[None]:
        """Hold `chat_id`'s lock (waiting for another replica's update of that chat to finish)."""
        key = chat_id % 2_147_483_647  # two-key locks take int4 keys; a collision only serialises
        async with self.pool.acquire() as conn:
            # Before asking: a holder cancelled while it waits may still get the lock on the server.
            self._locking.add(conn.get_server_pid())
            await conn.execute("SELECT pg_advisory_lock($1, $2)", CHAT_LOCKS, key)
            yield  # unlocked as the connection goes back to the pool (`Coordination.open`'s reset)

    async def take_slot(self, spacing: float, horizon: float = NO_HORIZON, not_before: float = 0.0) -> Slot:
        """A slot no sooner than `not_before` (a time on the database's clock, as `Slot.at`), or
        none if the next one is further than `horizon` seconds ahead."""
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(_TAKE, spacing, horizon, not_before)
            if row is not None:
                return Slot(True, max(0.0, float(row[1])), float(row[0]))
            wait = await conn.fetchval(_WAIT, horizon)
        return Slot(False, max(0.001, float(wait or 0.0)), 0.0)

    async def pause(self, seconds: float) -> None:
        """A 429's retry_after, for every replica's next slot."""
        async with self.pool.acquire() as conn:
            await conn.execute(_PAUSE, seconds)
