"""Which replica leads the scheduled jobs (digest and alert ticks, moderator notices, the retention
purge): exactly one at a time, so nothing is queued twice and no purge races another.

On PostgreSQL the leader is the replica holding a session advisory lock (`storage.coordination`).
The others try to take it every LEADER_TAKEOVER_SECONDS; when the leader dies its connection
closes, PostgreSQL frees the lock, and the next try wins, so a takeover takes at most that long
(plus about 11 s if the leader's host vanished without closing the connection: the keepalives).
The leader checks its connection at the same pace and stops leading the moment it fails, before
another replica can have taken the lock. Jobs that a dying leader had begun are idempotent (unique
outbox keys, versioned changes), so a tick run by both the old and the new leader does no harm.

On SQLite there is one instance (storage.instance_lock), which leads. BACKGROUND_JOBS=false: never.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from storage.coordination import LeaderLock

log = logging.getLogger(__name__)


class Leadership:
    def __init__(self, url: str | None, *, enabled: bool, check_every: float) -> None:
        """`url`: the PostgreSQL database to elect through; None for the single SQLite instance."""
        self.enabled = enabled
        self.check_every = check_every
        self._lock = LeaderLock(url) if url and enabled else None
        self.is_leader = enabled and self._lock is None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._lock is None:
            return
        await self._check()  # the first replica leads from its first tick on
        self._task = asyncio.create_task(self._run(), name="leader-election")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._lock is not None:
            self.is_leader = False
            with contextlib.suppress(Exception):
                await self._lock.close()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.check_every)
            await self._check()

    async def _check(self) -> None:
        assert self._lock is not None
        try:
            if self.is_leader:
                held = await asyncio.wait_for(self._lock.still_held(), self.check_every)
                if not held:
                    raise ConnectionError("the leader lock's connection is closed")
            elif await asyncio.wait_for(self._lock.try_acquire(), self.check_every):
                self.is_leader = True
                log.info("this replica now leads the background jobs")
        except Exception as exc:
            if self.is_leader:
                log.warning("stopped leading the background jobs: %s", type(exc).__name__)
            self.is_leader = False
            self._lock.abandon()
