"""A reporter whose updates the load balancer spreads over three replicas (PostgreSQL) files a report
as on one instance: no "continue or discard?" prompt, every answer applied in order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.emulator import EmulatorServer, EmuMessage
from bot.forms.actions import ReportAction
from handlers.callbacks import ReportPress
from storage.db import Database
from storage.models import Report
from tests.harness import FAST_ENV, at_human_pace, fast_limits
from tests.replica_support import ReplicaSet

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="replicas need PostgreSQL (SQLite serves one instance): set TEST_DATABASE_URL",
)
USER = 4242
DESCRIPTION = "Shelling hit the clinic at dawn near the market."


def _buttons(msg: EmuMessage) -> dict[str, str]:
    """action -> callback data of the first button with that action."""
    found: dict[str, str] = {}
    for row in msg.buttons:
        for button in row:
            pressed = ReportPress.parse(button.get("callback_data"))
            if pressed is not None and pressed.action is not None:
                found.setdefault(pressed.action, str(button["callback_data"]))
    return found


def _day_zero(msg: EmuMessage) -> str:
    for row in msg.buttons:
        for button in row:
            pressed = ReportPress.parse(button.get("callback_data"))
            if pressed is not None and pressed.action == ReportAction.DAY and pressed.arg == "0":
                return str(button["callback_data"])
    return _buttons(msg)[ReportAction.DAY]


async def test_a_reporter_spread_over_three_replicas_files_in_order(
    db: Database, emulator: EmulatorServer, tmp_path: Path
) -> None:
    state = emulator.state
    state.add_user(USER, "Reporter", "en")
    state.limits = at_human_pace(fast_limits())
    url = os.environ["TEST_DATABASE_URL"]
    group = ReplicaSet(emulator, tmp_path, url, 3, ADMIN_IDS=str(USER), **FAST_ENV)
    try:
        await group.start()
        replica = group.replicas[0]

        async def step(action: object) -> EmuMessage:
            before = state.counters["sent"] + state.counters["edited"]
            action_id = action() if callable(action) else None
            await replica.until(
                lambda: state.counters["sent"] + state.counters["edited"] > before, f"reply to {action_id}"
            )
            return state.bot_messages(USER)[-1]

        shown = await step(lambda: state.send_text(USER, "/report"))
        ticked: set[str] = set()  # questions where an option is ticked
        for _ in range(60):
            buttons = _buttons(shown)
            assert ReportAction.RESUME not in buttons, f"spurious resume prompt: {shown.text}"
            if ReportAction.SUBMIT in buttons:
                submit = buttons[ReportAction.SUBMIT]
                await step(lambda m=shown.message_id, d=submit: state.press(USER, m, d))
                break
            pick = None
            if ReportAction.TOGGLE in buttons and shown.text not in ticked:
                ticked.add(shown.text or "")
                pick = buttons[ReportAction.TOGGLE]
            elif ReportAction.DAY in buttons:
                pick = _day_zero(shown)
            else:
                for action in (
                    ReportAction.CATEGORY,
                    ReportAction.PLACE,
                    ReportAction.SKIP,
                    ReportAction.DONE,
                    ReportAction.OPTION,
                    ReportAction.UNKNOWN,
                    ReportAction.ACCEPT,
                ):
                    if action in buttons:
                        pick = buttons[action]
                        break
            if pick is not None:
                shown = await step(lambda m=shown.message_id, d=pick: state.press(USER, m, d))
            else:
                text = "Paghman" if "district" in (shown.text or "").lower() else DESCRIPTION
                shown = await step(lambda t=text: state.send_text(USER, t))
        else:
            raise AssertionError("no summary after 60 steps")
        await replica.until(
            lambda: "R-" in (state.bot_messages(USER)[-1].text or ""), "the report's reference"
        )
        async with db.session() as session:
            reports = list((await session.execute(select(Report))).scalars())
        assert len(reports) == 1
        assert reports[0].answers.get("description") == DESCRIPTION
        assert all(n > 0 for n in group.balancer.served.values()) and len(group.balancer.served) == 3
    finally:
        await group.stop()
        group.kill_all()
