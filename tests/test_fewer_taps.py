"""Fewer taps: a crossing typed by name in Dari or Pashto, an exact place name taken at once, killed
and injured typed together, a multi-choice answered with one tap and amended above."""

from __future__ import annotations

import pytest

from bot.forms.actions import ReportAction
from tests.harness import BotHarness
from tests.report_helpers import choose, draft_of, option_index, reporter, start_report


@pytest.mark.parametrize(
    ("language", "typed"),
    [("fa_AF", "شیرخان بندر"), ("ps", "شیر خان بندر"), ("fa_AF", "شیر خان بندر"), ("en", "Sher Khan Bandar")],
)
async def test_a_crossing_typed_by_name_is_accepted(bot: BotHarness, language: str, typed: str) -> None:
    user = await reporter(bot, 801, language=language)
    await start_report(user, "border_crossing")
    await choose(user, ReportAction.DAY, "occurred_on", "0")
    await user.send(typed)
    draft = await draft_of(bot, user.id)
    assert draft is not None and draft.answers["crossing"] == "BCP-TJK-SKB" and draft.step == "status"


async def test_typed_answers_save_taps(bot: BotHarness) -> None:
    user = await reporter(bot, 802)
    await start_report(user, "health_attack")
    await choose(user, ReportAction.DAY, "occurred_on", "0")
    await user.send("Kunar")  # an exact, unique name: no "did you mean"
    draft = await draft_of(bot, user.id)
    assert draft is not None and draft.answers["province"] == "AF15" and draft.step == "district"
    await user.send("Asadabad")
    await choose(
        user, ReportAction.OPTION, "attack_types", option_index("health_attack", "attack_types", "arson")
    )
    draft = await draft_of(bot, user.id)
    assert (
        draft is not None
        and draft.answers["attack_types"] == ["arson"]
        and draft.step == "resources_affected"
    )
    # The answered question stays on screen: a tap there adds an option.
    await choose(
        user, ReportAction.TOGGLE, "attack_types", option_index("health_attack", "attack_types", "threat")
    )
    draft = await draft_of(bot, user.id)
    assert draft is not None and draft.answers["attack_types"] == ["arson", "threat"]
    assert draft.step == "resources_affected"
    await choose(
        user,
        ReportAction.OPTION,
        "resources_affected",
        option_index("health_attack", "resources_affected", "patients"),
    )
    await choose(
        user,
        ReportAction.OPTION,
        "services_interrupted",
        option_index("health_attack", "services_interrupted", "no"),
    )
    await user.send("Not known")  # a choice typed by its label
    await user.send("1 500")  # one number with a thousands separator
    draft = await draft_of(bot, user.id)
    assert draft is not None and draft.answers["killed"] == 1500 and draft.step == "injured"
    await user.send("/back")
    await user.send("2 5")  # killed and injured at once
    draft = await draft_of(bot, user.id)
    assert draft is not None and (draft.answers["killed"], draft.answers["injured"]) == (2, 5)
    assert draft.step == "description"


async def test_a_first_tap_pressed_again_keeps_its_ticks_open_and_the_last_stays(bot: BotHarness) -> None:
    user = await reporter(bot, 803)
    await start_report(user, "health_attack")
    await choose(user, ReportAction.DAY, "occurred_on", "0")
    await user.send("Kunar")
    await user.send("Asadabad")
    arson = option_index("health_attack", "attack_types", "arson")
    [question] = [m for m in user.replies if "What kind of attack?" in (m.text or "")]
    [data] = [
        str(b["callback_data"])
        for row in question.buttons
        for b in row
        if str(b["callback_data"]).endswith(f":attack_types:{arson}")
    ]
    await user.press_data(data, question.message_id)
    # The same first tap again, as after a restart that swallowed its reply: no "earlier question",
    # the question shows its tick (open to more taps) and the next question comes below.
    await user.press_data(data, question.message_id)
    draft = await draft_of(bot, user.id)
    assert draft is not None and draft.answers["attack_types"] == ["arson"]
    assert draft.step == "resources_affected"
    assert "earlier question" not in (user.last_alert or "")
    assert "What was affected?" in user.last_text
    [ticks] = [m for m in user.replies if m.message_id == question.message_id]
    assert "✅ Arson (fire set on purpose)" in [b["text"] for row in ticks.buttons for b in row]
    # Unticking the only option of a required question is refused, without a Done to press.
    await choose(user, ReportAction.TOGGLE, "attack_types", f"-{arson}")
    assert user.last_alert == "At least one option must stay ticked."
