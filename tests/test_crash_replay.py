"""The real `khabar run` killed between the commit of an input and its reply, for every kind of
input; restarted on the same database; the reporter sends the input again and goes on. The stored
report must be exactly what they meant: nothing applied twice, nothing skipped, no photo twice.

The kill is exact, not timed: `KHABAR_TEST_CRASH_AFTER_COMMIT` (`bot.crashpoint`) makes the process
exit right after the n-th commit of one kind of input. Runs on SQLite, and on PostgreSQL when the
suite does (TEST_DATABASE_URL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.emulator import EmulatorServer
from storage.db import Database
from storage.models import Report
from tests.botproc import BotProcess, migrated_db_url
from tests.crash_person import Person
from tests.crash_plans import SCENARIOS, Scenario
from tests.harness import FAST_ENV, at_human_pace, fast_limits

USER = 990101


async def stored_reports(db: Database, url: str, user_id: int) -> list[Report]:
    check = db if not db.is_sqlite else Database(url)
    try:
        async with check.session() as session:
            rows = await session.execute(select(Report).where(col(Report.reporter_id) == user_id))
            return list(rows.scalars())
    finally:
        if check is not db:
            await check.dispose()


def check_report(report: Report, scenario: Scenario, files: dict[str, bytes]) -> None:
    answers: dict[str, Any] = dict(report.answers)
    for media in ("photos", "voice"):  # file ids: each upload has its own, so compare the bytes
        if media in answers:
            answers[media] = [files[file_id] for file_id in answers[media]]
    for name, value in scenario.expected.items():
        assert answers.get(name) == value, (name, answers.get(name), value)
    for name in scenario.absent:
        assert name not in answers, (name, answers[name])


async def file_with_crashes(
    emulator: EmulatorServer, tmp_path: Path, url: str, user_id: int, scenario: Scenario, crashes: list[str]
) -> Person:
    emulator.state.add_user(user_id, "Reporter", "en")
    emulator.state.limits = at_human_pace(fast_limits())
    bot = BotProcess(emulator, tmp_path, url, ADMIN_IDS=str(user_id), **FAST_ENV)
    person = Person(bot, user_id, scenario.category, scenario.plan, list(crashes), details=scenario.details)
    person.start()
    try:
        await person.file_report()
    finally:
        bot.kill()
    return person


# (scenario, crash point, what the reporter meets): each kind of input, at an answer that matters.
CASES = [
    ("other_security", "text:2"),  # killed = 0, then "0" again after the restart
    ("other_security", "photo:1"),  # the photo stored twice
    ("other_security", "photo:2"),  # the last photo before Done
    ("other_security", "voice:1"),  # a voice note where a choice is asked: refused once, never stored
    ("other_security", "location:1"),
    ("other_security", "skip:1"),  # the issue's /skip that skipped the next question too (on the summary)
    ("other_security", "back:1"),
    ("other_security", "button:2"),  # the day button
    ("other_security", "button:5"),  # a choice option
    ("health_attack", "button:3"),  # the first tap on a multi-choice: its ticks must stay open to taps
    ("health_attack", "button:4"),  # a tick, pressed again: must stay ticked
    ("health_attack", "button:6"),  # the second tick
    ("health_attack", "skip:1"),  # the next question is optional: a second /skip would skip it
    ("health_attack", "report:1"),  # /report itself
    ("control_change", "voice:1"),  # a voice note stored on the summary, then sent again: kept once
]


@pytest.mark.parametrize(("category", "crash"), CASES, ids=[f"{c}-{k}" for c, k in CASES])
async def test_killed_between_commit_and_reply_the_report_is_exact(
    emulator: EmulatorServer, db: Database, tmp_path: Path, category: str, crash: str
) -> None:
    # `db` is requested so the tables are emptied afterwards on PostgreSQL, where the bot shares them.
    url = await migrated_db_url(tmp_path)
    scenario = SCENARIOS[category]()
    person = await file_with_crashes(emulator, tmp_path, url, USER, scenario, [crash])
    assert len(person.crashes) == 1, person.bot.output()
    assert person.crashes[0].crash_kind == crash.split(":")[0]
    [report] = await stored_reports(db, url, USER)
    check_report(report, scenario, emulator.state.files)
    # A press sent again is recognised, not refused as a button of an earlier question.
    texts = [m.text or "" for m in emulator.state.bot_messages(USER, include_deleted=True)]
    assert not any("belongs to an earlier question" in t for t in texts), texts


async def test_a_crash_after_submit_makes_one_report(
    emulator: EmulatorServer, db: Database, tmp_path: Path
) -> None:
    url = await migrated_db_url(tmp_path)
    scenario = SCENARIOS["health_attack"]()
    presses = sum(1 for acts in scenario.plan.values() for a in acts if a.kind == "press")
    # Every planned press, the category, one Edit per detail on the summary (each answered at once)
    # and Submit: the last button is Submit.
    last = presses + 2 + len(scenario.details)
    person = await file_with_crashes(emulator, tmp_path, url, USER, scenario, [f"button:{last}"])
    assert person.crashes[0].action is not None and person.crashes[0].action.value == "ok"
    [report] = await stored_reports(db, url, USER)
    check_report(report, scenario, emulator.state.files)
    assert "already sent" in str(list(emulator.state.callback_queries.values())[-1]["text"])


async def test_the_photo_question_after_a_restart_says_what_it_holds(
    emulator: EmulatorServer, db: Database, tmp_path: Path
) -> None:
    url = await migrated_db_url(tmp_path)
    scenario = SCENARIOS["other_security"]()
    await file_with_crashes(emulator, tmp_path, url, USER, scenario, ["photo:1"])
    texts = [m.text or "" for m in emulator.state.bot_messages(USER, include_deleted=True)]
    label = scenario_label("other_security", "photos")
    # Continue after the restart shows the question with the photo it already holds; the photo
    # sent again is recognised and not stored twice.
    assert any(t.startswith(label) and "1 photo received" in t for t in texts), texts
    assert any(t.startswith("This photo was already received.\n1 photo received") for t in texts), texts
    [report] = await stored_reports(db, url, USER)
    check_report(report, scenario, emulator.state.files)


def scenario_label(category: str, name: str) -> str:
    from bot.forms.engine import get_form

    return get_form(category).field(name).label
