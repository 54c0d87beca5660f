"""Choice (one code) and multi-choice (a list of codes) fields: answered with buttons only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.forms.actions import Button, ReportAction
from bot.forms.model import FormError
from bot.forms.types.base import (
    Asking,
    FieldType,
    Move,
    Options,
    Redraw,
    Refuse,
    Skip,
    Store,
    Verdict,
)
from bot.i18n import _, is_rtl
from bot.places import Gazetteer

if TYPE_CHECKING:
    from bot.forms.model import Form, FormField


def grid(buttons: list[Button], width: int = 0) -> list[list[Button]]:
    """Buttons in rows of `width`; by default two a row when the labels are short."""
    if not width:
        width = 2 if all(len(b.label) <= 18 for b in buttons) else 1
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def _option(f: FormField, arg: str) -> str | None:
    return f.choices[int(arg)].code if arg.isascii() and arg.isdigit() and int(arg) < len(f.choices) else None


def check_choice(f: FormField, code: str) -> Verdict:
    if f.choice(code) is None:
        return Verdict(error=_("This button is no longer valid. Please choose again."))
    return Verdict(value=code)


class _Choices(FieldType[Options]):
    options_type = Options

    def parse(
        self, raw: Mapping[str, Any], constraint: Mapping[str, Any], where: str, choices: bool
    ) -> Options:
        if not choices:
            raise FormError(f"{where}: a {self.name} needs choices")
        return Options()

    def label(self, f: FormField, code: str) -> str:
        c = f.choice(code)
        return _(c.label) if c else str(code)


class ChoiceType(_Choices):
    name = "choice"
    editable = True
    moderator_buttons = True

    def buttons(self, q: Asking) -> list[list[Button]]:
        f = q.field
        return grid([q.button(_(c.label), ReportAction.OPTION, str(i)) for i, c in enumerate(f.choices)])

    def on_press(self, q: Asking, action: ReportAction, arg: str) -> Move | None:
        code = _option(q.field, arg) if action is ReportAction.OPTION else None
        # A choice stays on screen under the question it answered: the next one is a new message.
        return Store(code, edit=False) if code is not None else None

    def moderate(
        self, f: FormField, form: Form, answers: Mapping[str, Any], value: str, today: date
    ) -> tuple[dict[str, Any], str | None]:
        verdict = check_choice(f, value)
        return ({f.name: verdict.value}, None) if verdict.ok else ({}, verdict.error)

    def format(self, f: FormField, value: Any) -> str:
        return self.label(f, value)

    def facts(self, f: FormField, value: Any) -> dict[str, Any]:
        c = f.choice(value)
        if c is None or "province" not in c.extra:
            return {}
        # A listed border crossing carries its own place.
        return {"province_pcode": c.extra["province"], "district_pcode": c.extra.get("district")}

    def fact_names(self, f: FormField) -> frozenset[str]:
        # A choice that places the report (a listed crossing) is a place: hiding it hides the place.
        if any("province" in c.extra for c in f.choices):
            return frozenset({"province_pcode", "district_pcode"})
        return frozenset()


class MultiChoiceType(_Choices):
    name = "multi_choice"
    shows_current = False  # the ticks show it
    keepable = False  # Done keeps it

    def _chosen(self, q: Asking) -> list[str]:
        return list(q.state.get("multi", q.answers.get(q.field.name, [])))

    def buttons(self, q: Asking) -> list[list[Button]]:
        # A button ticks ("3") or unticks ("-3") rather than flips: pressed twice (a double tap, a
        # press sent again when the reply did not come) it does what it showed, once.
        chosen = set(self._chosen(q))
        rows = [
            [
                q.button("✅ " + _(c.label), ReportAction.TOGGLE, f"-{i}")
                if c.code in chosen
                else q.button("▫️ " + _(c.label), ReportAction.TOGGLE, str(i))
            ]
            for i, c in enumerate(q.field.choices)
        ]
        rows.append([q.button(_("Done"), ReportAction.DONE)])
        return rows

    def on_press(self, q: Asking, action: ReportAction, arg: str) -> Move | None:
        f = q.field
        chosen = self._chosen(q)
        if action is ReportAction.TOGGLE and (code := _option(f, arg.removeprefix("-"))) is not None:
            chosen = [c for c in chosen if c != code] if arg.startswith("-") else [*chosen, code]
            q.state["multi"] = [c.code for c in f.choices if c.code in chosen]
            return Redraw()
        if action is ReportAction.DONE:
            if not chosen and f.is_required(q.answers):
                return Refuse(_("Choose at least one, then press Done."))
            return Store(chosen) if chosen else Skip()
        return None

    def format(self, f: FormField, value: Any) -> str:
        return ("، " if is_rtl() else ", ").join(self.label(f, v) for v in value)

    def export(self, f: FormField, value: Any, gazetteer: Gazetteer) -> list[tuple[str, str, str]]:
        return [(f.hxl, f.name, "" if value is None else ",".join(value))]
