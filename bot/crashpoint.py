"""Test-only: end the process between the commit of a report input and its reply.

`KHABAR_TEST_CRASH_AFTER_COMMIT=<kind>[:<n>]` makes `khabar run` exit at once (`os._exit`, no
cleanup, as SIGKILL would) right after the transaction of the n-th report input of that kind (text,
photo, voice, location, skip, back, cancel, button, report; `any` counts every kind) has committed,
before anything is sent. The restart tests and `benchmarks/crash_loop.py` use it to kill the bot
exactly where a lost reply makes a reporter send an input again. Read once at import; production
never sets it, and then `after_commit` does nothing.
"""

from __future__ import annotations

import os
import sys

VARIABLE = "KHABAR_TEST_CRASH_AFTER_COMMIT"
EXIT_CODE = 86  # tells a crash the test asked for from any other exit

_kind, _sep, _nth = os.environ.get(VARIABLE, "").partition(":")
_target = int(_nth) if _nth else 1
_count = 0


def after_commit(kind: str) -> None:
    global _count
    if not _kind or _kind not in (kind, "any"):
        return
    _count += 1
    if _count == _target:
        sys.stderr.write(f"{VARIABLE}: exiting after the commit of {kind} input {_count}\n")
        sys.stderr.flush()
        os._exit(EXIT_CODE)
