"""Every way an answer can be wrong gets an explanation and the same question again; nothing is
stored from it. Assertions are on stored drafts and button data, not on translated text."""

from __future__ import annotations

from typing import Any

from tests.harness import BotHarness, SimUser
from tests.report_helpers import (
    choose,
    data_of,
    draft_of,
    opening,
    pick,
    press,
    reporter,
    reports_of,
    start_report,
    toggle,
)


def asks(user: SimUser, field: str) -> bool:
    """The newest bot message asks `field` (one of its buttons belongs to that field)."""
    reply = user.last_reply
    assert reply is not None
    datas = [str(b.get("callback_data", "")) for row in reply.buttons for b in row]
    return any(d.split(":")[3:4] == [field] for d in datas)


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


async def test_numbers_out_of_range_or_not_numbers_are_refused(bot: BotHarness) -> None:
    user = await at_killed(bot)
    before = await step_and_answers(bot, user)
    for bad in ("-1", "10001", "many", "3.5", "", "2 or 3"):
        await user.send(bad or " ")
        assert await step_and_answers(bot, user) == before, bad
        assert asks(user, "killed")
    await user.send("١٢")  # Arabic-Indic digits
    step, answers = await step_and_answers(bot, user)
    assert step == "injured" and answers["killed"] == 12
    await user.send("۱٬۰۰۰")  # Persian digits with a thousands separator
    step, answers = await step_and_answers(bot, user)
    assert step == "description" and answers["injured"] == 1000


async def test_text_where_a_button_was_expected(bot: BotHarness) -> None:
    user = await reporter(bot, 202)
    await start_report(user, "health_attack")
    await choose(user, "y", "occurred_on", "0")
    await user.send("in the morning")  # time_of_day takes a button
    step, answers = await step_and_answers(bot, user)
    assert step == "time_of_day" and "time_of_day" not in answers
    assert asks(user, "time_of_day")


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


async def test_overlong_messages_are_refused(bot: BotHarness) -> None:
    user = await at_killed(bot, 204)
    await user.send("0")
    await user.send("0")
    before = await step_and_answers(bot, user)
    await user.send("x" * 5001)  # over the 5,000-character limit of any message
    assert await step_and_answers(bot, user) == before
    await user.send("y" * 2500)  # over the description's own limit
    assert await step_and_answers(bot, user) == before
    await user.send("z" * 5001)  # too long even where a number is expected
    assert await step_and_answers(bot, user) == before
    await user.send("A short description.")
    step, answers = await step_and_answers(bot, user)
    assert step == "source_type" and answers["description"] == "A short description."


async def test_dates_future_unreadable_and_old_with_confirmation(bot: BotHarness) -> None:
    user = await reporter(bot, 205)
    await start_report(user, "explosive_hazard")
    for bad in ("2999-01-01", "1500/01/01", "next week", "31/02/2026"):
        await user.send(bad)
        step, answers = await step_and_answers(bot, user)
        assert step == "occurred_on" and "occurred_on" not in answers, bad
    await user.send("2020-03-01")  # more than a year ago: asks to confirm
    step, answers = await step_and_answers(bot, user)
    assert step == "occurred_on" and "occurred_on" not in answers
    await choose(user, "n", "occurred_on")  # No: asked again
    assert asks(user, "occurred_on")
    await user.send("1398/12/11")  # the same day in Solar Hijri
    await choose(user, "a", "occurred_on")  # Yes
    step, answers = await step_and_answers(bot, user)
    assert step == "time_of_day" and answers["occurred_on"] == "2020-03-01"


async def test_stale_and_forged_buttons(bot: BotHarness) -> None:
    user = await reporter(bot, 206)
    await start_report(user, "health_attack")
    first_question = user.last_reply
    assert first_question is not None
    old_date_button = data_of(user, "rep:y:")
    await user.send("2026-01-05")  # typed: the date buttons stay on the earlier message
    before = await step_and_answers(bot, user)
    assert before[0] == "time_of_day"
    await user.press_data(old_date_button, first_question.message_id)
    assert await step_and_answers(bot, user) == before
    assert asks(user, "time_of_day")  # the current question again
    token = old_date_button.split(":")[2]
    for forged in (
        "rep:o:deadbeef:time_of_day:0",  # another draft's token
        f"rep:o:{token}:time_of_day:99",  # no such choice
        f"rep:o:{token}:killed:0",  # not the current question
        f"rep:p:{token}:time_of_day:AF01",  # wrong action for the field
        "rep:zz",
        "rep:k:not_a_category",
    ):
        await user.press_data(forged)
        assert await step_and_answers(bot, user) == before, forged
    await user.send("/cancel")
    await press(user, "rep:x:")
    assert await draft_of(bot, user.id) is None
    await user.press_data(f"rep:o:{token}:time_of_day:0")  # a button of the discarded draft
    assert await draft_of(bot, user.id) is None
    assert user.last_alert  # explained on the button


