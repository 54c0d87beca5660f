"""One budget of new messages a second for the whole process, against Telegram's overall limit.

Telegram answers past about 30 new messages a second with a 429 and a pause. Replies to people in
a conversation and the outbox sender's digests draw on the same budget, so neither pushes the other
over the limit: a reply waits a few milliseconds for a slot instead of a whole second for a 429,
and the sender leaves what it was not configured to use (`reserve`) for replies, so a digest run at
07:00 does not slow down the reporters filing at that hour.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

# Below Telegram's figure: the stamps are taken as requests leave, and a busy machine or network
# can bunch their arrivals (a 429 that slips through is still waited out, never lost).
PER_SECOND = 28


class SendBudget:
    def __init__(self, per_second: int = PER_SECOND, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self._clock = clock
        self._stamps: deque[float] = deque()  # when each send of the last second left
        self._turn = asyncio.Lock()  # waiting replies are served in the order they asked

    def try_take(self, reserve: int = 0) -> float:
        """Take a slot now and return 0, or return how long to wait before asking again. `reserve`
        slots of the second are left to callers that reserve none."""
        now = self._clock()
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
