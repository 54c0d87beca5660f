"""Wrong answers, stale buttons and navigation through the real bot: refused media at a text
question, forged and stale presses, /skip, /back and Keep, and who may report. The per-type checks,
relevance and the summary's edit are unit tests (tests/unit/) on inline forms."""

from __future__ import annotations

from typing import Any

from bot.forms.actions import ReportAction
from handlers.callbacks import ReportPress
from tests.harness import BotHarness, SimUser
from tests.report_helpers import (
    action_prefix,
    choose,
    data_of,
    draft_of,
    opening,
    pick,
    press,
    reporter,
    start_report,
)


def asks(user: SimUser, field: str) -> bool:
    """The newest bot message asks `field` (one of its buttons belongs to that field)."""
    reply = user.last_reply
    assert reply is not None
    presses = [ReportPress.parse(b.get("callback_data")) for row in reply.buttons for b in row]
    return any(p is not None and p.field == field for p in presses)


async def at_killed(bot: BotHarness, user_id: int = 201, language: str = "en") -> SimUser:
    user = await reporter(bot, user_id, language)
    await opening(user, "other_security")
    await pick(user, "other_security", "incident_type", "crime")
    await pick(user, "other_security", "aid_workers_affected", "no")
    return user


async def step_and_answers(bot: BotHarness, user: SimUser) -> tuple[str | None, dict[str, Any]]:
    draft = await draft_of(bot, user.id)
    assert draft is not None
    return draft.step, dict(draft.answers)


async def test_photo_or_location_where_text_was_expected(bot: BotHarness) -> None:
    user = await at_killed(bot, 203)
    await user.send("0")
    await user.send("0")
    before = await step_and_answers(bot, user)
    assert before[0] == "description"
    await user.send_photo()
    assert await step_and_answers(bot, user) == before
    assert "⚠️" in user.last_text  # explanation on top of the repeated question
    await user.send_location(34.5, 69.2)
    assert await step_and_answers(bot, user) == before


async def test_stale_and_forged_buttons(bot: BotHarness) -> None:
    user = await reporter(bot, 206)
    await start_report(user, "health_attack")
    first_question = user.last_reply
    assert first_question is not None
    old_date_button = data_of(user, action_prefix(ReportAction.DAY))
    await user.send("2026-01-05")  # typed: the date buttons stay on the earlier message
    before = await step_and_answers(bot, user)
    assert before[0] == "province"
    await user.press_data(old_date_button, first_question.message_id)
    assert await step_and_answers(bot, user) == before
    assert asks(user, "province")  # the current question again
    pressed = ReportPress.parse(old_date_button)
    assert pressed is not None
    token = pressed.token
    for forged in (
        ReportPress(ReportAction.OPTION, "deadbeef", "province", "0").pack(),  # another draft's token
        ReportPress(ReportAction.OPTION, token, "province", "99").pack(),  # no such choice
        ReportPress(ReportAction.OPTION, token, "killed", "0").pack(),  # not the current question
        ReportPress(ReportAction.DAY, token, "province", "0").pack(),  # wrong action for the field
        "rep:zz",
        ReportPress(ReportAction.CATEGORY, "not_a_category").pack(),
    ):
        await user.press_data(forged)
        assert await step_and_answers(bot, user) == before, forged
    await user.send("/cancel")
    await press(user, action_prefix(ReportAction.DISCARD))
    assert await draft_of(bot, user.id) is None
    await user.press_data(
        ReportPress(ReportAction.OPTION, token, "province", "0").pack()
    )  # a button of the discarded draft
    assert await draft_of(bot, user.id) is None
    assert user.last_alert  # explained on the button


async def test_skip_back_and_keep(bot: BotHarness) -> None:
    user = await reporter(bot, 207)
    await start_report(user, "health_attack")
    await user.send("/skip")  # the date is required
    step, answers = await step_and_answers(bot, user)
    assert step == "occurred_on" and answers == {}
    await choose(user, ReportAction.DAY, "occurred_on", "2")
    step, answers = await step_and_answers(bot, user)  # the time of day is a detail: not asked
    assert step == "province" and "time_of_day" not in answers
    await user.send("/skip")  # the province is required
    assert (await step_and_answers(bot, user))[0] == "province"
    await user.send("/back")
    assert (await step_and_answers(bot, user))[0] == "occurred_on"
    await choose(user, ReportAction.ACCEPT, "occurred_on")  # keep the current answer
    step, answers = await step_and_answers(bot, user)
    assert step == "province" and answers["occurred_on"]
    await press(user, action_prefix(ReportAction.BACK))  # the Back button works too
    assert (await step_and_answers(bot, user))[0] == "occurred_on"


async def test_non_reporters_cannot_report(bot: BotHarness) -> None:
    stranger = await bot.user(211, "Stranger", "en")
    await stranger.send("/report")
    assert await draft_of(bot, stranger.id) is None
    await stranger.press_data(ReportPress(ReportAction.CATEGORY, "health_attack").pack())
    assert await draft_of(bot, stranger.id) is None


async def test_stray_text_without_a_draft_gets_the_fallback_answer(bot: BotHarness) -> None:
    user = await reporter(bot, 212)
    await user.send("hello")
    assert "/report" in user.last_text
    assert await draft_of(bot, user.id) is None
