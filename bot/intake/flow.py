"""The report walker: one user's draft through a category form. No Telegram.

The draft row is the whole conversation state: `step` is the field being asked (or a screen:
"@category", "@summary"), `answers` the stored answers, `state` the bookkeeping (pending selection of a
multi-choice, media received, a value waiting for confirmation, the picker page, the last input
applied). Every input loads the draft, meets the one replay guard and resume rule
(`bot.intake.guard`), changes the draft and saves it in the caller's session; the caller commits
before it sends anything, so an answer is never acknowledged before it is stored.

What an answer means depends on the field's type (`FormField.kind`): the walker hands it the typed
text, media, location or press and carries out the `Move` it returns. Buttons carry
`bot.forms.actions` data; an action applies only when the draft token and the field match the
draft's current step; anything else is a stale or forged button and gets an explanation and the
current question again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms import engine
from bot.forms.actions import Press, ReportAction
from bot.forms.engine import Form, FormField
from bot.forms.types import MEDIA_TYPES
from bot.forms.types.base import (
    Asking,
    Check,
    Confirm,
    Explain,
    Media,
    Move,
    Redraw,
    Refuse,
    Reply,
    Skip,
    Stale,
    Store,
)
from bot.i18n import _
from bot.intake import details, facets, guard, steps
from bot.intake.guard import Input
from bot.intake.presses import decide, walker_press
from bot.intake.screens import (
    TOKEN_PREFIX,
    Outcome,
    Screen,
    Screens,
    current,
    my_reports,
)
from bot.intake.steps import CATEGORY_STEP, SUMMARY_STEP
from bot.intake.submit import submit
from bot.localize import isolate
from bot.places import Gazetteer
from storage.drafts import DraftRepository
from storage.models import Draft, User
from storage.reports import ReportRepository

State = dict[str, Any]  # answers, or the draft's bookkeeping
Received = tuple[Draft, State] | Outcome
AtSummary = Callable[[Form, Mapping[str, Any]], dict[str, Any] | None]


def new_token() -> str:
    return secrets.token_hex(16)


class Intake:
    """One user's report conversation. Construct per update with the open session and the clock."""

    def __init__(
        self,
        session: AsyncSession,
        user: User,
        gazetteer: Gazetteer,
        *,
        now: datetime,
        tz: ZoneInfo,
        wipe_default: bool,
        forms: Mapping[str, Form] | None = None,
    ) -> None:
        self.session = session
        self.user = user
        self.now = now
        self.today: date = now.astimezone(tz).date()
        self.year = now.astimezone(tz).year
        self.wipe_default = wipe_default
        self.drafts = DraftRepository(session)
        self.draft: Draft | None = None
        self.forms = engine.all_forms() if forms is None else forms  # tests bring their own
        self.screens = Screens(self.today, gazetteer, self.forms)

    # --- entry points ---------------------------------------------------------------------------

    async def begin(self, message_id: int | None) -> Outcome:
        """/report: the category menu, or the resume prompt when a report is unfinished."""
        draft = await self._load()
        if draft is not None and (draft.category or draft.answers):
            return Outcome([self.screens.resume_prompt(draft)])
        state = {"first_msg": message_id} if message_id else {}
        draft = await self.drafts.start(self.user.id, None, new_token(), CATEGORY_STEP, self.now, state)
        return Outcome([self.screens.category_menu(draft)])

    async def _receive(self, draft: Draft | None, inp: Input, *, resumable: bool = True) -> Received:
        """What every input that may change the draft meets first: the replay guard and the resume
        rule (`bot.intake.guard`). Returns the draft and its bookkeeping with `inp` recorded, for
        the caller to apply `inp` to, or the outcome that stands instead."""
        if draft is None:
            return Outcome(no_draft=True)
        verdict = guard.judge(draft.state, inp, self.now - draft.updated_at, resumable=resumable)
        if verdict is guard.Verdict.LATE:
            return Outcome()
        if verdict is guard.Verdict.REPLAYED:
            return Outcome([self.screens.screen(draft)], replayed=True)
        state = guard.mark(draft.state, inp, draft.step)
        if verdict is guard.Verdict.RESUME:
            await self._save(draft, draft.answers, state, draft.step)
            return Outcome([self.screens.resume_prompt(draft)])
        return draft, state

    async def on_text(self, inp: Input, text: str) -> Outcome:
        received = await self._receive(await self._load(), inp)
        if isinstance(received, Outcome):
            return received
        draft, state = received
        refused = engine.too_long(text)
        form, f = current(draft, self.forms)
        if refused is not None or form is None or f is None:
            await self._save(draft, draft.answers, state, draft.step)
            error = refused.error if refused else _("Please use the buttons below.")
            return Outcome([self.screens.screen(draft, error=error)])
        q = self.screens.asking(draft, form, f, state)
        return await self._move(draft, q, f.kind.on_text(q, text), pressed=False)

    async def on_media(self, inp: Input, media: Media) -> Outcome:
        """A photo, voice note or other file sent by the reporter."""
        kind = MEDIA_TYPES.get(media.kind)
        error = _(kind.texts.misplaced) if kind else _("This kind of message can't answer this question.")
        extra = partial(details.attach, media=media.kind, file_id=media.file_id)
        return await self._answer(inp, lambda q: q.field.kind.on_media(q, media), error, extra)

    async def on_location(self, inp: Input, lat: float, lon: float) -> Outcome:
        error = _("A location can't answer this question.")
        extra = partial(details.locate, lat=lat, lon=lon)
        return await self._answer(inp, lambda q: q.field.kind.on_location(q, lat, lon), error, extra)

    async def _answer(
        self, inp: Input, ask: Callable[[Asking], Move | None], misplaced: str, at_summary: AtSummary
    ) -> Outcome:
        """Media or a location: the question's type decides; at the summary it is added as an optional
        detail (`at_summary`: the answers with it, None when the form takes no more); else misplaced."""
        received = await self._receive(await self._load(), inp)
        if isinstance(received, Outcome):
            return received
        draft, state = received
        form, f = current(draft, self.forms)
        if form is not None and f is not None:
            q = self.screens.asking(draft, form, f, state)
            move = ask(q)
            if move is not None:
                return await self._move(draft, q, move, pressed=False)
        if form is not None and draft.step == SUMMARY_STEP:
            return await self._at_summary(draft, state, at_summary(form, draft.answers))
        await self._save(draft, draft.answers, state, draft.step)
        return Outcome([self.screens.screen(draft, error=misplaced)])

    async def on_command(self, inp: Input) -> Outcome:
        """/back, /skip and /cancel (`inp.kind`). /cancel only asks, so it needs no resume prompt."""
        received = await self._receive(await self._load(), inp, resumable=inp.kind != "cancel")
        if isinstance(received, Outcome):
            if received.no_draft:
                return Outcome([Screen(_("You have no report in progress. Send /report to start one."))])
            return received
        draft, state = received
        if inp.kind == "cancel":
            await self._save(draft, draft.answers, state, draft.step)
            return Outcome([self.screens.cancel_prompt(draft)])
        if inp.kind == "back":
            return await self._back(draft, state, edit=False)
        return await self._skip(draft, state, edit=False)

    async def on_button(self, inp: Input, press: Press | None) -> Outcome:
        if press is None:
            return self._stale_alert()
        action, token = press.action, press.token
        draft = await self._load()
        if action is ReportAction.CATEGORY:
            return await self._pick_category(draft, token)
        if action is ReportAction.FACET:
            return await facets.start(self, token)
        if draft is None or not draft.token.startswith(token) or len(token) != TOKEN_PREFIX:
            return await self._no_such_draft(draft, action, token)
        # A press names its draft, its question and what it does (a tick, not a flip), so it is
        # judged against the draft itself, even first after a restart: no resume prompt.
        received = await self._receive(draft, inp, resumable=False)
        if isinstance(received, Outcome):
            return received
        draft, state = received
        if action is ReportAction.RESUME:
            return Outcome([self.screens.screen(draft, edit=True)])
        if action is ReportAction.CANCEL:
            return Outcome([self.screens.cancel_prompt(draft, edit=True)])
        if action is ReportAction.DISCARD:
            await self.drafts.delete(self.user.id)
            return Outcome(
                [Screen(_("The report was discarded. Send /report to start a new one."), edit=True)]
            )
        if action is ReportAction.BACK:
            if press.field and press.field != draft.step:  # the draft already went back from there
                return self._stale(draft)
            return await self._back(draft, state, edit=True)
        if action is ReportAction.SUBMIT:
            return await submit(self, draft)
        if action is ReportAction.EDIT:
            return await self._edit(draft, state, press.field)
        name = press.field
        form, f = current(draft, self.forms)
        if form is not None and action is not None and (f is None or f.name != name) and form.has(name):
            return await self._earlier(draft, state, form, form.field(name), action, press.arg)
        if action is None or form is None or f is None or f.name != name:
            return self._stale(draft)
        # `state` is a copy: the ORM row changes only through `_save`, so a press that stores
        # nothing (or that finds the draft already submitted by a concurrent press) writes nothing.
        q = self.screens.asking(draft, form, f, state)
        move = f.kind.on_press(q, action, press.arg)
        return await self._move(draft, q, move or walker_press(q, action), pressed=True)

    async def my_reports(self, limit: int = 10) -> Screen:
        return my_reports(await ReportRepository(self.session).recent_for_reporter(self.user.id, limit))

    async def discard(self) -> bool:
        """Drop the draft; True when there was one."""
        had = await self._load() is not None
        await self.drafts.delete(self.user.id)
        return had

    # --- draft bookkeeping ------------------------------------------------------------------------

    async def _load(self) -> Draft | None:
        self.draft = await self.drafts.get(self.user.id, lock=True)
        return self.draft

    async def _go(self, draft: Draft, step: steps.Step) -> None:
        await self._save(draft, step.answers, step.state, step.step)

    async def _save(
        self, draft: Draft, answers: Mapping[str, Any], state: Mapping[str, Any], step: str | None
    ) -> None:
        await self.drafts.save(draft, dict(answers), dict(state), step, self.now)

    def _stale(self, draft: Draft) -> Outcome:
        text = _("That button belongs to an earlier question.")
        return Outcome([self.screens.screen(draft, error=text)], alert=text)

    def _stale_alert(self) -> Outcome:
        return Outcome(alert=_("This button is no longer valid. Send /help to start again."), show_alert=True)

    # --- carrying out what the field's type decided -------------------------------------------------

    async def _move(self, draft: Draft, q: Asking, move: Move, *, pressed: bool) -> Outcome:
        """Apply a type's decision; `pressed`: it came from a button, whose message is replaced."""
        if isinstance(move, Check):
            move = decide(q, move.verdict)
        if isinstance(move, Store):
            edit = pressed if move.edit is None else move.edit
            target = move.target or q.field
            await self._go(draft, steps.store(q.form, target, draft.answers, q.state, move.value, move.also))
            if pressed and move.edit is False and q.field.kind.amendable:
                # The answered question stays on screen, open to more taps, above the next one.
                return Outcome([self.screens.amended(draft, q.form, q.field), self.screens.screen(draft)])
            return Outcome([self.screens.screen(draft, edit=edit)])
        if isinstance(move, Skip):
            return await self._skip(draft, q.state, edit=pressed)
        if isinstance(move, Refuse):
            return Outcome(alert=move.alert, show_alert=True)
        if isinstance(move, Stale):
            return self._stale(draft)
        await self._save(draft, draft.answers, q.state, draft.step)
        if isinstance(move, Redraw):
            return Outcome([self.screens.screen(draft, edit=pressed)])
        if isinstance(move, Reply):
            return Outcome([Screen(move.text, move.rows)])
        if isinstance(move, Confirm):
            return Outcome([self.screens.confirm(draft, q.field, move.text)])
        assert isinstance(move, Explain)
        alert = move.error if move.alert else None
        return Outcome([self.screens.screen(draft, error=move.error)], alert=alert)

    async def _earlier(
        self, draft: Draft, state: State, form: Form, f: FormField, action: ReportAction, arg: str
    ) -> Outcome:
        """A press on a question other than the one asked: a tick on an answered multi-choice question
        still on screen, or a press sent again after a crash swallowed its reply (its first tap, an
        option, ticks what it ticked; a press storing what the draft holds shows where it went)."""
        amendable = details.amendable(form, f.name, draft.answers)
        if amendable is not None and action in (ReportAction.TOGGLE, ReportAction.OPTION):
            step = details.amend(form, f, draft.answers, state, draft.step or SUMMARY_STEP, arg)
            if step is None:
                await self._save(draft, draft.answers, state, draft.step)
                return Outcome(alert=_("At least one option must stay ticked."), show_alert=True)
            await self._go(draft, step)
            below = draft.step == SUMMARY_STEP or action is ReportAction.OPTION
            return Outcome(
                [self.screens.amended(draft, form, f), *([self.screens.screen(draft)] if below else [])]
            )
        if details.held(self.screens.asking(draft, form, f, dict(state)), action, arg):
            await self._save(draft, draft.answers, state, draft.step)
            return Outcome([self.screens.screen(draft)])
        return self._stale(draft)

    async def _at_summary(self, draft: Draft, state: State, answers: State | None) -> Outcome:
        """A detail sent at the summary (photos, a voice note, a location): added, or explained."""
        await self._save(draft, answers if answers is not None else draft.answers, state, SUMMARY_STEP)
        error = None if answers is not None else _("This can't be added to the report.")
        return Outcome([self.screens.screen(draft, error=error)])

    # --- moving through the form ------------------------------------------------------------------

    async def _pick_category(self, draft: Draft | None, code: str) -> Outcome:
        if code not in self.forms:
            return self._stale_alert()
        if draft is None or draft.category:
            if draft is not None:
                return Outcome(
                    [self.screens.resume_prompt(draft)], alert=_("You already have a report in progress.")
                )
            draft = await self.drafts.start(self.user.id, code, new_token(), None, self.now)
        form = self.forms[code]
        answers, state = facets.carried(form, draft)
        first = facets.first_unanswered(form, answers)
        draft.category = code
        await self._save(draft, answers, state, first.name if first else SUMMARY_STEP)
        screen = self.screens.screen(draft, edit=True)
        screen.text = _("New report: {category}").format(category=_(form.title)) + "\n\n" + screen.text
        return Outcome([screen])

    async def _no_such_draft(self, draft: Draft | None, action: ReportAction | None, token: str) -> Outcome:
        if action is ReportAction.SUBMIT and len(token) == TOKEN_PREFIX:
            report = await ReportRepository(self.session).by_token_prefix(self.user.id, token)
            if report is not None:
                return Outcome(
                    alert=_("This report was already sent as {ref}.").format(ref=isolate(report.reference)),
                    show_alert=True,
                )
        if draft is not None:
            return self._stale(draft)
        return self._stale_alert()

    async def _skip(self, draft: Draft, state: dict[str, Any], *, edit: bool) -> Outcome:
        form, f = current(draft, self.forms)
        if form is None or f is None:
            return Outcome([self.screens.screen(draft, error=_("There is nothing to skip here."))])
        if f.is_required(draft.answers):
            await self._save(draft, draft.answers, state, draft.step)
            return Outcome([self.screens.screen(draft, error=_("This question can't be skipped."))])
        await self._go(draft, steps.skip(form, f, draft.answers, state))
        return Outcome([self.screens.screen(draft, edit=edit)])

    async def _back(self, draft: Draft, state: dict[str, Any], *, edit: bool) -> Outcome:
        form, f = current(draft, self.forms)
        step = steps.back(form, f, draft.answers, state) if form is not None else None
        if step is None:
            await self._save(draft, draft.answers, state, draft.step)
            return Outcome([self.screens.screen(draft, error=_("There is no earlier question."))])
        await self._go(draft, step)
        return Outcome([self.screens.screen(draft, edit=edit)])

    async def _edit(self, draft: Draft, state: dict[str, Any], name: str) -> Outcome:
        form, _current = current(draft, self.forms)
        if draft.step == name and state.get("editing"):  # the same Edit sent again: asked already
            return Outcome([self.screens.screen(draft)])
        if form is None or draft.step != SUMMARY_STEP or not form.has(name):
            return self._stale(draft)
        if not engine.is_relevant(form.field(name), draft.answers):
            return self._stale(draft)
        state = dict(state)
        state["editing"] = True
        await self._save(draft, draft.answers, state, name)
        return Outcome([self.screens.screen(draft)])
