"""The outbox sender: the only code that sends outbox rows to Telegram.

It drains due `pending` rows (a chat's in id order) within Telegram's limits — at most `rate`
messages a second (settings.send_rate, ≤ 30), inside the bot's send budget that replies share
(`send_budget`: the process's, or on PostgreSQL every replica's), and one a second per chat — and
records every attempt in `deliveries` with the message id. Every replica may run a sender: rows are
claimed with `FOR UPDATE SKIP LOCKED`, and a sent row makes its chat's next row due a second later,
in the database, whichever replica sends it. Outcomes:

* 429 `RetryAfter`: the budget (so every sender and reply) waits exactly `retry_after`, the row
  goes back to pending due `retry_after` later, then sending continues.
* 403 `Forbidden` (the user blocked the bot): the row and the chat's other unsent rows fail, and the
  user's subscriptions are paused; nothing is retried.
* 400 `BadRequest`: the reason is recorded and the row fails.
* network errors: retried with exponential backoff through `next_attempt_at`, failed after
  `MAX_ATTEMPTS`.

Exactly-once, and where it can break. Each row is claimed (status `sending` + `claimed_at`, committed)
before the request and marked `sent` (committed) right after Telegram's answer. The only window in
which a message can be sent twice is between Telegram accepting the message and the commit that marks
the row sent (see `_deliver`): if the process dies there, the row stays `sending` and is put back to
pending and sent again — on PostgreSQL within about a second, when another replica sees the dead
sender's lock gone (`claimed_by`, `SenderLock`); otherwise (SQLite, `khabar send-now`) when its claim
is older than `lease`. We chose resending (at-least-once in
that window) over leaving the row stuck (at-most-once), because a coordinator missing a digest is
worse than seeing one twice. The window is one HTTP response plus one small UPDATE and INSERT (and
the wait for the sender's database lock, a few milliseconds). The same holds for a request that
times out after Telegram accepted it (`TimedOut` is retried). Rows are claimed a few at a time
just before their requests; a crash after a claim but before the request only delays those rows
that long (they were never sent, so resending them is no duplicate). Cancelling the sender
(shutdown, `task.cancel()`) does not open the window: claims already made and requests in flight are
finished and recorded before it stops.

Order: a chat's rows go out in the order they were queued — only each chat's oldest unsent row is
ever due (`OutboxRepository.due`), so a digest's later part never overtakes one waiting for a retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.config import TELEGRAM_LIMIT
from bot.localize import looks_rtl, rtl_safe
from bot.reporter_access import unreachable
from bot.runtime.metrics import DELIVERIES, OUTBOX_DEPTH, RETRY_AFTER
from bot.runtime.send_budget import Budget, OutboxPacer, SendBudget
from domain.vocabulary import DeliveryOutcome, OutboxKind, OutboxStatus, SubscriptionStatus
from storage.chat_log import ChatLogRepository
from storage.db import Database
from storage.models import Outbox, utcnow
from storage.outbox import OutboxRepository
from storage.subscriptions import SubscriptionRepository

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
# A little over a second between two messages to one chat, so network jitter never makes two
# requests arrive at Telegram less than a second apart.
CHAT_INTERVAL = 1.05
BATCH = 200
# The queue is topped up when it falls below this, at most every REFILL_EVERY seconds.
REFILL_BELOW = 100
REFILL_EVERY = 0.25
# How often a sender looks for rows a dead sender left in `sending`: another replica's claims (gone
# with its lock, a cheap look at pg_locks), or those ended by the lease.
ORPHANS_EVERY = 1.0
LEASE_EVERY = 30.0
# `drain()` also waits for rows coming due this soon (a 429's retry), not for network backoffs.
DRAIN_HORIZON = timedelta(seconds=5)
MAX_TEXT = 4096  # Telegram's limit for one message


def retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after  # a timedelta (PTB_TIMEDELTA, see bot/__init__.py), or seconds if not
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Sender:
    def __init__(
        self,
        db: Database,
        bot: Bot,
        *,
        rate: float,
        lease: timedelta = timedelta(seconds=60),
        poll: float = 0.5,
        clock: Callable[[], datetime] = utcnow,
        max_in_flight: int = 30,
        budget: Budget | None = None,
        claimer: int | None = None,
        limit: float = TELEGRAM_LIMIT,
    ) -> None:
        """`claimer`: this process's `SenderLock` key (PostgreSQL), which ends its claims with it;
        without one, a claim ends `lease` after it was made."""
        self.db = db
        self.bot = bot
        # Shared with the replies (of this process, or on PostgreSQL of every replica).
        self.pacer = OutboxPacer(budget or SendBudget(), rate, limit)
        self.lease = lease
        self.claimer = claimer
        self.poll = poll
        self.clock = clock
        self.max_in_flight = max_in_flight
        self.sent = 0
        self.retry_after_count = 0
        self._wake = asyncio.Event()
        self._chat_ready: dict[int, float] = {}  # monotonic time each chat may receive again
        self._busy_chats: set[int] = set()
        self._deferred_chats: set[int] = set()  # chats whose row was put back in this batch
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._last_recover = 0.0
        self._db_lock = asyncio.Lock()
        self._queue: list[Outbox] = []  # due rows fetched, not yet claimed, in `due`'s order
        self._last_refill = 0.0
        self._claiming: asyncio.Future[None] | None = None

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        # One unit of work at a time: up to `max_in_flight` deliveries would otherwise commit
        # concurrently, and on SQLite the losers sleep in the busy handler (up to 100 ms a try).
        async with self._db_lock, self.db.session() as session:
            yield session

    # --- running ---------------------------------------------------------------------------------

    async def run(
        self, keep_running: Callable[[], bool] = lambda: True, *, until_empty: bool = False
    ) -> None:
        """Send until `keep_running()` is false (or, with `until_empty`, until nothing is due).

        Cancelling this coroutine stops dispatching at once but lets the requests already in flight
        finish and be recorded, so a cancel never leaves a sent message unrecorded.
        """
        try:
            while keep_running():
                await self._recover()
                if len(self._queue) < REFILL_BELOW:
                    await self._refill()
                if self._queue:
                    await self._dispatch(keep_running)
                    continue
                if self._in_flight:
                    await asyncio.wait(list(self._in_flight.values()), timeout=self.poll)
                    continue
                if until_empty and not await self._retry_soon():
                    break
                await self._idle(keep_running)
        finally:
            if self._claiming is not None:
                await asyncio.shield(asyncio.gather(self._claiming, return_exceptions=True))
                self._claiming = None
            if self._in_flight:
                await asyncio.shield(asyncio.gather(*self._in_flight.values(), return_exceptions=True))
            if self.pacer.late_slots:  # a busy machine: the rate it cost (benchmarks/replicas.py)
                log.info("outbox: %s budget slots unused, woken for too late", self.pacer.late_slots)

    async def _retry_soon(self) -> bool:
        """Whether a pending row comes due within DRAIN_HORIZON (a 429's retry, typically)."""
        async with self._session() as session:
            due = await OutboxRepository(session).next_attempt_at()
        return due is not None and due - self.clock() <= DRAIN_HORIZON

    def wake(self) -> None:
        """End a wait between polls now: the application is stopping, and `keep_running` says so."""
        self._wake.set()

    async def _idle(self, keep_running: Callable[[], bool]) -> None:
        self._wake.clear()
        if keep_running():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)

    async def drain(self) -> int:
        """Send everything due now, then return the number sent (CLI, tests, benchmarks)."""
        before = self.sent
        await self.run(until_empty=True)
        return self.sent - before

    async def _recover(self) -> None:
        """Put back to pending the rows a dead sender left in `sending`: another replica's as soon
        as its lock is gone (checked every ORPHANS_EVERY seconds), the rest after `lease`."""
        now = time.monotonic()
        every = ORPHANS_EVERY if self.claimer is not None else min(LEASE_EVERY, self.lease.total_seconds())
        if now - self._last_recover < every and self._last_recover:
            return
        self._last_recover = now
        async with self._session() as session:
            repo = OutboxRepository(session)
            released = await repo.release_stale(self.clock() - self.lease)
            if self.claimer is not None:
                released += await repo.release_orphaned()
        if released:
            log.warning("outbox: %s rows left in sending by a dead sender are pending again", released)

    async def _refill(self) -> None:
        """Top the queue up with due rows (one per chat, in `due`'s order) not already queued or sent."""
        self._last_refill = time.monotonic()
        async with self._session() as session:
            repo = OutboxRepository(session)
            rows = await repo.due(self.clock(), BATCH)
            OUTBOX_DEPTH.set(await repo.depth())
        self._deferred_chats.clear()
        fetched = {r.id for r in rows}
        kept = [r for r in self._queue if r.id not in fetched]
        self._queue = [*(r for r in rows if r.id not in self._in_flight), *kept]

    async def _dispatch(self, keep_running: Callable[[], bool]) -> None:
        """Start the queued rows' deliveries in order, each as soon as its chat may receive again;
        return when the queue runs low (to refill it while sending goes on) or empty.

        Rows are claimed a few at a time (one UPDATE for a fraction of a second's worth of sends):
        a claim per message would make the database, not Telegram, the limit.
        """
        group = max(1, min(self.max_in_flight, round(1 / self.pacer.interval / 4)))
        while self._queue and keep_running():
            if len(self._queue) < REFILL_BELOW and time.monotonic() - self._last_refill > REFILL_EVERY:
                return
            now = time.monotonic()
            if self.pacer.paused_until > now:
                await asyncio.sleep(self.pacer.paused_until - now)
                continue
            self._queue = [r for r in self._queue if r.chat_id not in self._deferred_chats]
            # Rows whose chat may receive now, one per chat: the queue holds only each chat's oldest
            # unsent row (`due`), so one chat's digest parts go out in order.
            ready: dict[int, Outbox] = {}
            room = min(group, self.max_in_flight - len(self._in_flight))
            for row in self._queue:
                if len(ready) >= room:
                    break
                chat = row.chat_id
                free = chat not in ready and chat not in self._busy_chats
                if free and self._chat_ready.get(chat, 0.0) <= now:
                    ready[chat] = row
            if not ready:
                waits = [self._chat_ready.get(r.chat_id, 0.0) - now for r in self._queue]
                await asyncio.sleep(min(max(min(waits, default=0.05), 0.01), 0.2))
                continue
            picked = list(ready.values())
            for row in picked:
                self._queue.remove(row)
            # Shielded: a cancel between the claim's commit and the start of the deliveries would
            # leave claimed rows that nobody sends until their lease runs out.
            self._claiming = asyncio.ensure_future(self._claim_and_start(picked))
            await asyncio.shield(self._claiming)
            self._claiming = None

    async def _claim_and_start(self, picked: list[Outbox]) -> None:
        async with self._session() as session:
            claimed = set(
                await OutboxRepository(session).claim_many(
                    [r.id for r in picked if r.id], self.clock(), self.claimer
                )
            )
        for row in picked:
            if row.id in claimed:  # the others were taken by another sender meanwhile
                self._busy_chats.add(row.chat_id)
                self._in_flight[row.id] = asyncio.create_task(self._deliver(row))

    # --- one message -----------------------------------------------------------------------------

    async def _deliver(self, row: Outbox) -> None:
        """Send one claimed row and record the outcome."""
        assert row.id is not None
        try:
            attempts = row.attempts + 1  # the claim counted this attempt
            if row.kind == OutboxKind.NOTICE and await self._recipient_gone(row):
                return
            protect = OutboxKind(row.kind).protected
            await self.pacer.wait_turn()
            self._chat_ready[row.chat_id] = time.monotonic() + CHAT_INTERVAL
            # ---- duplicate window opens: from here until the commit below, a crash leaves a row
            # ---- in `sending` that Telegram may already have delivered; `_recover` resends it.
            try:
                message = await self.bot.send_message(
                    row.chat_id, _bidi(row), parse_mode=row.parse_mode, protect_content=protect
                )
            except RetryAfter as exc:
                await self._retry_after(row, retry_seconds(exc))
            except Forbidden as exc:
                await self._blocked(row, str(exc))
            except BadRequest as exc:
                await self._finish(row, OutboxStatus.FAILED, DeliveryOutcome.BAD_REQUEST, detail=str(exc))
            except (NetworkError, TelegramError) as exc:
                await self._network(row, attempts, f"{type(exc).__name__}: {exc}")
            else:
                await self._finish(
                    row,
                    OutboxStatus.SENT,
                    DeliveryOutcome.SENT,
                    message_id=message.message_id,
                    next_attempt_at=self.clock() + timedelta(seconds=CHAT_INTERVAL),
                )
                # ---- duplicate window closed: the row is `sent`.
                self.sent += 1
        except Exception:
            log.exception("outbox row %s: delivery failed unexpectedly", row.id)
        finally:
            self._busy_chats.discard(row.chat_id)
            self._in_flight.pop(row.id, None)

    async def _recipient_gone(self, row: Outbox) -> bool:
        """Re-checked just before sending: a person blocked or revoked since the notice was queued
        gets nothing (review finding 5); the row fails as withheld."""
        async with self._session() as session:
            why = await unreachable(session, row.chat_id, known_only=True)
        if why:
            await self._finish(row, OutboxStatus.FAILED, DeliveryOutcome.WITHHELD, detail=f"recipient {why}")
        return why is not None

    async def _finish(
        self,
        row: Outbox,
        status: OutboxStatus,
        outcome: DeliveryOutcome,
        *,
        message_id: int | None = None,
        detail: str | None = None,
        next_attempt_at: datetime | None = None,
    ) -> None:
        async with self._session() as session:
            await OutboxRepository(session).finish(
                row,
                status=status,
                outcome=outcome,
                now=self.clock(),
                message_id=message_id,
                detail=detail,
                next_attempt_at=next_attempt_at,
            )
            if message_id is not None and row.chat_id > 0:
                # A private chat (user ids are positive, groups negative): /wipe must be able to
                # delete a notice, digest or alert as it deletes a reply.
                await ChatLogRepository(session).record(row.chat_id, message_id, from_bot=True)
        DELIVERIES.labels(outcome).inc()

    async def _retry_after(self, row: Outbox, seconds: float) -> None:
        RETRY_AFTER.inc()
        self.retry_after_count += 1
        await self.pacer.pause(seconds)
        self._deferred_chats.add(row.chat_id)
        log.warning("outbox row %s: 429, waiting %s s", row.id, seconds)
        await self._finish(
            row,
            OutboxStatus.PENDING,
            DeliveryOutcome.RETRY_AFTER,
            detail=f"retry after {seconds:g} s",
            next_attempt_at=self.clock() + timedelta(seconds=seconds),
        )

    async def _blocked(self, row: Outbox, detail: str) -> None:
        async with self._session() as session:
            await OutboxRepository(session).finish(
                row,
                status=OutboxStatus.FAILED,
                outcome=DeliveryOutcome.BLOCKED,
                now=self.clock(),
                detail=detail,
            )
            await OutboxRepository(session).fail_chat(row.chat_id, "blocked by the user")
            # Every subscription of this person: the chat is one, so none of them can be delivered.
            subs = SubscriptionRepository(session)
            for sub in await subs.for_user(row.chat_id, {SubscriptionStatus.ACTIVE}):
                assert sub.id is not None
                await subs.set_status(sub.id, SubscriptionStatus.PAUSED)
        DELIVERIES.labels(DeliveryOutcome.BLOCKED).inc()
        log.info("outbox row %s: chat blocked the bot; its subscriptions are paused", row.id)

    async def _network(self, row: Outbox, attempts: int, detail: str) -> None:
        self._deferred_chats.add(row.chat_id)
        if attempts >= MAX_ATTEMPTS:
            await self._finish(row, OutboxStatus.FAILED, DeliveryOutcome.NETWORK, detail=detail)
            return
        retry_at = self.clock() + timedelta(seconds=min(600, 5 * 2**attempts))  # exponential backoff
        await self._finish(
            row, OutboxStatus.PENDING, DeliveryOutcome.NETWORK, detail=detail, next_attempt_at=retry_at
        )


def _bidi(row: Outbox) -> str:
    """Right-to-left marks for a Dari or Pashto message (rendered earlier, in the recipient's
    language), unless they would push it past Telegram's limit."""
    text = rtl_safe(row.text, html=(row.parse_mode or "").upper() == "HTML", rtl=looks_rtl(row.text))
    return text if len(text) <= MAX_TEXT else row.text
