"""The other conversations that change state over several steps, when the reply to a step is lost
and the person sends it again (the bot restarted in between): each step is applied once."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from sqlalchemy import select

from bot import moderation, subscriptions
from bot.moderation import ANSWER_PREFIX
from domain.vocabulary import AuditAction
from storage.models import InviteAttempt
from tests.harness import BotHarness
from tests.moderation_support import events_of, load_report, make_report, notices, reply
from tests.test_invites import make_invite, role_of

MODERATOR, REPORTER = 7346, 12


async def test_a_resent_invite_code_is_recognised_not_refused(bot: BotHarness) -> None:
    admin = await bot.user(1, "Admin", role="admin")
    code = await make_invite(admin, "reporter")  # a single use
    newcomer = await bot.user(210, "Newcomer", "en")
    await newcomer.send(f"/start {code}")
    assert await role_of(bot.db, 210) == "reporter"
    await bot.restart()
    # The welcome never arrived: they send the code again. Its only use went to them.
    before = len(newcomer.replies)
    await newcomer.send(f"/start {code}")
    answer = [m.text or "" for m in newcomer.replies[before:]]
    assert "You already have access as a reporter." in answer and not any("not valid" in t for t in answer)
    async with bot.db.session() as session:
        assert list((await session.execute(select(InviteAttempt))).scalars()) == []  # not a wrong code


async def test_a_wizard_tick_pressed_again_stays_ticked(bot: BotHarness) -> None:
    user = await bot.user(211, "Coord", "en", role="coordinator")
    await user.send("/subscribe")
    await user.press("Daily")
    await user.press("07:00")
    await user.press("Badakhshan")
    assert "Selected: 1" in user.last_text
    badakhshan = user.last_reply
    assert badakhshan is not None
    # The same press again, as after a restart that lost its reply: the old button still ticks.
    await bot.restart()
    await user.press_data("sub:p:AF17", badakhshan.message_id)
    assert "Selected: 1" in user.last_text and "✓ Badakhshan" in user.buttons
    await user.press("✓ Badakhshan")  # pressing the ticked button unticks it
    assert "Selected: 0" in user.last_text
    await user.press("Done")
    categories = user.last_reply
    assert categories is not None
    await user.press("Attack on health care")
    await user.press_data("sub:c:health_attack", categories.message_id)  # a double tap
    assert "✓ Attack on health care" in user.buttons


async def test_a_resent_reject_reason_is_applied_once(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER)
    moderator = await relaxed_bot.user(MODERATOR, "Mod", role="moderator")
    await moderator.send("/pending")
    await moderator.press("Reject")
    await moderator.press("Other reason")
    await reply(moderator, "Location does not match the description.")
    await relaxed_bot.restart()
    # The confirmation never arrived: the moderator replies to the same prompt again.
    await reply(moderator, "Location does not match the description.")
    assert "already answered" in moderator.last_text
    events = await events_of(relaxed_bot.db, report.id)
    assert [e.action for e in events].count(AuditAction.REJECTED) == 1
    assert len(await notices(relaxed_bot.db, REPORTER)) == 1


async def test_a_typed_reply_whose_decision_died_can_be_sent_again(
    relaxed_bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies after the prompt is read and before the decision commits: the reply sent
    again must still find its prompt (not "already answered", with nothing applied)."""
    await relaxed_bot.user(REPORTER, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER)
    moderator = await relaxed_bot.user(MODERATOR, "Mod", role="moderator")
    await moderator.send("/pending")
    await moderator.press("Ask the reporter")
    asked = moderation.ask_info

    async def dies(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("killed before the decision committed")

    monkeypatch.setattr(moderation, "ask_info", dies)
    with contextlib.suppress(RuntimeError):
        await reply(moderator, "Was anyone hurt?")
    monkeypatch.setattr(moderation, "ask_info", asked)
    await relaxed_bot.restart()
    await reply(moderator, "Was anyone hurt?")
    assert "was sent to the reporter" in moderator.last_text
    assert (await load_report(relaxed_bot.db, report.id)).status == "needs_info"
    assert [e.action for e in await events_of(relaxed_bot.db, report.id)].count(AuditAction.NEEDS_INFO) == 1


async def test_a_resent_answer_to_a_question_is_applied_once(relaxed_bot: BotHarness) -> None:
    reporter = await relaxed_bot.user(REPORTER, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER)
    moderator = await relaxed_bot.user(MODERATOR, "Mod", role="moderator")
    await moderator.send("/pending")
    await moderator.press("Ask the reporter")
    await reply(moderator, "Was anyone hurt?")
    await reporter.send(f"/start {ANSWER_PREFIX}{report.reference}")
    await reply(reporter, "Two vaccinators had minor injuries.")
    await relaxed_bot.restart()
    # The thanks never arrived (nor the clean-up that follows it): the same reply again.
    prompt = next(
        m
        for m in reversed(reporter.state.bot_messages(REPORTER, include_deleted=True))
        if "Reply to this message with your answer." in (m.text or "")
    )
    await relaxed_bot.process(
        reporter.state.send_reply(REPORTER, "Two vaccinators had minor injuries.", prompt)
    )
    assert "already answered" in reporter.last_text
    events = await events_of(relaxed_bot.db, report.id)
    assert [e.action for e in events].count(AuditAction.INFO_ANSWERED) == 1
    assert (await load_report(relaxed_bot.db, report.id)).status == "pending"


async def test_wizard_steps_pressed_again_after_a_restart_are_not_refused(relaxed_bot: BotHarness) -> None:
    user = await relaxed_bot.user(212, "Coord", "en", role="coordinator")
    await user.send("/subscribe")
    wizard = user.last_reply
    assert wizard is not None
    await user.press("Daily")
    await relaxed_bot.restart()
    # "Daily" again, as if its reply had been lost: the wizard shows the step it is at.
    await user.press_data("sub:f:d", wizard.message_id)
    assert user.last_alert is None or "no longer valid" not in user.last_alert
    assert "07:00" in user.buttons
    await user.press("07:00")
    await user.press("All provinces")
    await user.press("All categories")
    await user.press("Confirmed and probable")
    await user.press("No")
    last = user.last_reply
    assert last is not None
    await user.press("Yes")  # urgent alerts: the last press saves
    assert "Subscription saved." in user.last_text
    await relaxed_bot.restart()
    # The last press again: it is not applied twice and does not ask to start again.
    await user.press_data("sub:a:1", last.message_id)
    assert "already ended" in (user.last_alert or "") and "/subscriptions" in (user.last_alert or "")
    async with relaxed_bot.db.session() as session:
        assert len(await subscriptions.list_for(session, 212)) == 1
