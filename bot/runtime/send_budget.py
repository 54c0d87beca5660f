"""One budget of new messages a second for the whole bot, against Telegram's overall limit.

Telegram answers past about 30 new messages a second with a 429 and a pause. Replies to people in
a conversation and the outbox sender's digests draw on the same budget, so neither pushes the other
over the limit: a reply waits a few milliseconds for a slot instead of a whole second for a 429.
A 429 that slips through pauses the budget for its `retry_after`, for everyone who draws on it.

Two kinds, one interface (`Budget`):

* `SendBudget`, in process memory, for the single instance on SQLite: slots per rolling second, and
  the sender leaves what it was not configured to use (`reserve`) for replies, so a digest run at
  07:00 does not slow down the reporters filing at that hour.
* `SharedBudget`, in PostgreSQL, for every replica of the bot at once (one row, `send_budget`):
  slots evenly spaced at 1/SEND_BUDGET seconds on the database's clock, the way Telegram counts
  them whichever process sends. A slot is one UPDATE of `next_at` (no window to count, no lock
  held while waiting): the caller then sleeps until its slot. Replies take the next slot however
  far ahead it is; the outbox takes one only when it is at most OUTBOX_AHEAD spacings ahead, so
  replies always come first and the outbox fills the rest (no reserve needed: it may use the whole
  budget when nobody is talking).

Exact spacing is what lets the budget sit close to Telegram's figure (SEND_BUDGET 29 of 30): 31
messages in one second would need a whole spacing (34 ms) of bunching, and `OutboxPacer` drops a
slot it woke for more than LATE late rather than bunch its message with the next ones.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from storage.coordination import Coordination

# Below Telegram's figure: the stamps are taken as requests leave, and a busy machine or network
# can bunch their arrivals (a 429 that slips through is still waited out, never lost).
PER_SECOND = 28
# A slot woken for later than this is not used (`OutboxPacer`): at 29 messages a second, Telegram's
# 30 in any second leave about one spacing (34 ms) for the lateness of a send and the network's
# jitter; each slot dropped costs one message's time, a 429 a whole second of everyone's.
LATE = 0.020
# How many slots ahead the outbox may reserve: enough that a sender woken late does not lose its
# slot (the spacing would then drift behind the budget), few enough that a reply waits little.
OUTBOX_AHEAD = 3


class Budget(Protocol):
    per_second: int

    async def take(self) -> None:
        """A reply's slot: wait for it (replies come first)."""

    async def outbox_slot(self, reserve: int, interval: float) -> tuple[bool, float]:
        """(True, wait) a slot was taken for the outbox, at least `interval` after its previous
        one, to be used after `wait` seconds; (False, wait) none now, ask again after `wait`."""

    async def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends for `seconds`."""


class SendBudget:
    def __init__(self, per_second: int = PER_SECOND, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self._clock = clock
        self._stamps: deque[float] = deque()  # when each send of the last second left
        self._turn = asyncio.Lock()  # waiting replies are served in the order they asked
        self._paused_until = 0.0
        self._outbox_last = -1e9  # when the outbox's previous slot was taken

    def try_take(self, reserve: int = 0) -> float:
        """Take a slot now and return 0, or return how long to wait before asking again. `reserve`
        slots of the second are left to callers that reserve none."""
        now = self._clock()
        if self._paused_until > now:
            return self._paused_until - now
        while self._stamps and now - self._stamps[0] >= 1.0:
            self._stamps.popleft()
        limit = max(1, self.per_second - reserve)
        if len(self._stamps) < limit:
            self._stamps.append(now)
            return 0.0
        # Room comes back when enough of the oldest stamps are a second old.
        return self._stamps[len(self._stamps) - limit] + 1.0 - now

    async def take(self, reserve: int = 0) -> None:
        """Wait for a slot. Waiters queue: without the queue, all of them would wake when a slot
        frees and a reply could lose that race again and again."""
        async with self._turn:
            # Sleeping exactly until a slot frees is the point here: there is no event to wait for.
            while (wait := self.try_take(reserve)) > 0:  # noqa: ASYNC110
                await asyncio.sleep(wait)

    async def outbox_slot(self, reserve: int, interval: float) -> tuple[bool, float]:
        early = self._outbox_last + interval - self._clock()
        if early > 0:  # slots here are taken when due, never ahead
            return False, early
        wait = self.try_take(reserve)
        if wait > 0:
            return False, wait
        self._outbox_last = self._clock()
        return True, 0.0

    async def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)


class SharedBudget:
    def __init__(self, coordination: Coordination, per_second: float) -> None:
        self.per_second = int(per_second)
        self.spacing = 1.0 / per_second
        self._coordination = coordination
        self._outbox_last = 0.0  # the outbox's previous slot, on the database's clock

    async def take(self) -> None:
        slot = await self._coordination.take_slot(self.spacing)
        if slot.wait > 0:
            await asyncio.sleep(slot.wait)

    async def outbox_slot(self, reserve: int, interval: float) -> tuple[bool, float]:
        """`interval` counts on the database's clock from the previous slot, not from when this
        replica heard of it: a round trip added to every spacing would cost a quarter of the rate."""
        slot = await self._coordination.take_slot(
            self.spacing, horizon=OUTBOX_AHEAD * self.spacing, not_before=self._outbox_last + interval
        )
        if slot.taken:
            self._outbox_last = slot.at
        return slot.taken, slot.wait

    async def pause(self, seconds: float) -> None:
        await self._coordination.pause(seconds)


class OutboxPacer:
    """The outbox sender's side of the budget: at most `rate` messages a second, and what the budget
    has beyond that left to replies (`reserve`, for the process's own budget)."""

    def __init__(self, budget: Budget, rate: float, limit: float) -> None:
        self.budget = budget
        self.interval = 1.0 / min(rate, limit)
        self.reserve = max(0, budget.per_second - math.ceil(min(rate, limit)))
        self.paused_until = 0.0  # monotonic; set by a 429
        self.late_slots = 0  # slots left unused because this process woke too late for them
        self._lock = asyncio.Lock()  # one request for a slot at a time

    async def wait_turn(self) -> None:
        """Wait until one request may go: not during a 429 pause, and in a slot of the budget at
        least `interval` after the previous one.

        Slots may be taken a little ahead and slept for; one this process wakes for too late
        (`LATE`: a busy event loop) is left unused rather than used: sent late, its message would
        reach Telegram close behind the next slots' and push more than the budget into one second.
        Called when the request is about to leave (after the claim's commit), so a slow commit
        cannot bunch requests up either.
        """
        while True:
            async with self._lock:  # a slot taken ahead is waited for outside the lock
                while True:
                    now = time.monotonic()
                    if self.paused_until > now:
                        await asyncio.sleep(self.paused_until - now)
                        continue
                    taken, wait = await self.budget.outbox_slot(self.reserve, self.interval)
                    if taken:
                        break
                    await asyncio.sleep(wait)
            slot = time.monotonic() + wait
            await asyncio.sleep(wait)
            if time.monotonic() - slot <= LATE:
                return
            self.late_slots += 1

    async def pause(self, seconds: float) -> None:
        """A 429: this sender, and through the budget everyone, waits `seconds`."""
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)
        await self.budget.pause(seconds)
