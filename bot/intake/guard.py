"""One replay guard and one resume rule for every input that changes a draft. No Telegram.

Every input (typed text, a photo or other media, a location, /skip, /back, /cancel, a button press)
meets `judge` before it is applied. The draft's bookkeeping remembers the last input applied: its
message id (Telegram numbers a chat's messages in order), its callback query id, and its kind and
the step it applied to (`last_input`, which tests read to see what a crash left committed).

- REPLAYED: Telegram delivered again an input already applied (the process died after committing it
  and before confirming the update): it is not applied again; the reporter is shown where the draft is.
- LATE: a message older than the last applied one: applying it would answer the wrong question.
- RESUME: the first input since this process started, or after a long break. A restart may have
  swallowed the reply to the last committed input, so the reporter may be sending it again (a new
  message, with a new id): it is not applied; the resume prompt comes first, and its Continue shows
  the question with what the draft holds for it (photos received, choices ticked).
- APPLY: everything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

IDLE_RESUME = timedelta(minutes=30)  # after this long, ask before applying an input to a draft
# The bookkeeping the guard keeps across questions (never dropped with a question's own state).
KEYS = ("last_msg", "last_press", "last_input")


class Verdict(Enum):
    APPLY = "apply"
    REPLAYED = "replayed"
    LATE = "late"
    RESUME = "resume"


@dataclass(frozen=True)
class Input:
    """One input from the reporter. `kind`: text, photo, voice (another media kind), location, skip,
    back, cancel or button; `fresh`: the first from this user since the process started."""

    kind: str
    message_id: int | None = None
    press_id: str | None = None
    fresh: bool = False


def judge(state: Mapping[str, Any], inp: Input, idle: timedelta, *, resumable: bool = True) -> Verdict:
    """What to do with `inp` given the draft's bookkeeping and how long the draft has been idle.
    `resumable` is False for inputs that change nothing by themselves (Continue, Cancel, Submit):
    they need no prompt first."""
    if inp.message_id is not None:
        last = int(state.get("last_msg", 0))
        if inp.message_id < last:
            return Verdict.LATE
        if inp.message_id == last:
            return Verdict.REPLAYED
    if inp.press_id is not None and inp.press_id == state.get("last_press"):
        return Verdict.REPLAYED
    if resumable and (inp.fresh or idle > IDLE_RESUME):
        return Verdict.RESUME
    return Verdict.APPLY


def mark(state: Mapping[str, Any], inp: Input, step: str | None) -> dict[str, Any]:
    """The bookkeeping with `inp` recorded as the last input applied to `step`."""
    marked = dict(state)
    if inp.message_id is not None:
        marked["last_msg"] = inp.message_id
    if inp.press_id is not None:
        marked["last_press"] = inp.press_id
    marked["last_input"] = {"kind": inp.kind, "step": step}
    return marked
