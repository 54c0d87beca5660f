"""Typed answers: integer (a count, or "unknown" where allowed), date and free text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from bot.forms.actions import Button, ReportAction
from bot.forms.model import UNKNOWN
from bot.forms.types.base import Asking, Check, FieldType, Media, Move, Options, Store, Verdict
from bot.forms.types.choice import grid
from bot.forms.types.media import VOICE, VOICE_ANSWER
from bot.i18n import _, is_rtl
from bot.localize import format_date, format_number, isolate, parse_date, parse_int, to_ascii_digits

if TYPE_CHECKING:
    from bot.forms.model import FormField

DEFAULT_MAX_LENGTH = 2000
CONFIRM_OLDER_THAN = timedelta(days=365)
DATE_BUTTONS = 7  # today, yesterday and five days before
_TWO_NUMBERS = re.compile(r"(\d+)\s*[,،\s]\s*(\d+)")


@dataclass(frozen=True)
class IntegerOptions(Options):
    minimum: int = 0
    maximum: int | None = None
    unknown: bool = False  # an "Unknown" answer, distinct from 0
    pair: str = ""  # a later count two typed numbers answer together (killed, then injured)


class IntegerType(FieldType[IntegerOptions]):
    name = "integer"
    counted = True
    options_type = IntegerOptions
    constraints = frozenset({"min", "max"})
    editable = True
    numeric_export = True

    def parse(
        self, raw: Mapping[str, Any], constraint: Mapping[str, Any], where: str, choices: bool
    ) -> IntegerOptions:
        return IntegerOptions(
            minimum=int(constraint.get("min", 0)),
            maximum=int(constraint["max"]) if "max" in constraint else None,
            unknown=bool(raw.get("unknown", False)),
            pair=str(raw.get("pair", "")),
        )

    def on_text(self, q: Asking, text: str) -> Move:
        pair = self.options(q.field).pair
        numbers = _TWO_NUMBERS.fullmatch(to_ascii_digits(text.strip()))
        # "1 500" is one number with a thousands separator; "2 5" two.
        if pair and numbers and parse_int(text) is None and q.form.has(pair):
            first = self.check_text(q.field, numbers[1], q.today)
            second = self.check_text(q.form.field(pair), numbers[2], q.today)
            bad = first if not first.ok else second
            if not bad.ok:
                return Check(bad)
            # Both answered at once: the walk goes on after the second.
            return Store(second.value, target=q.form.field(pair), also={q.field.name: first.value})
        return Check(self.check_text(q.field, text.strip(), q.today))

    def check_text(self, f: FormField, text: str, today: date) -> Verdict:
        number = parse_int(text)
        if number is None:
            return Verdict(
                error=_("Please type a number, for example {example}.").format(example=format_number(3))
            )
        low, high = self.options(f).minimum, self.options(f).maximum
        if number < low or (high is not None and number > high):
            if high is None:
                return Verdict(
                    error=_("Please type a number of at least {min}.").format(min=format_number(low))
                )
            return Verdict(
                error=_("Please type a number between {min} and {max}.").format(
                    min=format_number(low), max=format_number(high)
                )
            )
        return Verdict(value=number)

    def buttons(self, q: Asking) -> list[list[Button]]:
        return [[q.button(_("Unknown"), ReportAction.UNKNOWN)]] if self.options(q.field).unknown else []

    def on_press(self, q: Asking, action: ReportAction, arg: str) -> Move | None:
        if action is ReportAction.UNKNOWN and self.options(q.field).unknown:
            return Store(UNKNOWN)
        return None

    def format(self, f: FormField, value: Any) -> str:
        return _("Unknown") if value == UNKNOWN else format_number(int(value))


@dataclass(frozen=True)
class DateOptions(Options):
    not_future: bool = False


class DateType(FieldType[DateOptions]):
    name = "date"
    options_type = DateOptions
    constraints = frozenset({"not_future"})
    editable = True

    def parse(
        self, raw: Mapping[str, Any], constraint: Mapping[str, Any], where: str, choices: bool
    ) -> DateOptions:
        return DateOptions(not_future=bool(constraint.get("not_future", False)))

    def check_text(self, f: FormField, text: str, today: date) -> Verdict:
        day = parse_date(text)
        if day is None:
            return Verdict(
                error=_("I couldn't read that date. Type it like {example} or press a button.").format(
                    example=isolate("2026-11-24" if not is_rtl() else "1405/09/03")
                )
            )
        return self.check_day(f, day, today)

    def check_day(self, f: FormField, day: date, today: date) -> Verdict:
        if self.options(f).not_future and day > today:
            return Verdict(error=_("That date is in the future. Please give the date it happened."))
        if today - day > CONFIRM_OLDER_THAN:
            return Verdict(
                value=day.isoformat(),
                confirm=_("{date} is more than a year ago. Is that right?").format(date=format_date(day)),
            )
        return Verdict(value=day.isoformat())

    def buttons(self, q: Asking) -> list[list[Button]]:
        labels = [_("Today"), _("Yesterday")]
        days = [
            q.button(
                labels[n] if n < 2 else format_date(q.today - timedelta(days=n)), ReportAction.DAY, str(n)
            )
            for n in range(DATE_BUTTONS)
        ]
        return [days[:2], *grid(days[2:], 2)]

    def on_press(self, q: Asking, action: ReportAction, arg: str) -> Move | None:
        if action is ReportAction.DAY and arg.isascii() and arg.isdigit() and int(arg) < DATE_BUTTONS:
            return Check(self.check_day(q.field, q.today - timedelta(days=int(arg)), q.today))
        return None

    def format(self, f: FormField, value: Any) -> str:
        return format_date(date.fromisoformat(value))

    def facts(self, f: FormField, value: Any) -> dict[str, Any]:
        return {"occurred_on": date.fromisoformat(value)}

    def fact_names(self, f: FormField) -> frozenset[str]:
        return frozenset({"occurred_on"})


@dataclass(frozen=True)
class TextOptions(Options):
    max_length: int = DEFAULT_MAX_LENGTH


class TextType(FieldType[TextOptions]):
    name = "text"
    options_type = TextOptions
    constraints = frozenset({"max_length"})
    editable = True

    def on_media(self, q: Asking, media: Media) -> Move | None:
        """A voice note answers any free-text question: kept in the form's voice field, the answer
        says so."""
        if media.kind != VOICE.media:
            return None
        voice = next((f for f in q.form.fields if f.kind is VOICE), None)
        if voice is None:
            return None
        notes = [*q.answers.get(voice.name, []), media.file_id][: VOICE.options(voice).max_count]
        return Store(VOICE_ANSWER, also={voice.name: notes}, edit=False)

    def parse(
        self, raw: Mapping[str, Any], constraint: Mapping[str, Any], where: str, choices: bool
    ) -> TextOptions:
        return TextOptions(max_length=int(constraint.get("max_length", DEFAULT_MAX_LENGTH)))

    def check_text(self, f: FormField, text: str, today: date) -> Verdict:
        if not text:
            return Verdict(error=_("Please type an answer."))
        limit = self.options(f).max_length
        if len(text) > limit:
            return Verdict(
                error=_("Please keep this answer under {limit} characters.").format(
                    limit=format_number(limit)
                )
            )
        return Verdict(value=text)
