"""What the report conversation shows: the category menu, the resume and cancel prompts, a question
with its navigation row, the Yes/No confirmation and the summary. No Telegram: a `Screen` is text and
rows of `Button`s, each a label and what pressing it means (a `bot.forms.actions.Press`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot import labels
from bot.forms import engine
from bot.forms.actions import Button, Press, ReportAction
from bot.forms.engine import Form, FormField
from bot.forms.types import MEDIA_TYPES
from bot.forms.types.base import Asking
from bot.forms.types.choice import MultiChoiceType, grid
from bot.i18n import _, pgettext
from bot.intake.steps import CATEGORY_STEP
from bot.localize import format_date, isolate
from bot.places import Gazetteer
from storage.models import Draft, Report

TOKEN_PREFIX = 8


@dataclass
class Screen:
    """A message to show: text and inline button rows. `edit` replaces the pressed message."""

    text: str
    rows: list[list[Button]] = field(default_factory=list)
    edit: bool = False


@dataclass
class Outcome:
    screens: list[Screen] = field(default_factory=list)
    alert: str | None = None  # the answer to a pressed button (toast, or alert when `show_alert`)
    show_alert: bool = False
    wipe_from: int | None = None  # delete the logged messages of the report conversation from this id
    no_draft: bool = False  # the event was not for intake (no draft): the caller treats it as stray
    replayed: bool = False  # Telegram delivered again an input already applied; nothing changed


def current(draft: Draft, forms: Mapping[str, Form]) -> tuple[Form | None, FormField | None]:
    """The draft's form and the field being asked (None on the menu and the summary)."""
    form = forms.get(draft.category) if draft.category else None
    if form is None:
        return None, None
    return form, (form.field(draft.step) if draft.step and form.has(draft.step) else None)


