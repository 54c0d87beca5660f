"""Buttons are not trusted (forged, replayed, outdated, demoted), two moderators racing on one
report (first wins), and the moderators' new-report alerts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot import moderation
from domain.vocabulary import UserStatus
from handlers.callbacks import ModerationAction, ModerationPress
from storage.db import Database
from storage.users import UserRepository
from tests.harness import BotHarness, SimUser
from tests.moderation_support import (
    events_of,
    load_report,
    make_report,
    notices,
    reply,
)

REPORTER_ID = 10
DENIED = "You don't have permission to do that."
HANDLED = "already handled by another moderator"


def button_data(user: SimUser, label: str) -> tuple[str, int]:
    for message in reversed(user.replies):
        for row in message.buttons:
            for button in row:
                if label in button["text"]:
                    return button["callback_data"], message.message_id
    raise AssertionError(f"no button {label!r}")


async def test_reporter_crafting_approve_is_refused(relaxed_bot: BotHarness) -> None:
    reporter = await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER_ID)
    for press in (
        ModerationPress(ModerationAction.APPROVE_AS, report.id or 0, 0, (0, 1)),
        ModerationPress(ModerationAction.REJECT_REASON, report.id or 0, 0, (0,)),
        ModerationPress(ModerationAction.TOGGLE_SENSITIVE, report.id or 0, 0, (10,)),
    ):
        data = press.pack()
        await reporter.press_data(data)
        assert reporter.last_alert == DENIED
    coordinator = await relaxed_bot.user(20, "Coord", role="coordinator")
    approve = ModerationPress(ModerationAction.APPROVE_AS, report.id or 0, 0, (0, 1))
    await coordinator.press_data(approve.pack())
    assert coordinator.last_alert == DENIED
    stored = await load_report(relaxed_bot.db, report.id)
    assert (stored.status, stored.version, stored.sensitive_fields) == ("pending", 0, [])
    assert [e.action for e in await events_of(relaxed_bot.db, report.id)] == ["submitted"]


async def test_malformed_and_unknown_callbacks_are_refused(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER_ID)
    moderator = await relaxed_bot.user(2, "Mod", role="moderator")
    for data in (
        "mod:au",
        "mod:zz:1:0",
        f"mod:au:{report.id}:x:0:1",
        "mod:au:-1:0:0:1",
        "mod:au:1:0:0:1:2:3",
    ):
        await moderator.press_data(data)
        assert moderator.last_alert is not None and "no longer valid" in moderator.last_alert
    await moderator.press_data("mod:au:999999:0:0:1")
    assert moderator.last_alert == "That report no longer exists."
    # Out-of-range arguments on a real report: refused as outdated, nothing changes.
    await moderator.press_data(f"mod:au:{report.id}:0:7:1")
    assert moderator.last_alert is not None and HANDLED in moderator.last_alert
    assert (await load_report(relaxed_bot.db, report.id)).status == "pending"


async def test_demoted_moderators_old_card_is_refused(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER_ID)
    moderator = await relaxed_bot.user(2, "Mod", role="moderator")
    await moderator.send("/pending")
    await moderator.press("Approve")
    await moderator.press("Confirmed")
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    await admin.send("/role 2 reporter")
    assert admin.last_text == "User 2 is now a reporter."
    menu = relaxed_bot.emulator.state.commands["chat:2:"]
    assert "pending" not in {c["command"] for c in menu}  # their menu was refreshed
    await moderator.press("Not urgent")
    assert moderator.last_alert == DENIED
    assert (await load_report(relaxed_bot.db, report.id)).status == "pending"


async def test_replayed_press_on_handled_card_is_refused(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER_ID)
    moderator = await relaxed_bot.user(2, "Mod", role="moderator")
    await moderator.send("/pending")
    card_data, card_id = button_data(moderator, "Reject")
    await moderator.press("Approve")
    await moderator.press("Possible")
    final_data, final_id = button_data(moderator, "Not urgent")
    await moderator.press("Not urgent")
    assert (await load_report(relaxed_bot.db, report.id)).certainty == "possible"
    await moderator.press_data(final_data, final_id)
    assert moderator.last_alert is not None and HANDLED in moderator.last_alert
    await moderator.press_data(card_data, card_id)
    assert moderator.last_alert is not None and HANDLED in moderator.last_alert
    assert "Status: approved" in moderator.last_text  # the card now shows where it stands
    assert [e.action for e in await events_of(relaxed_bot.db, report.id)] == ["submitted", "approved"]
    assert len(await notices(relaxed_bot.db, REPORTER_ID)) == 1


async def test_two_moderators_press_at_once_first_wins(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    report = await make_report(relaxed_bot.db, REPORTER_ID)
    first = await relaxed_bot.user(2, "First", role="moderator")
    second = await relaxed_bot.user(3, "Second", role="moderator")
    for moderator in (first, second):
        await moderator.send("/pending")
    await first.press("Approve")
    await first.press("Confirmed")
    approve_data, approve_msg = button_data(first, "Not urgent")
    await second.press("Reject")
    reject_data, reject_msg = button_data(second, "Found to be inaccurate")
    # Both presses are queued before the bot processes either; different chats are handled at the
    # same time, so whichever decision commits first wins, and the other moderator is told.
    state = relaxed_bot.emulator.state
    pressed = [
        state.press(first.id, approve_msg, approve_data),
        state.press(second.id, reject_msg, reject_data),
    ]
    for update_id in pressed:
        await relaxed_bot.process(update_id)
    stored = await load_report(relaxed_bot.db, report.id)
    assert stored.status in ("approved", "rejected") and stored.version == 1
    winner, loser = (first, second) if stored.status == "approved" else (second, first)
    assert f"Report {stored.reference} {stored.status}" in winner.last_text
    assert loser.last_alert is not None and HANDLED in loser.last_alert
    assert [e.action for e in await events_of(relaxed_bot.db, report.id)] == ["submitted", stored.status]
    assert len(await notices(relaxed_bot.db, REPORTER_ID)) == 1


async def _race(db: Database, report_id: int) -> list[moderation.Outcome]:
    now = datetime.now(UTC)

    async def approve() -> moderation.Outcome:
        async with db.session() as session:
            result = await moderation.approve(
                session,
                report_id=report_id,
                version=0,
                actor_id=2,
                certainty="confirmed",
                urgent=False,
                now=now,
            )
            return result.outcome

    async def reject() -> moderation.Outcome:
        async with db.session() as session:
            result = await moderation.reject(
                session, report_id=report_id, version=0, actor_id=3, reason="mistake", now=now
            )
            return result.outcome

    return list(await asyncio.gather(approve(), reject()))


async def test_concurrent_transitions_on_separate_sessions(db: Database) -> None:
    async with db.session() as session:
        await UserRepository(session).set_role(REPORTER_ID, "reporter")
    for _round in range(5):
        report = await make_report(db, REPORTER_ID)
        outcomes = await _race(db, report.id or 0)
        assert sorted(outcomes) == sorted([moderation.Outcome.DONE, moderation.Outcome.STALE])
        stored = await load_report(db, report.id)
        assert stored.version == 1 and stored.status in ("approved", "rejected")
        events = await events_of(db, report.id)
        assert events[0].action == "submitted" and len(events) == 2
        assert len(await notices(db, REPORTER_ID)) == _round + 1


async def test_moderator_alerts_are_batched(relaxed_bot: BotHarness) -> None:
    # The job that calls announce_new_reports is registered with the app (tests/test_smoke.py).
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    await relaxed_bot.user(2, "Mod", role="moderator")
    await relaxed_bot.user(1, "Admin", role="admin", language="fa_AF")
    await relaxed_bot.user(4, "Blocked mod", role="moderator")
    async with relaxed_bot.db.session() as session:
        users = UserRepository(session)
        blocked = await users.get(4)
        assert blocked is not None
        blocked.status = UserStatus.BLOCKED
        await users.save(blocked)
    t0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)

    async def announce(at: datetime) -> int:
        async with relaxed_bot.db.session() as session:
            return await moderation.announce_new_reports(session, at)

    assert await announce(t0) == 0  # nothing pending, nothing said
    await make_report(relaxed_bot.db, REPORTER_ID)
    await make_report(relaxed_bot.db, REPORTER_ID)
    assert await announce(t0) == 2
    [alert] = await notices(relaxed_bot.db, 2)
    assert alert.text == "2 new reports are waiting for review. Send /pending to see them."
    [dari] = await notices(relaxed_bot.db, 1)
    assert "۲" in dari.text  # the admin's alert is rendered in their language
    assert await notices(relaxed_bot.db, 4) == [] and await notices(relaxed_bot.db, REPORTER_ID) == []

    await make_report(relaxed_bot.db, REPORTER_ID)
    assert await announce(t0 + timedelta(minutes=1)) == 0  # at most one per five minutes
    assert await announce(t0 + timedelta(minutes=5)) == 2
    assert (await notices(relaxed_bot.db, 2))[
        -1
    ].text == "1 new report is waiting for review. Send /pending to see it."
    assert await announce(t0 + timedelta(minutes=11)) == 0  # nothing new since


async def test_unanswered_prompts_expire(relaxed_bot: BotHarness) -> None:
    await relaxed_bot.user(REPORTER_ID, "Field", role="reporter")
    await make_report(relaxed_bot.db, REPORTER_ID)
    moderator = await relaxed_bot.user(2, "Mod", role="moderator")
    await moderator.send("/pending")
    await moderator.press("Ask the reporter")
    async with relaxed_bot.db.session() as session:
        assert await moderation.expire_prompts(session, datetime.now(UTC)) == 0
        assert await moderation.expire_prompts(session, datetime.now(UTC) + moderation.PROMPT_TTL) == 1
    await reply(moderator, "Too late?")
    assert "already answered or has closed" in moderator.last_text
