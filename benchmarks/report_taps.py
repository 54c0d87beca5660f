"""Taps per report: a typical report of every category, played through the real bot and the emulator,
and the interactions (messages sent and buttons pressed) each needs from /report to its reference.

    .venv/bin/python benchmarks/report_taps.py [--database-url URL]

A reporter here knows what to say (`PLANS`: the facts of one typical incident per category, from the
incidents of issue 15) and answers whatever the bot asks the cheapest way its screens allow: a
typed name, one button, Skip for a question the plan has nothing for, Submit on the summary. So the
figure follows the bot's flow, not a script of it. The quick report is one message on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.forms.actions import ReportAction
from bot.forms.engine import get_form
from bot.intake.steps import CATEGORY_STEP, SUMMARY_STEP
from handlers.callbacks import ReportPress
from storage.db import Database
from storage.migrate import upgrade_from_empty
from tests.harness import BotHarness, SimUser
from tests.report_helpers import draft_of, reporter, reports_of

LIMIT = 60  # a flow that needs more than this is stuck, not long

# One typical incident per category: what the reporter knows. A place is (typed name, province).
PLANS: dict[str, dict[str, Any]] = {
    "health_attack": {
        "occurred_on": 0,
        "province": ("Asadabad", "AF15"),
        "attack_types": ["heavy_weapons"],
        "resources_affected": ["facility"],
        "facility_type": "hospital",
        "services_interrupted": "yes",
        "perpetrator": "unknown",
        "killed": "0 3",
        "description": "A rocket hit the provincial hospital; the vaccine store burned.",
        "source_type": "witness",
    },
    "medical_supplies_loss": {
        "occurred_on": 0,
        "province": ("Asadabad", "AF15"),
        "supply_type": "vaccines",
        "antigens": ["opv", "covid19"],
        "quantity": "12000",
        "unit": "doses",
        "cause": "fire",
        "description": "The cold room of the hospital burned after the rocket.",
        "source_type": "witness",
    },
    "control_change": {
        "occurred_on": 1,
        "province": ("Zurmat", "AF13"),
        "site_type": ["district_centre"],
        "new_control": "Armed group",
        "fighting": "yes",
        "killed": "4 9",
        "description": "The district centre changed hands after a night of fighting.",
        "source_type": "official",
    },
    "border_crossing": {
        "occurred_on": 0,
        "crossing": "شیر خان بندر",
        "status": ["closed"],
        "goods_blocked": "goods",
        "killed": "0 0",
        "description": "The crossing was seized and closed; trucks wait on both sides.",
        "source_type": "media",
    },
    "displacement": {
        "occurred_on": 1,
        "province": ("Zurmat", "AF13"),
        "count_unit": "households",
        "displaced": "120",
        "cause": "conflict",
        "description": "Families left for the provincial centre after the fighting.",
        "source_type": "witness",
    },
    "explosive_hazard": {
        "occurred_on": 0,
        "province": ("Paghman", "AF01"),
        "hazard_type": "uxo",
        "exploded": "no",
        "site_type": "farmland",
        "killed": "0 0",
        "description": "Children found a shell in a field near the school.",
        "source_type": "witness",
    },
    "other_security": {
        "occurred_on": 0,
        "province": ("Paghman", "AF01"),
        "incident_type": "armed_clash",
        "aid_workers_affected": "no",
        "killed": "1 2",
        "description": "A clash at the checkpoint on the main road.",
        "source_type": "witness",
    },
    "service_disruption": {
        "occurred_on": 0,
        "province": ("Asadabad", "AF15"),
        "service_type": "health_facility",
        "disruption": "closed",
        "sites_affected": "1",
        "reason": "damage",
        "description": "The hospital is closed after the rocket hit.",
        "source_type": "official",
    },
}


@dataclass
class Player:
    """One reporter filing one plan, counting what they send and press."""

    bot: BotHarness
    user: SimUser
    taps: int = 0
    log: list[str] = field(default_factory=list)

    def _buttons(self) -> list[tuple[str, int]]:
        """(callback data, message id) of the newest message that has buttons."""
        for message in reversed(self.user.replies):
            if message.buttons:
                return [
                    (str(b.get("callback_data", "")), message.message_id)
                    for row in message.buttons
                    for b in row
                ]
        return []

    def _find(self, action: ReportAction, name: str = "", arg: str = "") -> tuple[str, int] | None:
        """The newest button with this action (for this field, with this argument) on screen."""
        every = [
            (str(b.get("callback_data", "")), m.message_id)
            for m in reversed(self.user.replies)
            for row in m.buttons
            for b in row
        ]
        for data, message_id in every:
            parts = data.split(":")
            if parts[:2] != [ReportPress.prefix, action.value]:
                continue
            if name and parts[3:4] != [name] and parts[2:3] != [name]:
                continue
            if arg and parts[-1] != arg:
                continue
            return data, message_id
        return None

    async def press(self, action: ReportAction, name: str = "", arg: str = "") -> None:
        found = self._find(action, name, arg)
        if found is None:
            raise AssertionError(
                f"no {action.name} {name} {arg}: {self.user.buttons} / {self.user.last_text}"
            )
        self.taps += 1
        self.log.append(f"press {action.name} {arg}")
        await self.user.press_data(*found)

    async def send(self, text: str) -> None:
        self.taps += 1
        self.log.append(f"send {text[:20]}")
        await self.user.send(text)

    async def step(self) -> str | None:
        draft = await draft_of(self.bot, self.user.id)
        return None if draft is None else (draft.step or "")

    async def file(self, category: str, plan: dict[str, Any]) -> int:
        await self.send("/report")
        form = get_form(category)
        while (step := await self.step()) is not None:
            if self.taps > LIMIT:
                raise AssertionError(f"{category}: stuck at {step}: {self.log}")
            if step == CATEGORY_STEP:
                await self.press(ReportAction.CATEGORY, category)
            elif step == SUMMARY_STEP:
                await self.press(ReportAction.SUBMIT)
            else:
                await self.answer(form.field(step).type, step, plan.get(step))
        assert len(await reports_of(self.bot, self.user.id)) == 1, self.log
        return self.taps

    async def answer(self, kind: str, name: str, intent: Any) -> None:
        if intent is None:
            await self.press(ReportAction.SKIP, name)
        elif kind == "date":
            await self.press(ReportAction.DAY, name, str(intent))
        elif kind == "choice":
            intent = intent[0] if isinstance(intent, list) else intent  # one answer where one is allowed
            codes = [c.code for c in get_form(self.current).field(name).choices]
            if intent not in codes:  # typed by name
                await self.send(intent)
                return
            await self.press(ReportAction.OPTION, name, option(self.category_of(name), name, intent))
        elif kind == "multi_choice":
            await self.choose_all(name, list(intent))
        elif kind == "admin_area":
            typed, province = intent
            await self.send(typed)
            if await self.step() == name:  # "did you mean": pick the place in the planned province
                candidates = [d for d, _ in self._buttons() if d.split(":")[-1].startswith(province)]
                await self.press(ReportAction.PLACE, name, candidates[0].split(":")[-1])
        else:
            await self.send(str(intent))

    async def choose_all(self, name: str, codes: list[str]) -> None:
        indexes = [option(self.category_of(name), name, c) for c in codes]
        if self._find(ReportAction.OPTION, name):  # one tap answers; taps above add the others
            await self.press(ReportAction.OPTION, name, indexes[0])
            for index in indexes[1:]:
                await self.press(ReportAction.TOGGLE, name, index)
            return
        for index in indexes:
            await self.press(ReportAction.TOGGLE, name, index)
        await self.press(ReportAction.DONE, name)

    current: str = ""

    def category_of(self, name: str) -> str:
        return self.current


def option(category: str, name: str, code: str) -> str:
    return str([c.code for c in get_form(category).field(name).choices].index(code))


async def quick_report(bot: BotHarness, user_id: int) -> int | None:
    """One voice note on its own; None when the bot does not take it as a report."""
    user = await reporter(bot, user_id)
    state = bot.emulator.state
    if not hasattr(state, "send_voice"):
        return None
    await bot.process(state.send_voice(user_id, b"OggS-fake-voice", duration=7))
    return 1 if await reports_of(bot, user.id) else None


async def main(database_url: str) -> dict[str, int | None]:
    db = Database(database_url)
    await upgrade_from_empty(db)
    bot = await BotHarness.create(db)
    figures: dict[str, int | None] = {}
    try:
        for number, (category, plan) in enumerate(PLANS.items()):
            player = Player(bot, await reporter(bot, 1000 + number))
            player.current = category
            figures[category] = await player.file(category, plan)
        figures["quick_report"] = await quick_report(bot, 2000)
    finally:
        await bot.close()
        await db.dispose()
    return figures


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='khabar-taps-')) / 'taps.db'}"
    parser.add_argument("--database-url", default=default)
    args = parser.parse_args()
    figures = asyncio.run(main(args.database_url))
    print(f"{'category':<24} interactions")
    for category, taps in figures.items():
        print(f"{category:<24} {'not possible' if taps is None else taps}")


if __name__ == "__main__":
    run()