class Screens:
    """Draws the screens of one reporter's draft; the clock and the gazetteer come from the walker."""

    def __init__(self, today: date, gazetteer: Gazetteer, forms: Mapping[str, Form]) -> None:
        self.today = today
        self.places = gazetteer
        self.forms = forms  # the categories by code, in menu order

    @staticmethod
    def button(label: str, action: ReportAction, draft: Draft, field: str = "") -> Button:
        return Button(label, Press(action, draft.token[:TOKEN_PREFIX], field))

    def asking(self, draft: Draft, form: Form, f: FormField, state: dict[str, Any]) -> Asking:
        """The question as its type sees it; `state` is the bookkeeping the type may change."""
        return Asking(form, f, draft.answers, state, self.today, self.places, draft.token[:TOKEN_PREFIX])

    def category_menu(self, draft: Draft) -> Screen:
        rows = [
            [Button(_(form.title), Press(ReportAction.CATEGORY, form.code))]
            for form in self.forms.values()
            if form.listed
        ]
        rows.append([self.button(_("Cancel"), ReportAction.DISCARD, draft)])
        return Screen(_("What do you want to report? Choose a category."), rows)

    def resume_prompt(self, draft: Draft) -> Screen:
        text = _("You have an unfinished report. Continue it or discard it?")
        if draft.category:
            form = self.forms.get(draft.category)
            text += "\n" + (_(form.title) if form else draft.category)
        rows = [
            [
                self.button(pgettext("draft", "Continue"), ReportAction.RESUME, draft),
                self.button(_("Discard"), ReportAction.DISCARD, draft),
            ]
        ]
        return Screen(text, rows)

    def cancel_prompt(self, draft: Draft, edit: bool = False) -> Screen:
        rows = [
            [
                self.button(_("Yes, discard it"), ReportAction.DISCARD, draft),
                self.button(_("No, continue"), ReportAction.RESUME, draft),
            ]
        ]
        return Screen(_("Discard this report? Your answers will be deleted."), rows, edit=edit)

    def screen(self, draft: Draft, *, error: str | None = None, edit: bool = False) -> Screen:
        """The screen for the draft's current step, with an optional explanation above it."""
        form, f = current(draft, self.forms)
        if draft.step == CATEGORY_STEP or form is None:
            screen = self.category_menu(draft)
        elif f is None:
            screen = self.summary(draft, form)
        else:
            screen = self.question(draft, form, f)
        if error:
            screen.text = f"⚠️ {error}\n\n{screen.text}"
        screen.edit = edit
        return screen

    def question(self, draft: Draft, form: Form, f: FormField) -> Screen:
        answers = draft.answers
        lines = [_(f.label)]
        if f.hint:
            lines.append(_(f.hint))
        if f.name in answers and f.kind.shows_current:
            lines.append(_("Current answer: {value}").format(value=engine.format_answer(f, answers[f.name])))
        q = self.asking(draft, form, f, dict(draft.state))
        held = f.kind.held(q)
        if held:
            lines.append(held)
        rows = f.kind.buttons(q)
        nav: list[Button] = []
        if engine.previous_field(form, answers, f.name) is not None:
            nav.append(self.button(_("« Back"), ReportAction.BACK, draft, f.name))
        if f.name in answers and f.kind.keepable:
            nav.append(self.button(pgettext("answer", "Keep"), ReportAction.ACCEPT, draft, f.name))
        if not f.is_required(answers):
            nav.append(self.button(pgettext("question", "Skip"), ReportAction.SKIP, draft, f.name))
        nav.append(self.button(_("Cancel"), ReportAction.CANCEL, draft))
        rows.append(nav)
        return Screen("\n".join(lines), rows)

    def amended(self, draft: Draft, form: Form, f: FormField) -> Screen:
        """An answered multi-choice question, its options ticked and open to another tap."""
        kind = f.kind
        assert isinstance(kind, MultiChoiceType)
        q = self.asking(draft, form, f, {})
        rows = kind.ticks(q, list(draft.answers.get(f.name, [])))
        return Screen(_(f.label) + "\n" + _("Tap another option to add it."), rows, edit=True)

    def confirm(self, draft: Draft, f: FormField, text: str) -> Screen:
        rows = [
            [
                self.button(_("Yes"), ReportAction.ACCEPT, draft, f.name),
                self.button(_("No"), ReportAction.REFUSE, draft, f.name),
            ]
        ]
        return Screen(text, rows)

    def summary(self, draft: Draft, form: Form) -> Screen:
        assert draft.category is not None
        lines = [
            _("Please check your report before sending it."),
            _("Category: {category}").format(category=_(form.title)),
            "",
            *engine.form_summary(form, draft.answers),
        ]
        if any(f.kind.name in MEDIA_TYPES for f in engine.relevant_fields(form, draft.answers)):
            lines += ["", _("To add photos or voice notes, send them now. Then press Submit.")]
        edits = [
            self.button("✏️ " + engine.field_title(f), ReportAction.EDIT, draft, f.name)
            for f in engine.relevant_fields(form, draft.answers)
        ]
        rows = grid(edits, 2)
        rows.append(
            [
                self.button(_("✅ Submit"), ReportAction.SUBMIT, draft),
                self.button(_("Cancel"), ReportAction.CANCEL, draft),
            ]
        )
        return Screen("\n".join(lines), rows)


def my_reports(reports: Iterable[Report]) -> Screen:
    """The reporter's latest reports, one line each."""
    lines = [_("Your latest reports:")]
    for report in reports:
        day = report.occurred_on or report.created_at.date()
        lines.append(
            _("{ref} · {category} · {date} · {status}").format(
                ref=isolate(report.reference),
                category=engine.category_label(report.category),
                date=format_date(day),
                status=labels.label(labels.REPORTER_STATUS, report.status),
            )
        )
    if len(lines) == 1:
        return Screen(_("You have not sent any reports yet. Send /report to file one."))
    return Screen("\n".join(lines))
