"""The fast layer's helpers: an inline TOML form and the report walker driven on it with a database
session and a fixed clock, without PTB or the emulator (pyxform's inline-form tests, for Khabar)."""

from __future__ import annotations

import textwrap
import tomllib
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.forms.actions import Press, ReportAction
from bot.forms.engine import FORMS_DIR, Form, parse_form
from bot.forms.types.base import Media
from bot.intake.flow import Intake
from bot.intake.guard import Input
from bot.intake.screens import TOKEN_PREFIX, Outcome, Screen
from bot.places import load_places, places
from storage.db import Database
from storage.drafts import DraftRepository
from storage.models import Draft, Report, User
from storage.reports import ReportRepository

KABUL = ZoneInfo("Asia/Kabul")
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TODAY = date(2026, 3, 1)  # NOW in Kabul
HEADER = 'code = "inline"\ntitle = "Inline form"\ndescription = "A form written in the test"\n'


def form_from_toml(fields: str, *, header: str = HEADER) -> Form:
    """A form from inline TOML `[[fields]]` tables (`include` takes the shipped shared groups)."""
    groups = tomllib.loads((FORMS_DIR / "_common.toml").read_text(encoding="utf-8")).get("groups", {})
    return parse_form(header + textwrap.dedent(fields), groups, where="inline")


class Walker:
    """One reporter filling `form` through `bot.intake.flow.Intake`, one transaction per event."""

    def __init__(self, db: Database, form: Form, user_id: int = 1, now: datetime = NOW) -> None:
        self.db, self.form, self.user_id, self.now = db, form, user_id, now
        self.message_id = 0
        self.presses = 0
        self.last = Outcome()

    async def run(self, action: Callable[[Intake], Awaitable[Outcome]]) -> Outcome:
        async with self.db.session() as session:
            await load_places(session)
            account = await session.get(User, self.user_id)
            if account is None:
                account = User(id=self.user_id, role="reporter", language="en")
                session.add(account)
                await session.flush()
            intake = Intake(
                session,
                account,
                places(),
                now=self.now,
                tz=KABUL,
                wipe_default=False,
                forms={self.form.code: self.form},
            )
            self.last = await action(intake)
        return self.last

    async def start(self) -> Outcome:
        await self.run(lambda intake: intake.begin(None))
        press = Press(ReportAction.CATEGORY, self.form.code)
        return await self.run(lambda intake: intake.on_button(self._press(), press))

    def _press(self) -> Input:
        self.presses += 1
        return Input("button", press_id=str(self.presses))

    def _next_message(self) -> int:
        self.message_id += 1
        return self.message_id

    async def text(self, text: str) -> Outcome:
        message_id = self._next_message()
        return await self.run(lambda intake: intake.on_text(Input("text", message_id), text))

    async def photo(self, file_id: str = "file", unique_id: str | None = None) -> Outcome:
        """A photo; the same `file_id` (or `unique_id`) is the same picture sent again."""
        message_id = self._next_message()
        media = Media("photo", file_id, unique_id or f"u-{file_id}")
        return await self.run(lambda intake: intake.on_media(Input("photo", message_id), media))

    async def location(self, lat: float, lon: float) -> Outcome:
        message_id = self._next_message()
        return await self.run(lambda intake: intake.on_location(Input("location", message_id), lat, lon))

    async def command(self, name: str) -> Outcome:
        message_id = self._next_message()
        return await self.run(lambda intake: intake.on_command(Input(name, message_id)))

    async def press(self, action: ReportAction, *args: str) -> Outcome:
        """A button of the draft: `args` after the token (the field, then its argument)."""
        draft = await self.draft()
        assert draft is not None
        press = Press(action, draft.token[:TOKEN_PREFIX], *args)
        inp = self._press()
        return await self.run(lambda intake: intake.on_button(inp, press))

    async def answer(self, action: ReportAction, arg: str = "") -> Outcome:
        """A button of the question being asked."""
        step, _answers = await self.at()
        assert step is not None
        return await self.press(action, step, *([arg] if arg else []))

    async def option(self, code: str) -> Outcome:
        """The choice option with this code, at the question being asked."""
        step, _answers = await self.at()
        return await self.answer(ReportAction.OPTION, self._index(str(step), code))

    async def toggle(self, *codes: str) -> Outcome:
        """Tick (or untick) each code of the multi-choice being asked, then press Done."""
        step, _answers = await self.at()
        for code in codes:
            draft = await self.draft()
            ticked = draft is not None and code in draft.state.get("multi", [])
            await self.answer(ReportAction.TOGGLE, ("-" if ticked else "") + self._index(str(step), code))
        return await self.answer(ReportAction.DONE)

    def _index(self, field: str, code: str) -> str:
        return str([c.code for c in self.form.field(field).choices].index(code))

    async def draft(self) -> Draft | None:
        async with self.db.session() as session:
            return await DraftRepository(session).get(self.user_id)

    async def at(self) -> tuple[str | None, dict[str, Any]]:
        """The step being asked and the stored answers."""
        draft = await self.draft()
        assert draft is not None
        return draft.step, dict(draft.answers)

    async def reports(self) -> list[Report]:
        async with self.db.session() as session:
            return await ReportRepository(session).recent_for_reporter(self.user_id, 10)

    @property
    def screen(self) -> Screen:
        assert self.last.screens, self.last
        return self.last.screens[-1]

    def asks(self, field: str) -> bool:
        """The newest screen asks `field` (one of its buttons belongs to that field)."""
        return any(b.press.field == field for row in self.screen.rows for b in row)
