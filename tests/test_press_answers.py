"""Every button press is answered exactly once (`handlers.common.answers_press`): the spinner stops,
a refusal or stale button shows its alert, and no second answer reaches Telegram."""

from __future__ import annotations

from tests.harness import BotHarness
from tests.moderation_support import make_report

MODERATOR_ID, REPORTER_ID = 7345, 10


def all_answered_once(bot: BotHarness) -> bool:
    state = bot.emulator.state
    return all(q["answered"] for q in state.callback_queries.values()) and state.counters["400"] == 0


async def test_moderation_presses_are_answered_once(bot: BotHarness) -> None:
    await bot.user(REPORTER_ID, "Field", role="reporter")
    report = await make_report(bot.db, REPORTER_ID)
    moderator = await bot.user(MODERATOR_ID, "Mod", role="moderator")
    await moderator.send("/pending")
    for label in ("Approve", "Back", "Approve", "Probable"):
        await moderator.press(label)
        assert all_answered_once(bot), label
        assert moderator.last_alert is None, label  # answered by the decorator, with no text
    await moderator.press("Not urgent")
    assert all_answered_once(bot)
    assert moderator.last_alert == "Approved."  # the handler's own toast, not answered again
    assert f"Report {report.reference} approved" in moderator.last_text


async def test_a_refused_press_shows_its_alert_once(bot: BotHarness) -> None:
    await bot.user(REPORTER_ID, "Field", role="reporter")
    await make_report(bot.db, REPORTER_ID)
    moderator = await bot.user(MODERATOR_ID, "Mod", role="moderator")
    await moderator.send("/pending")
    reporter = await bot.user(REPORTER_ID + 1, "Other", role="reporter")
    await reporter.press_data(moderator.replies[-1].buttons[0][0]["callback_data"])
    assert reporter.last_alert == "You don't have permission to do that."
    assert all_answered_once(bot)
