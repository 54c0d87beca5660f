"""Test-only: end the process between the commit of a report input and its reply.

`KHABAR_TEST_CRASH_AFTER_COMMIT=<kind>[:<n>]` makes `khabar run` exit at once (`os._exit`, no
cleanup, as SIGKILL would) right after the transaction of the n-th report input of that kind (text,
photo, voice, location, skip, back, cancel, button, report; `any` counts every kind) has committed,
before anything is sent. The restart tests and `benchmarks/crash_loop.py` use it to kill the bot
exactly where a lost reply makes a reporter send an input again. Read once, at the first commit
(not at import: the suite forks `khabar` from a process that imported the bot before the child's
environment was set, `tests/forkserver.py`); production never sets it, and then `after_commit`
does nothing.
"""

from __future__ import annotations

import os
import sys

VARIABLE = "KHABAR_TEST_CRASH_AFTER_COMMIT"
EXIT_CODE = 86  # tells a crash the test asked for from any other exit

_point: tuple[str, int] | None = None  # (kind, n), read from VARIABLE at the first commit
_count = 0


def after_commit(kind: str) -> None:
    global _count, _point
    if _point is None:
        wanted, _sep, nth = os.environ.get(VARIABLE, "").partition(":")
        _point = (wanted, int(nth) if nth else 1)
    wanted, target = _point
    if not wanted or wanted not in (kind, "any"):
        return
    _count += 1
    if _count == target:
        sys.stderr.write(f"{VARIABLE}: exiting after the commit of {kind} input {_count}\n")
        sys.stderr.flush()
        os._exit(EXIT_CODE)