async def test_skip_back_and_keep(bot: BotHarness) -> None:
    user = await reporter(bot, 207)
    await start_report(user, "health_attack")
    await user.send("/skip")  # the date is required
    step, answers = await step_and_answers(bot, user)
    assert step == "occurred_on" and answers == {}
    await choose(user, "y", "occurred_on", "2")
    await user.send("/skip")  # time of day is optional
    step, answers = await step_and_answers(bot, user)
    assert step == "province" and "time_of_day" not in answers
    await user.send("/back")
    assert (await step_and_answers(bot, user))[0] == "time_of_day"
    await user.send("/back")
    assert (await step_and_answers(bot, user))[0] == "occurred_on"
    await choose(user, "a", "occurred_on")  # keep the current answer
    step, answers = await step_and_answers(bot, user)
    assert step == "time_of_day" and answers["occurred_on"]
    await press(user, "rep:b:")  # the Back button works too
    assert (await step_and_answers(bot, user))[0] == "occurred_on"


async def test_multi_choice_needs_one_and_toggles_off(bot: BotHarness) -> None:
    user = await reporter(bot, 208)
    await opening(user, "health_attack", place_at=("AF12", "Jani Khel"))
    await choose(user, "d", "attack_types")  # nothing chosen
    assert (await step_and_answers(bot, user))[0] == "attack_types"
    await toggle(user, "health_attack", "attack_types", "arson", "threat", "arson")  # arson off again
    step, answers = await step_and_answers(bot, user)
    assert step == "resources_affected" and answers["attack_types"] == ["threat"]


async def test_summary_edit_changes_one_answer_and_asks_newly_relevant_ones(bot: BotHarness) -> None:
    user = await reporter(bot, 209)
    await opening(user, "medical_supplies_loss")
    await pick(user, "medical_supplies_loss", "supply_type", "medicines")
    await choose(user, "s", "quantity")
    await pick(user, "medical_supplies_loss", "cause", "looting")
    await choose(user, "s", "facility_name")
    await user.send("Stolen from the store.")
    await pick(user, "medical_supplies_loss", "source_type", "witnessed")
    await choose(user, "s", "photos")
    assert (await step_and_answers(bot, user))[0] == "@summary"
    await press(user, "rep:e:")  # any edit button: the first is the date
    await choose(user, "y", "occurred_on", "1")
    assert (await step_and_answers(bot, user))[0] == "@summary"
    await press_edit(user, "supply_type")
    await pick(user, "medical_supplies_loss", "supply_type", "vaccines")
    step, _ = await step_and_answers(bot, user)
    assert step == "antigens"  # newly relevant and required
    await toggle(user, "medical_supplies_loss", "antigens", "bcg")
    assert (await step_and_answers(bot, user))[0] == "@summary"
    await press(user, "rep:ok:")
    [report] = await reports_of(bot, user.id)
    assert report.answers["supply_type"] == "vaccines" and report.answers["antigens"] == ["bcg"]


async def press_edit(user: SimUser, field: str) -> None:
    for message in reversed(user.replies):
        for row in message.buttons:
            for button in row:
                parts = str(button.get("callback_data", "")).split(":")
                if parts[:2] == ["rep", "e"] and parts[3:4] == [field]:
                    await user.press_data(button["callback_data"], message.message_id)
                    return
    raise AssertionError(f"no edit button for {field}")


async def test_unknown_place_and_other_district_keeps_free_text(bot: BotHarness) -> None:
    user = await reporter(bot, 210)
    await start_report(user, "displacement")
    await choose(user, "y", "occurred_on", "0")
    await choose(user, "s", "time_of_day")
    await user.send("Atlantis")
    step, answers = await step_and_answers(bot, user)
    assert step == "province" and "province" not in answers
    await user.send("Paktika")
    await choose(user, "p", "province", "AF12")
    await choose(user, "p", "district", "other")
    await user.send("/skip")  # the place name is required when the district is not listed
    assert (await step_and_answers(bot, user))[0] == "place_name"
    await user.send("New Camp")
    step, answers = await step_and_answers(bot, user)
    assert step == "location" and answers["district"] == "other" and answers["place_name"] == "New Camp"


async def test_non_reporters_cannot_report(bot: BotHarness) -> None:
    stranger = await bot.user(211, "Stranger", "en")
    await stranger.send("/report")
    assert await draft_of(bot, stranger.id) is None
    await stranger.press_data("rep:k:health_attack")
    assert await draft_of(bot, stranger.id) is None


async def test_stray_text_without_a_draft_gets_the_fallback_answer(bot: BotHarness) -> None:
    user = await reporter(bot, 212)
    await user.send("hello")
    assert "/report" in user.last_text
    assert await draft_of(bot, user.id) is None


async def test_photos_stop_at_five_and_text_is_refused_at_the_photo_question(bot: BotHarness) -> None:
    user = await at_killed(bot, 213)
    await user.send("0")
    await user.send("0")
    await user.send("Something happened.")
    await pick(user, "other_security", "source_type", "witnessed")
    await user.send("here is a photo")  # text where a photo was expected
    step, answers = await step_and_answers(bot, user)
    assert step == "photos" and "photos" not in answers
    for _ in range(5):
        await user.send_photo()
    step, answers = await step_and_answers(bot, user)
    assert step == "@summary" and len(answers["photos"]) == 5  # the fifth closes the question
