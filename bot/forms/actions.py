"""The report buttons' action alphabet and what a button means (`Press`). The encoding is the
handlers' business (`handlers.callbacks.ReportPress`); action values stay one or two characters
because Telegram allows 64 bytes of callback data and a field name plus a P-code must fit beside
the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReportAction(StrEnum):
    CATEGORY = "k"  # a category from the menu (no draft yet)
    RESUME = "r"  # continue: show the current step again
    CANCEL = "c"  # ask whether to discard the draft
    DISCARD = "x"  # discard the draft
    BACK = "b"  # the previous question
    SUBMIT = "ok"  # send the report from the summary
    EDIT = "e"  # change one answer from the summary
    OPTION = "o"  # a choice's option (arg: its index)
    TOGGLE = "t"  # tick or untick a multi-choice option (arg: its index)
    DONE = "d"  # finish a multi-choice or a set of media
    UNKNOWN = "u"  # a number that is not known
    DAY = "y"  # a date button (arg: days before today)
    PAGE = "g"  # a page of the place picker (arg: page number)
    PLACE = "p"  # a place (arg: its P-code)
    ACCEPT = "a"  # Yes to a confirmation, or Keep the current answer
    REFUSE = "n"  # No to a confirmation
    SKIP = "s"  # skip an optional question
    FACET = "f"  # another aspect of the incident of a report just sent (its reference as the token)


@dataclass(frozen=True)
class Press:
    """What a report button means. `token` is the draft token's prefix (a category button carries the
    category code there, a facet button the reference of the report sent), `field` the question it
    belongs to, `arg` its one argument (an option's index, days before today, a page, a P-code).
    `action` is None for an action this version does not know (an outdated button): the walker
    answers it as stale."""

    action: ReportAction | None
    token: str = ""
    field: str = ""
    arg: str = ""


@dataclass(frozen=True)
class Button:
    label: str
    press: Press
