"""Choice (one code) and multi-choice (a list of codes) fields: answered with buttons only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.forms.actions import Button, ReportAction
from bot.forms.model import FormError
from bot.forms.types.base import (
    Asking,
    Check,
    FieldType,
    Move,
    Options,
    Redraw,
    Refuse,
    Skip,
    Store,
    Verdict,
)
from bot.i18n import _, is_rtl, use_locale
from bot.places import Gazetteer, normalize
from domain import languages

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


def typed_choice(q: Asking, text: str) -> str | None:
    """The one option whose label (in any language) or gazetteer name (a border crossing's, in
    English, Dari or Pashto) is the typed text, as place names are matched."""
    key = normalize(text)
    found = set()
    for c in q.field.choices:
        names = [c.code, *q.places.crossing_names(c.code)]
        for language in languages.CODES:
            with use_locale(language):
                names.append(_(c.label))
        if key and any(normalize(n) == key for n in names):
            found.add(c.code)
    return found.pop() if len(found) == 1 else None


class ChoiceType(_Choices):
    name = "choice"
    editable = True
    moderator_buttons = True

    def on_text(self, q: Asking, text: str) -> Move:
        code = typed_choice(q, text)
        return Store(code, edit=False) if code is not None else Check(Verdict(error=_(self.buttons_only)))

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
    """Asked fresh, one tap on an option answers and goes on; the question stays on screen with
    ticks, and a tap there adds (or removes) an option while later questions are answered. Asked
    again (an edit from the summary), options are ticked and Done keeps them."""

    name = "multi_choice"
    shows_current = False  # the ticks show it
    keepable = False  # Done keeps it
    amendable = True

    def _chosen(self, q: Asking) -> list[str]:
        return list(q.state.get("multi", q.answers.get(q.field.name, [])))

    def ticks(self, q: Asking, chosen: list[str]) -> list[list[Button]]:
        # A button ticks ("3") or unticks ("-3") rather than flips: pressed twice (a double tap, a
        # press sent again when the reply did not come) it does what it showed, once.
        return [
            [
                q.button("✅ " + _(c.label), ReportAction.TOGGLE, f"-{i}")
                if c.code in chosen
                else q.button("▫️ " + _(c.label), ReportAction.TOGGLE, str(i))
            ]
            for i, c in enumerate(q.field.choices)
        ]

    def buttons(self, q: Asking) -> list[list[Button]]:
        if "multi" not in q.state and q.field.name not in q.answers:
            return [
                [q.button(_(c.label), ReportAction.OPTION, str(i))] for i, c in enumerate(q.field.choices)
            ]
        return [*self.ticks(q, self._chosen(q)), [q.button(_("Done"), ReportAction.DONE)]]

    def toggled(self, f: FormField, chosen: list[str], arg: str) -> list[str] | None:
        """`chosen` with the option `arg` ticked ("3") or unticked ("-3"), in form order; None: no
        such option."""
        code = _option(f, arg.removeprefix("-"))
        if code is None:
            return None
        chosen = [c for c in chosen if c != code] if arg.startswith("-") else [*chosen, code]
        return [c.code for c in f.choices if c.code in chosen]

    def on_press(self, q: Asking, action: ReportAction, arg: str) -> Move | None:
        f = q.field
        if action is ReportAction.OPTION and (code := _option(f, arg)) is not None:
            return Store([code], edit=False)
        chosen = self._chosen(q)
        if action is ReportAction.TOGGLE and (ticked := self.toggled(f, chosen, arg)) is not None:
            q.state["multi"] = ticked
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
