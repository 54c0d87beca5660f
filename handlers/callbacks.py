"""Every button's callback data, typed: one frozen dataclass per kind of button.

A kind declares its `prefix` and its fields; `pack()` writes `prefix:field:field…`, `parse()` reads it
back (None for anything else: a forged, outdated or foreign button), `pattern()` is the regex for its
`CallbackQueryHandler`. Field types: `int` (ASCII digits, at most 12), `bool` ("1"/"0"), a `StrEnum`
(its values), `str` (no colon), and a last `tuple[int, ...]` for a variable tail. Wire values stay
short: Telegram allows 64 bytes, checked on every pack.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from enum import StrEnum
from typing import Any, ClassVar, Self

from bot.exports import PERIODS, ExportFormat
from bot.forms.actions import Press, ReportAction
from bot.subscriptions import ManageAction, WizardAction
from bot.users import FILTERS
from domain import languages

MAX_CALLBACK = 64
MAX_DIGITS = 12


class CallbackData:
    """The base of every kind. Subclasses are `@dataclass(frozen=True)` with a `prefix`."""

    prefix: ClassVar[str]
    # What `pattern()` matches: the prefix, or a shorter one all of a handler's kinds share, so a
    # forged button of the family still reaches the handler that refuses it politely.
    family: ClassVar[str | None] = None

    def pack(self) -> str:
        parts = [self.prefix]
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            parts += [_encode(v) for v in _values(getattr(self, field.name))]
        data = ":".join(parts)
        assert len(data.encode()) <= MAX_CALLBACK, data
        return data

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        head = cls.prefix + ":"
        if not data or not data.startswith(head):
            return None
        parts = data[len(head) :].split(":")
        values: dict[str, Any] = {}
        for name, kind in _field_types(cls):
            if typing.get_origin(kind) is tuple:
                tail = [_decode(int, p) for p in parts]
                if any(v is None for v in tail):
                    return None
                values[name], parts = tuple(tail), []
                continue
            if not parts:
                return None
            value = _decode(kind, parts.pop(0))
            if value is None:
                return None
            values[name] = value
        if parts:
            return None
        press = cls(**values)
        return press if press.valid() else None

    @classmethod
    def pattern(cls) -> str:
        return "^" + re.escape(cls.family or cls.prefix) + ":"

    def valid(self) -> bool:
        """Checks beyond the field types (a code from a closed list, a maximum)."""
        return True


def _field_types(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _values(value: object) -> tuple[object, ...]:
    return value if isinstance(value, tuple) else (value,)


def _encode(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value.value) if isinstance(value, StrEnum) else str(value)
    assert ":" not in text, text
    return text


def _decode(kind: Any, raw: str) -> object | None:
    if kind is int:
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= MAX_DIGITS else None
    if kind is bool:
        return {"1": True, "0": False}.get(raw)
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return kind(raw) if raw in kind._value2member_map_ else None
    return raw


# --- the kinds ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReportPress(Press, CallbackData):
    """`rep:<action>[:<token prefix>[:<field>[:<arg>]]]`, empty trailing parts left off; a category
    button carries the category code as its token. The meaning is `bot.forms.actions.Press`, which
    the intake screens and field types build; only this class knows the wire format. Unlike the
    other kinds, an unknown action still parses (action None) so the walker can say the button is
    outdated, and parts past the argument are ignored, as they always were."""

    prefix: ClassVar[str] = "rep"

    @classmethod
    def of(cls, press: Press) -> ReportPress:
        return cls(press.action, press.token, press.field, press.arg)

    def pack(self) -> str:
        assert self.action is not None
        parts = [self.action.value, self.token, self.field, self.arg]
        while parts[-1] == "":
            parts.pop()
        assert "" not in parts and not any(":" in p for p in parts), parts
        data = ":".join([self.prefix, *parts])
        assert len(data.encode()) <= MAX_CALLBACK, data
        return data

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        parts = (data or "").split(":")
        if len(parts) < 2 or parts[0] != cls.prefix:
            return None
        action = ReportAction(parts[1]) if parts[1] in ReportAction._value2member_map_ else None
        token, field, arg = [*parts[2:5], "", "", ""][:3]
        return cls(action, token, field, arg)


@dataclasses.dataclass(frozen=True)
class LanguagePick(CallbackData):
    prefix: ClassVar[str] = "lang"
    code: str

    def valid(self) -> bool:
        return languages.is_known(self.code)


@dataclasses.dataclass(frozen=True)
class WipeSetting(CallbackData):
    prefix: ClassVar[str] = "set:wipe"
    on: bool


@dataclasses.dataclass(frozen=True)
class InviteRevoke(CallbackData):
    prefix: ClassVar[str] = "inv:revoke"
    family: ClassVar[str | None] = "inv"
    invite_id: int


@dataclasses.dataclass(frozen=True)
class UsersPage(CallbackData):
    prefix: ClassVar[str] = "usr"
    only: str  # "all" or one of bot.users.FILTERS
    offset: int

    def valid(self) -> bool:
        return (self.only == "all" or self.only in FILTERS) and self.offset < 10**6


@dataclasses.dataclass(frozen=True)
class ExportPeriod(CallbackData):
    prefix: ClassVar[str] = "export:p"
    family: ClassVar[str | None] = "export"
    period: str

    def valid(self) -> bool:
        return self.period in PERIODS


@dataclasses.dataclass(frozen=True)
class ExportPick(CallbackData):
    prefix: ClassVar[str] = "export:f"
    family: ClassVar[str | None] = "export"
    period: str
    format: ExportFormat

    def valid(self) -> bool:
        return self.period in PERIODS


@dataclasses.dataclass(frozen=True)
class SubscriptionStep(CallbackData):
    """A press in the /subscribe wizard; `value` may be empty (Done, All, Cancel)."""

    prefix: ClassVar[str] = "sub"
    action: WizardAction
    value: str = ""


@dataclasses.dataclass(frozen=True)
class SubscriptionManage(CallbackData):
    """A button under one subscription in /subscriptions."""

    prefix: ClassVar[str] = "sub"
    action: ManageAction
    subscription_id: int

    @classmethod
    def pattern(cls) -> str:
        return "^sub:(" + "|".join(re.escape(a.value) for a in ManageAction) + "):"


class ModerationAction(StrEnum):
    APPROVE = "ap"  # ask the certainty
    CERTAINTY = "ac"  # a certainty chosen (arg: its index): ask whether urgent
    APPROVE_AS = "au"  # approve (args: certainty index, urgent 1/0)
    REJECT = "rj"  # offer the reasons
    REJECT_REASON = "rr"  # reject with a preset reason (arg: its index)
    REJECT_OTHER = "ro"  # ask for a typed reason
    NEEDS_INFO = "ni"  # ask for the question to the reporter
    MERGE_TYPED = "mt"  # ask for a typed reference
    DUPLICATE = "du"  # offer likely duplicates
    MERGE = "mg"  # merge into a report (arg: its id)
    EDIT = "ed"  # offer the editable answers
    EDIT_FIELD = "ef"  # one answer (arg: its index)
    EDIT_CHOICE = "ec"  # a new choice (args: field index, option index)
    SENSITIVE = "se"  # offer the answers to withhold
    TOGGLE_SENSITIVE = "st"  # withhold or release one (arg: its index)
    RELEASE_LOCATION = "rl"  # let exports carry the exact GPS point
    CARD = "cd"  # back to the card
    SKIP = "sk"  # skip this report for now
    NEXT = "nx"  # the next card
    CATEGORY = "ca"  # offer the categories for a quick report
    SET_CATEGORY = "sc"  # a quick report's category (arg: its index among the listed categories)


@dataclasses.dataclass(frozen=True)
class ModerationPress(CallbackData):
    """`mod:<action>:<report id>:<version>[:<arg>[:<arg>]]`, all numbers."""

    prefix: ClassVar[str] = "mod"
    action: ModerationAction
    report_id: int
    version: int
    args: tuple[int, ...] = ()

    def valid(self) -> bool:
        return len(self.args) <= 2
