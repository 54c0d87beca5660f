"""The parsed form: categories, fields, choices and conditions. Data only, no behaviour per type
(that lives in `bot.forms.types`), so the types and the engine can both import it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.forms.types.base import FieldType, Options

UNKNOWN = "unknown"


class FormError(Exception):
    """A form file that does not follow the format; raised at import so a bad form never ships."""


@dataclass(frozen=True)
class Choice:
    code: str
    label: str  # msgid
    extra: Mapping[str, str] = field(default_factory=dict)  # e.g. a crossing's province/district


@dataclass(frozen=True)
class Condition:
    """True when answer `field` has a value (and, with `any_of`, one of those codes)."""

    field: str
    any_of: tuple[str, ...] = ()

    def holds(self, answers: Mapping[str, Any]) -> bool:
        value = answers.get(self.field)
        if value is None or value in ("", [], UNKNOWN):
            return False
        if not self.any_of:
            return True
        values = value if isinstance(value, list) else [value]
        return any(v in self.any_of for v in values)


@dataclass(frozen=True)
class FormField:
    """What every field has; `kind` is its type (the behaviour) and `options` the type's own keys."""

    name: str
    kind: FieldType[Any]
    options: Options
    label: str  # msgid: the question
    hxl: str
    summary_label: str = ""  # msgid: the short name in summaries; the question when empty
    hint: str = ""
    required: bool = False
    required_if: Condition | None = None
    relevant: tuple[Condition, ...] = ()
    choices: tuple[Choice, ...] = ()  # the codes a choice or multi-choice answer may take
    # False: an optional detail not asked on the way, offered on the summary (asked when required).
    ask: bool = True
    default: str | None = None  # stored without asking when the walk reaches the field unanswered

    @property
    def type(self) -> str:
        """The type's name as written in the form file (for previews and messages)."""
        return self.kind.name

    def choice(self, code: object) -> Choice | None:
        return next((c for c in self.choices if c.code == code), None)

    def is_required(self, answers: Mapping[str, Any]) -> bool:
        return self.required or (self.required_if is not None and self.required_if.holds(answers))

    def walked(self, answers: Mapping[str, Any]) -> bool:
        """Asked on the way through the form (relevance aside): a detail only when it is required."""
        return self.ask or self.is_required(answers)


@dataclass(frozen=True)
class Form:
    code: str
    title: str  # msgid
    description: str  # msgid
    order: int
    fields: tuple[FormField, ...]
    listed: bool = True  # in the category menus; False: the quick report, completed by a moderator

    def field(self, name: str) -> FormField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def has(self, name: str | None) -> bool:
        return any(f.name == name for f in self.fields)
