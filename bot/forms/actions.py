"""The report buttons' action alphabet and the one place their callback data is packed and read.

Data is `rep:<action>[:<token prefix>[:<field>[:<arg>]]]` (a category button carries the category
code instead of a token). Wire values stay one or two characters: Telegram allows 64 bytes of
callback data, and a field name plus a P-code must fit beside the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PREFIX = "rep"
MAX_CALLBACK = 64


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
    FACET = "f"  # another aspect of the incident of a report just sent (arg: its reference)


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Press:
    """A report button as read back: `action` is None for an action this version does not know."""

    action: ReportAction | None
    args: tuple[str, ...]


def pack(action: ReportAction, *parts: str) -> str:
    data = ":".join([PREFIX, action.value, *parts])
    assert len(data.encode()) <= MAX_CALLBACK, data
    return data


def unpack(data: str) -> Press | None:
    """None when the data is not a report button at all."""
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != PREFIX:
        return None
    action = ReportAction(parts[1]) if parts[1] in ReportAction._value2member_map_ else None
    return Press(action, tuple(parts[2:]))
