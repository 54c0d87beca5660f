"""Report intake: the conversation rules over the forms engine and the user's draft. No Telegram.

The draft row is the whole conversation state: `step` is the field being asked (or a screen:
"@category", "@summary"), `answers` the stored answers, `state` the bookkeeping (pending selection of a
multi-choice, photos received, a value waiting for confirmation, the picker page, the last applied
message id). Every event loads the draft, changes it and saves it in the caller's session; the caller
commits before it sends anything, so an answer is never acknowledged before it is stored.

Buttons carry `rep:<action>:<token prefix>[:<field>[:<arg>]]`. An action applies only when the draft
token and the field match the draft's current step; anything else is a stale or forged button and gets
an explanation and the current question again.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms import engine
from bot.forms.engine import Form, FormField, Verdict
from bot.i18n import N_, _, ngettext, pgettext
from bot.localize import format_date, format_number, isolate
from bot.places import OTHER, Gazetteer, chunk
from storage.drafts import DraftRepository
from storage.models import Draft, Report, ReportEvent, User
from storage.reports import ReportRepository

TOKEN_PREFIX = 8
PAGE_SIZE = 12
DATE_BUTTONS = 7  # today, yesterday and five days before
IDLE_RESUME = timedelta(minutes=30)  # after this long, ask before applying a message to a draft
CATEGORY_STEP, SUMMARY_STEP = "@category", "@summary"
MAX_CALLBACK = 64

STATUS_LABELS = {
    "pending": N_("waiting for review"),
    "needs_info": N_("more information requested"),
    "approved": N_("approved"),
    "rejected": N_("not approved"),
    "merged": N_("merged with another report"),
}


def status_label(status: str) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


@dataclass(frozen=True)
class Button:
    label: str
    data: str


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
    report: Report | None = None  # a report created by this event
    wipe_from: int | None = None  # delete the logged messages of the report conversation from this id
    no_draft: bool = False  # the event was not for intake (no draft): the caller treats it as stray


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
    ) -> None:
        self.session = session
        self.user = user
        self.places = gazetteer
        self.now = now
        self.today: date = now.astimezone(tz).date()
        self.year = now.astimezone(tz).year
        self.wipe_default = wipe_default
        self.drafts = DraftRepository(session)
        self.draft: Draft | None = None

    # --- entry points ---------------------------------------------------------------------------

    async def begin(self, message_id: int | None) -> Outcome:
        """/report: the category menu, or the resume prompt when a report is unfinished."""
        draft = await self._load()
        if draft is not None and (draft.category or draft.answers):
            return Outcome([self._resume_prompt(draft)])
        draft = await self.drafts.start(self.user.id, None, new_token(), CATEGORY_STEP, self.now)
        await self._save(draft, {}, {"first_msg": message_id} if message_id else {}, CATEGORY_STEP)
        return Outcome([self._category_menu(draft)])

    async def _receive(self, message_id: int, *, fresh: bool) -> tuple[Draft, dict[str, Any]] | Outcome:
        """What every message from the reporter meets first: is there a draft, is the message new,
        and is the reporter back after a while (then ask before applying it to the draft)."""
        draft = await self._load()
        if draft is None:
            return Outcome(no_draft=True)
        if self._replayed(draft, message_id):
            return Outcome()
        state = self._mark(draft, message_id)
        if fresh or self.now - draft.updated_at > IDLE_RESUME:
            await self._save(draft, draft.answers, state, draft.step)
            return Outcome([self._resume_prompt(draft)])
        return draft, state

    async def on_text(self, message_id: int, text: str, *, fresh: bool) -> Outcome:
        received = await self._receive(message_id, fresh=fresh)
        if isinstance(received, Outcome):
            return received
        draft, state = received
        refused = engine.too_long(text)
        form, current = self._current(draft)
        if refused is not None or form is None or current is None:
            await self._save(draft, draft.answers, state, draft.step)
            error = refused.error if refused else _("Please use the buttons below.")
            return Outcome([self._screen(draft, error=error)])
        if current.type == "admin_area":
            return await self._typed_place(draft, form, current, state, text)
        verdict = engine.check_text(current, text, self.today)
        return await self._apply(draft, form, current, state, verdict)

    async def on_photo(self, message_id: int, file_id: str, *, fresh: bool) -> Outcome:
        received = await self._receive(message_id, fresh=fresh)
        if isinstance(received, Outcome):
            return received
        draft, state = received
        form, current = self._current(draft)
        if form is None or current is None or current.type != "photo":
            await self._save(draft, draft.answers, state, draft.step)
            error = _("A photo can't answer this question.")
            return Outcome([self._screen(draft, error=error)])
        photos = [*state.get("photos", []), file_id][: current.max_photos]
        state["photos"] = photos
        if len(photos) >= current.max_photos:
            return await self._store(draft, form, current, state, photos)
        await self._save(draft, draft.answers, state, draft.step)
        text = ngettext(
            "{n} photo received. Send another, or press Done.",
            "{n} photos received. Send another, or press Done.",
            len(photos),
        ).format(n=format_number(len(photos)))
        return Outcome([Screen(text, [[self._button(_("Done"), "d", draft, current.name)]])])

    async def on_location(self, message_id: int, lat: float, lon: float, *, fresh: bool) -> Outcome:
        received = await self._receive(message_id, fresh=fresh)
        if isinstance(received, Outcome):
            return received
        draft, state = received
        form, current = self._current(draft)
        point = {"lat": round(lat, 6), "lon": round(lon, 6)}
        if form is not None and current is not None and current.type == "location":
            return await self._store(draft, form, current, state, point)
        if form is not None and current is not None and current.type == "admin_area":
            nearest = self.places.nearest_district(lat, lon)
            if nearest is not None:
                state["pending"] = {"field": current.name, "value": nearest.pcode, "location": point}
                await self._save(draft, draft.answers, state, draft.step)
                text = _("The nearest district to this location is {place}. Is that right?").format(
                    place=self.places.label(nearest.pcode)
                )
                return Outcome([self._confirm_screen(draft, current, text)])
            await self._save(draft, draft.answers, state, draft.step)
            return Outcome([self._screen(draft, error=_("This location is outside Afghanistan."))])
        await self._save(draft, draft.answers, state, draft.step)
        return Outcome([self._screen(draft, error=_("A location can't answer this question."))])

    async def on_command(self, command: str) -> Outcome:
        """/back, /skip and /cancel."""
        draft = await self._load()
        if draft is None:
            return Outcome([Screen(_("You have no report in progress. Send /report to start one."))])
        if command == "cancel":
            return Outcome([self._cancel_prompt(draft)])
        if command == "back":
            return await self._back(draft, edit=False)
        return await self._skip(draft, edit=False)

    async def on_button(self, data: str) -> Outcome:
        parts = data.split(":")
        if len(parts) < 2 or parts[0] != "rep":
            return self._stale_alert()
        action, args = parts[1], parts[2:]
        draft = await self._load()
        if action == "k":
            return await self._pick_category(draft, args)
        token = args[0] if args else ""
        if draft is None or not draft.token.startswith(token) or len(token) != TOKEN_PREFIX:
            return await self._no_such_draft(draft, action, token)
        # A copy: the ORM row changes only through `_save`, so a press that stores nothing (or that
        # finds the draft already submitted by a concurrent press) writes nothing.
        state = dict(draft.state)
        if action == "r":
            return Outcome([self._screen(draft, edit=True)])
        if action == "c":
            return Outcome([self._cancel_prompt(draft, edit=True)])
        if action == "x":
            await self.drafts.delete(self.user.id)
            return Outcome(
                [Screen(_("The report was discarded. Send /report to start a new one."), edit=True)]
            )
        if action == "b":
            return await self._back(draft, edit=True)
        if action == "ok":
            return await self._submit(draft)
        if action == "e":
            return await self._edit(draft, args[1:])
        name = args[1] if len(args) > 1 else ""
        form, current = self._current(draft)
        if form is None or current is None or current.name != name:
            return self._stale(draft)
        arg = args[2] if len(args) > 2 else ""
        return await self._field_button(draft, form, current, state, action, arg)

    async def my_reports(self, limit: int = 10) -> Screen:
        reports = await ReportRepository(self.session).recent_for_reporter(self.user.id, limit)
        if not reports:
            return Screen(_("You have not sent any reports yet. Send /report to file one."))
        lines = [_("Your latest reports:")]
        for report in reports:
            day = report.occurred_on or report.created_at.date()
            lines.append(
                _("{ref} · {category} · {date} · {status}").format(
                    ref=isolate(report.reference),
                    category=engine.category_label(report.category),
                    date=format_date(day),
                    status=status_label(report.status),
                )
            )
        return Screen("\n".join(lines))

    async def discard(self) -> bool:
        """Drop the draft (used by /wipe); True when there was one."""
        had = await self._load() is not None
        await self.drafts.delete(self.user.id)
        return had

    # --- draft bookkeeping ------------------------------------------------------------------------

    async def _load(self) -> Draft | None:
        self.draft = await self.drafts.get(self.user.id, lock=True)
        return self.draft

    async def _save(
        self, draft: Draft, answers: Mapping[str, Any], state: Mapping[str, Any], step: str | None
    ) -> None:
        await self.drafts.save(draft, dict(answers), dict(state), step, self.now)

    @staticmethod
    def _replayed(draft: Draft, message_id: int) -> bool:
        # A message older than the last one applied is a replay or a late delivery: applying it
        # would put an old answer into the field now being asked.
        return message_id <= int(draft.state.get("last_msg", 0))

    @staticmethod
    def _mark(draft: Draft, message_id: int) -> dict[str, Any]:
        state = dict(draft.state)
        state["last_msg"] = message_id
        return state

    @staticmethod
    def _current(draft: Draft) -> tuple[Form | None, FormField | None]:
        if not draft.category or draft.category not in engine.FORMS:
            return None, None
        form = engine.get_form(draft.category)
        return form, (form.field(draft.step) if draft.step and form.has(draft.step) else None)

    def _tok(self, draft: Draft) -> str:
        return draft.token[:TOKEN_PREFIX]

    def _button(self, label: str, action: str, draft: Draft, *args: str) -> Button:
        data = ":".join(["rep", action, self._tok(draft), *args])
        assert len(data.encode()) <= MAX_CALLBACK, data
        return Button(label, data)

    # --- screens ------------------------------------------------------------------------------------

    def _category_menu(self, draft: Draft) -> Screen:
        rows = [[Button(_(form.title), f"rep:k:{form.code}")] for form in engine.categories()]
        rows.append([self._button(_("Cancel"), "x", draft)])
        return Screen(_("What do you want to report? Choose a category."), rows)

    def _resume_prompt(self, draft: Draft) -> Screen:
        text = _("You have an unfinished report. Continue it or discard it?")
        if draft.category:
            text += "\n" + engine.category_label(draft.category)
        rows = [
            [self._button(pgettext("draft", "Continue"), "r", draft), self._button(_("Discard"), "x", draft)]
        ]
        return Screen(text, rows)

    def _cancel_prompt(self, draft: Draft, edit: bool = False) -> Screen:
        rows = [[self._button(_("Yes, discard it"), "x", draft), self._button(_("No, continue"), "r", draft)]]
        return Screen(_("Discard this report? Your answers will be deleted."), rows, edit=edit)

    def _screen(self, draft: Draft, *, error: str | None = None, edit: bool = False) -> Screen:
        """The screen for the draft's current step, with an optional explanation above it."""
        form, current = self._current(draft)
        if draft.step == CATEGORY_STEP or form is None:
            screen = self._category_menu(draft)
        elif current is None:
            screen = self._summary(draft, form)
        else:
            screen = self._question(draft, form, current)
        if error:
            screen.text = f"⚠️ {error}\n\n{screen.text}"
        screen.edit = edit
        return screen

    def _question(self, draft: Draft, form: Form, f: FormField) -> Screen:
        answers, state = draft.answers, draft.state
        lines = [_(f.label)]
        if f.hint:
            lines.append(_(f.hint))
        if f.name in answers and f.type != "multi_choice":
            lines.append(_("Current answer: {value}").format(value=engine.format_answer(f, answers[f.name])))
        rows: list[list[Button]] = []
        if f.type == "choice":
            rows = self._grid(
                [self._button(_(c.label), "o", draft, f.name, str(i)) for i, c in enumerate(f.choices)]
            )
        elif f.type == "multi_choice":
            chosen = set(state.get("multi", answers.get(f.name, [])))
            rows = [
                [self._button(("✅ " if c.code in chosen else "▫️ ") + _(c.label), "t", draft, f.name, str(i))]
                for i, c in enumerate(f.choices)
            ]
            rows.append([self._button(_("Done"), "d", draft, f.name)])
        elif f.type == "integer" and f.unknown:
            rows = [[self._button(_("Unknown"), "u", draft, f.name)]]
        elif f.type == "date":
            labels = [_("Today"), _("Yesterday")]
            days = [
                self._button(
                    labels[n] if n < 2 else format_date(self.today - timedelta(days=n)),
                    "y",
                    draft,
                    f.name,
                    str(n),
                )
                for n in range(DATE_BUTTONS)
            ]
            rows = [days[:2], *self._grid(days[2:], 2)]
        elif f.type == "photo":
            rows = [[self._button(_("Done"), "d", draft, f.name)]]
        elif f.type == "admin_area":
            rows = self._picker(draft, f, int(state.get("page", 0)))
        nav: list[Button] = []
        if engine.previous_field(form, answers, f.name) is not None:
            nav.append(self._button(_("« Back"), "b", draft))
        if f.name in answers and f.type not in ("multi_choice", "photo"):
            nav.append(self._button(pgettext("answer", "Keep"), "a", draft, f.name))
        if not f.is_required(answers):
            nav.append(self._button(pgettext("question", "Skip"), "s", draft, f.name))
        nav.append(self._button(_("Cancel"), "c", draft))
        rows.append(nav)
        return Screen("\n".join(lines), rows)

    @staticmethod
    def _grid(buttons: list[Button], width: int = 0) -> list[list[Button]]:
        if not width:
            width = 2 if all(len(b.label) <= 18 for b in buttons) else 1
        return [buttons[i : i + width] for i in range(0, len(buttons), width)]

    def _picker(self, draft: Draft, f: FormField, page: int) -> list[list[Button]]:
        if f.level == "province":
            items = self.places.province_list()
        else:
            items = self.places.district_list(str(draft.answers.get(f.parent, "")))
        shown, pages = chunk(items, page, PAGE_SIZE)
        page = min(max(page, 0), pages - 1)
        rows = self._grid([self._button(p.name(), "p", draft, f.name, p.pcode) for p in shown], 2)
        if pages > 1:
            paging = []
            if page > 0:
                paging.append(self._button(_("‹ Previous"), "g", draft, f.name, str(page - 1)))
            paging.append(
                self._button(
                    f"{format_number(page + 1)}/{format_number(pages)}", "g", draft, f.name, str(page)
                )
            )
            if page < pages - 1:
                paging.append(self._button(_("Next ›"), "g", draft, f.name, str(page + 1)))
            rows.append(paging)
        if f.level == "district":
            rows.append([self._button(_("Other / not listed"), "p", draft, f.name, OTHER)])
        return rows

    def _confirm_screen(self, draft: Draft, f: FormField, text: str) -> Screen:
        rows = [[self._button(_("Yes"), "a", draft, f.name), self._button(_("No"), "n", draft, f.name)]]
        return Screen(text, rows)

    def _summary(self, draft: Draft, form: Form) -> Screen:
        assert draft.category is not None
        lines = [
            _("Please check your report before sending it."),
            _("Category: {category}").format(category=engine.category_label(draft.category)),
            "",
            *engine.summary_lines(draft.category, draft.answers),
        ]
        edits = [
            self._button("✏️ " + engine.field_title(f), "e", draft, f.name)
            for f in engine.relevant_fields(form, draft.answers)
        ]
        rows = self._grid(edits, 2)
        rows.append([self._button(_("✅ Submit"), "ok", draft), self._button(_("Cancel"), "c", draft)])
        return Screen("\n".join(lines), rows)

    def _stale(self, draft: Draft) -> Outcome:
        text = _("That button belongs to an earlier question.")
        return Outcome([self._screen(draft, error=text)], alert=text)

    def _stale_alert(self) -> Outcome:
        return Outcome(alert=_("This button is no longer valid. Send /help to start again."), show_alert=True)

    # --- moving through the form ------------------------------------------------------------------

    async def _pick_category(self, draft: Draft | None, args: list[str]) -> Outcome:
        code = args[0] if args else ""
        if code not in engine.FORMS:
            return self._stale_alert()
        if draft is None or draft.category:
            if draft is not None:
                return Outcome(
                    [self._resume_prompt(draft)], alert=_("You already have a report in progress.")
                )
            draft = await self.drafts.start(self.user.id, code, new_token(), None, self.now)
        form = engine.get_form(code)
        first = engine.next_field(form, {})
        draft.category = code
        await self._save(
            draft,
            {},
            {k: v for k, v in draft.state.items() if k == "first_msg"},
            first.name if first else SUMMARY_STEP,
        )
        screen = self._screen(draft, edit=True)
        screen.text = _("New report: {category}").format(category=_(form.title)) + "\n\n" + screen.text
        return Outcome([screen])

    async def _no_such_draft(self, draft: Draft | None, action: str, token: str) -> Outcome:
        if action == "ok" and len(token) == TOKEN_PREFIX:
            report = await ReportRepository(self.session).by_token_prefix(self.user.id, token)
            if report is not None:
                return Outcome(
                    alert=_("This report was already sent as {ref}.").format(ref=isolate(report.reference)),
                    show_alert=True,
                )
        if draft is not None:
            return self._stale(draft)
        return self._stale_alert()

    async def _field_button(
        self, draft: Draft, form: Form, f: FormField, state: dict[str, Any], action: str, arg: str
    ) -> Outcome:
        if action == "o" and f.type == "choice" and arg.isdigit() and int(arg) < len(f.choices):
            return await self._store(draft, form, f, state, f.choices[int(arg)].code)
        if action == "t" and f.type == "multi_choice" and arg.isdigit() and int(arg) < len(f.choices):
            chosen = list(state.get("multi", draft.answers.get(f.name, [])))
            code = f.choices[int(arg)].code
            chosen = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
            state["multi"] = [c.code for c in f.choices if c.code in chosen]
            await self._save(draft, draft.answers, state, draft.step)
            return Outcome([self._screen(draft, edit=True)])
        if action == "d" and f.type == "multi_choice":
            chosen = list(state.get("multi", draft.answers.get(f.name, [])))
            if not chosen and f.is_required(draft.answers):
                return Outcome(alert=_("Choose at least one, then press Done."), show_alert=True)
            if not chosen:
                return await self._skip(draft, edit=True)
            return await self._store(draft, form, f, state, chosen, edit=True)
        if action == "d" and f.type == "photo":
            photos = list(state.get("photos", []))
            if not photos:
                if f.is_required(draft.answers):
                    return Outcome(alert=_("Please send a photo first."), show_alert=True)
                return await self._skip(draft, edit=True)
            return await self._store(draft, form, f, state, photos, edit=True)
        if action == "u" and f.type == "integer" and f.unknown:
            return await self._store(draft, form, f, state, engine.UNKNOWN, edit=True)
        if action == "y" and f.type == "date" and arg.isdigit() and int(arg) < DATE_BUTTONS:
            verdict = engine.check_day(f, self.today - timedelta(days=int(arg)), self.today)
            return await self._apply(draft, form, f, state, verdict, edit=True)
        if action == "g" and f.type == "admin_area" and arg.isdigit():
            state["page"] = int(arg)
            await self._save(draft, draft.answers, state, draft.step)
            return Outcome([self._screen(draft, edit=True)])
        if action == "p" and f.type == "admin_area":
            return await self._pick_place(draft, form, f, state, arg)
        if action == "a":
            pending = state.pop("pending", None)
            if isinstance(pending, dict) and pending.get("field") == f.name:
                if f.type == "admin_area":
                    location = pending.get("location")
                    if location and form.has("location") and "location" not in draft.answers:
                        draft.answers = {**draft.answers, "location": location}
                    return await self._pick_place(draft, form, f, state, str(pending["value"]))
                return await self._store(draft, form, f, state, pending["value"], edit=True)
            if f.name in draft.answers:  # "Keep": the current answer stays
                return await self._store(draft, form, f, state, draft.answers[f.name], edit=True)
            return self._stale(draft)
        if action == "n":
            state.pop("pending", None)
            await self._save(draft, draft.answers, state, draft.step)
            return Outcome([self._screen(draft, edit=True)])
        if action == "s":
            return await self._skip(draft, edit=True)
        return self._stale(draft)

    async def _apply(
        self,
        draft: Draft,
        form: Form,
        f: FormField,
        state: dict[str, Any],
        verdict: Verdict,
        *,
        edit: bool = False,
    ) -> Outcome:
        if not verdict.ok:
            await self._save(draft, draft.answers, state, draft.step)
            return Outcome([self._screen(draft, error=verdict.error)], alert=verdict.error)
        if verdict.confirm:
            state["pending"] = {"field": f.name, "value": verdict.value}
            await self._save(draft, draft.answers, state, draft.step)
            return Outcome([self._confirm_screen(draft, f, verdict.confirm)])
        return await self._store(draft, form, f, state, verdict.value, edit=edit)

    async def _typed_place(
        self, draft: Draft, form: Form, f: FormField, state: dict[str, Any], text: str
    ) -> Outcome:
        level = "province" if f.level == "province" and not self._child(form, f) else None
        if f.level == "district":
            level = "district"
        found = self.places.match(
            text, level=level, province=draft.answers.get(f.parent) if f.parent else None
        )
        await self._save(draft, draft.answers, state, draft.step)
        if not found:
            error = _("I couldn't find that place. Choose from the list, or try another spelling.")
            return Outcome([self._screen(draft, error=error)])
        rows = [[self._button(self.places.label(p.pcode), "p", draft, f.name, p.pcode)] for p in found]
        rows.append([self._button(_("None of these: show the list"), "g", draft, f.name, "0")])
        return Outcome([Screen(_("Did you mean one of these?"), rows)])

    @staticmethod
    def _child(form: Form, f: FormField) -> FormField | None:
        """The district field that depends on province field `f`, if any."""
        return next((c for c in form.fields if c.type == "admin_area" and c.parent == f.name), None)

    async def _pick_place(
        self, draft: Draft, form: Form, f: FormField, state: dict[str, Any], pcode: str
    ) -> Outcome:
        answers = dict(draft.answers)
        place = self.places.get(pcode)
        if f.level == "district" and pcode == OTHER:
            return await self._store(draft, form, f, state, OTHER, edit=True)
        if place is None:
            return self._stale(draft)
        child = self._child(form, f)
        if f.level == "province" and place.is_district:
            if child is None:
                return self._stale(draft)
            # A district chosen at the province question answers both.
            answers[f.name] = place.province_pcode
            draft.answers = answers
            return await self._store(draft, form, child, state, place.pcode, edit=True)
        if f.level == "district":
            if not place.is_district:
                return self._stale(draft)
            if place.province_pcode != answers.get(f.parent):
                answers[f.parent] = place.province_pcode
                draft.answers = answers
            return await self._store(draft, form, f, state, place.pcode, edit=True)
        if place.is_district:
            return self._stale(draft)
        return await self._store(draft, form, f, state, place.pcode, edit=True)

    async def _store(
        self, draft: Draft, form: Form, f: FormField, state: dict[str, Any], value: Any, *, edit: bool = False
    ) -> Outcome:
        """Store an answer, then move to the next question (or back to the summary when editing)."""
        answers = dict(draft.answers)
        child = self._child(form, f) if f.type == "admin_area" else None
        if child is not None and answers.get(f.name) != value:
            answers.pop(child.name, None)  # a district belongs to the province it was picked in
        answers[f.name] = value
        answers = engine.prune(form, answers)
        for key in ("multi", "photos", "pending", "page"):
            state.pop(key, None)
        nxt: FormField | None
        if state.get("editing"):
            nxt = engine.first_missing(form, answers)
            if child is not None and child.name not in answers:
                nxt = child
        else:
            nxt = engine.next_field(form, answers, f.name)
        if nxt is None:
            nxt = engine.first_missing(form, answers)
        if nxt is None:
            state.pop("editing", None)
        await self._save(draft, answers, state, nxt.name if nxt else SUMMARY_STEP)
        return Outcome([self._screen(draft, edit=edit)])

    async def _skip(self, draft: Draft, *, edit: bool) -> Outcome:
        form, f = self._current(draft)
        if form is None or f is None:
            return Outcome([self._screen(draft, error=_("There is nothing to skip here."))])
        if f.is_required(draft.answers):
            return Outcome([self._screen(draft, error=_("This question can't be skipped."))])
        answers = {k: v for k, v in draft.answers.items() if k != f.name}
        state = dict(draft.state)
        draft.answers = answers
        for key in ("multi", "photos", "pending", "page"):
            state.pop(key, None)
        nxt = (
            engine.first_missing(form, answers)
            if state.get("editing")
            else engine.next_field(form, answers, f.name)
        )
        if nxt is None:
            nxt = engine.first_missing(form, answers)
        await self._save(draft, engine.prune(form, answers), state, nxt.name if nxt else SUMMARY_STEP)
        return Outcome([self._screen(draft, edit=edit)])

    async def _back(self, draft: Draft, *, edit: bool) -> Outcome:
        form, f = self._current(draft)
        if form is None:
            return Outcome([self._screen(draft, error=_("There is no earlier question."))])
        previous = engine.previous_field(form, draft.answers, f.name if f else None)
        if previous is None:
            return Outcome([self._screen(draft, error=_("There is no earlier question."))])
        state = {
            k: v for k, v in draft.state.items() if k not in ("multi", "photos", "pending", "page", "editing")
        }
        await self._save(draft, draft.answers, state, previous.name)
        return Outcome([self._screen(draft, edit=edit)])

    async def _edit(self, draft: Draft, args: list[str]) -> Outcome:
        form, _current = self._current(draft)
        name = args[0] if args else ""
        if form is None or draft.step != SUMMARY_STEP or not form.has(name):
            return self._stale(draft)
        f = form.field(name)
        if not engine.is_relevant(f, draft.answers):
            return self._stale(draft)
        state = dict(draft.state)
        state["editing"] = True
        await self._save(draft, draft.answers, state, name)
        return Outcome([self._screen(draft)])

    # --- submit ---------------------------------------------------------------------------------------

    async def _submit(self, draft: Draft) -> Outcome:
        form, _current = self._current(draft)
        if form is None or draft.step != SUMMARY_STEP or draft.category is None:
            return self._stale(draft)
        missing = engine.first_missing(form, draft.answers)
        if missing is not None:
            await self._save(draft, draft.answers, draft.state, missing.name)
            return Outcome([self._screen(draft, error=_("This question still needs an answer."))])
        reports = ReportRepository(self.session)
        report = await reports.by_token(draft.token)
        if report is None:
            try:
                report = await self._create_report(reports, draft)
            except IntegrityError:
                # A concurrent press of the same Submit won the insert; ours rolled back whole.
                report = await reports.by_token(draft.token)
                if report is None:
                    raise
        first_msg = draft.state.get("first_msg")
        await self.drafts.delete(self.user.id)
        wipe = self.user.wipe_after_submit if self.user.wipe_after_submit is not None else self.wipe_default
        text = _("Thank you. Your report was sent as {ref}. A moderator will review it.").format(
            ref=isolate(report.reference)
        )
        return Outcome(
            [Screen(text)],
            alert=_("Report sent."),
            report=report,
            wipe_from=int(first_msg) if wipe and first_msg else None,
        )

    async def _create_report(self, reports: ReportRepository, draft: Draft) -> Report:
        assert draft.category is not None
        facts = engine.report_facts(draft.category, draft.answers)
        async with self.session.begin_nested():
            number = await reports.next_number(self.year)
            report = Report(
                reference=f"R-{self.year}-{number:06d}",
                draft_token=draft.token,
                category=draft.category,
                reporter_id=self.user.id,
                answers=dict(draft.answers),
                language=self.user.language or "en",
                **facts.columns(),
                created_at=self.now,
                updated_at=self.now,
            )
            event = ReportEvent(report_id=0, actor_id=self.user.id, action="submitted", at=self.now)
            return await reports.add(report, event)
