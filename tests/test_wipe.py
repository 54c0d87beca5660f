"""/wipe removes everything the bot put in a person's chat, whichever path sent it (replies and the
outbox: questions, rejections, digests), says honestly what Telegram would not delete, and works for
anyone (blocked, revoked, strangers), discarding their drafts. Security review findings 1 and 11."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import col

from bot.forms.actions import ReportAction
from bot.moderation import ANSWER_PREFIX, REASON_PREFIX
from bot.runtime.sender import Sender
from bot.scheduler import send_now
from storage.db import Database
from storage.models import ChatMessage, Report
from tests.delivery_support import add_subscribers
from tests.harness import BotHarness
from tests.moderation_support import make_report, reply
from tests.report_helpers import choose, draft_of, start_report

REPORTER, MODERATOR = 20, 7346


async def deliver(bot: BotHarness) -> int:
    assert bot.app is not None
    return await Sender(bot.db, bot.app.bot, rate=bot.settings.send_rate).drain()


async def logged(db: Database, chat_id: int) -> list[int]:
    async with db.session() as session:
        stmt = select(col(ChatMessage.message_id)).where(col(ChatMessage.chat_id) == chat_id)
        return list((await session.execute(stmt)).scalars())


async def test_wipe_empties_a_chat_with_a_question_a_rejection_and_a_digest(relaxed_bot: BotHarness) -> None:
    # A coordinator also reports: they get a reviewer's question, a rejection and a digest.
    person = await relaxed_bot.user(REPORTER, "Field", role="coordinator")
    moderator = await relaxed_bot.user(MODERATOR, "Mod", role="moderator")
    asked = await make_report(relaxed_bot.db, REPORTER)
    rejected = await make_report(relaxed_bot.db, REPORTER, district="AF0102")
    await moderator.send("/pending")
    await moderator.press("Ask the reporter")
    await reply(moderator, "Were you at the checkpoint yourself?")
    await moderator.send("/pending")
    await moderator.press("Reject")
    await moderator.press("Other reason")
    await reply(moderator, "The commander named in it denies being there.")
    [sub] = await add_subscribers(relaxed_bot, 1, first_id=REPORTER)
    shared = await make_report(relaxed_bot.db, MODERATOR)
    async with relaxed_bot.db.session() as session:
        await session.execute(
            update(Report)
            .where(Report.id == shared.id)  # type: ignore[arg-type]
            .values(
                status="approved", certainty="confirmed", approved_at=datetime.now(UTC) - timedelta(minutes=5)
            )
        )
    async with relaxed_bot.db.session() as session:
        assert (await send_now(session, datetime.now(UTC), subscription_ids=[sub.id or 0])).messages == 1
    assert await deliver(relaxed_bot) == 3

    texts = [m.text or "" for m in person.replies]
    # Short notices: what the reviewer wrote stays in the bot, one link away.
    assert not any("checkpoint" in t or "commander" in t for t in texts)
    assert any(f"{ANSWER_PREFIX}{asked.reference}" in t for t in texts)
    assert any(f"{REASON_PREFIX}{rejected.reference}" in t for t in texts)
    await person.send(f"/start {REASON_PREFIX}{rejected.reference}")
    assert "The commander named in it denies being there." in person.last_text
    await person.send(f"/start {ANSWER_PREFIX}{asked.reference}")
    assert "Were you at the checkpoint yourself?" in person.last_text
    await start_report(person, "other_security")

    await person.send("/wipe")
    *wiped, confirmation = person.state.messages[REPORTER]
    assert [m.message_id for m in wiped if not m.deleted] == []
    assert len(wiped) >= 10 and confirmation.from_bot
    assert confirmation.text is not None and f"{len(wiped)} messages were deleted" in confirmation.text
    assert "unfinished report was discarded" in confirmation.text
    assert await draft_of(relaxed_bot, REPORTER) is None
    assert await logged(relaxed_bot.db, REPORTER) == [confirmation.message_id]  # the next /wipe takes it too


async def test_wipe_says_what_telegram_would_not_delete(relaxed_bot: BotHarness) -> None:
    user = await relaxed_bot.user(21, "Field", role="reporter")
    await user.send("/help")
    await user.send("/myreports")
    old = user.state.messages[21][:2]  # the first /help and its answer: three days old
    for message in old:
        message.date = int(time.time()) - 3 * 24 * 3600
    async with relaxed_bot.db.session() as session:
        for row in (await session.execute(select(ChatMessage))).scalars():
            if row.message_id in {m.message_id for m in old}:
                row.at = datetime.now(UTC) - timedelta(days=3)
    # In one deleteMessages batch with fresh ones Telegram refuses all; the bot tries one by one.
    await user.send("/wipe")
    assert "2 older messages could not be deleted" in user.last_text
    assert "3 messages were deleted" in user.last_text  # /myreports, its answer, /wipe
    assert [m.deleted for m in user.state.messages[21][:-1]] == [False, False, True, True, True]
    assert await logged(relaxed_bot.db, 21) == [user.state.messages[21][-1].message_id]


async def test_wipe_works_for_blocked_revoked_and_unknown_people(relaxed_bot: BotHarness) -> None:
    admin = await relaxed_bot.user(1, "Admin", role="admin")
    blocked = await relaxed_bot.user(22, "Blocked", role="reporter")
    revoked = await relaxed_bot.user(23, "Revoked", role="reporter")
    stranger = await relaxed_bot.user(24, "Stranger")
    for person in (blocked, revoked):
        await start_report(person, "other_security")
        await choose(person, ReportAction.DAY, "occurred_on", "0")
    await admin.send("/block 22")
    await admin.send("/role 23 none")
    # Blocking or revoking discards the draft at once: a re-invite never brings it back.
    assert await draft_of(relaxed_bot, 22) is None and await draft_of(relaxed_bot, 23) is None
    await stranger.send("hello")
    for person in (blocked, revoked, stranger):
        await person.send("/wipe")
        *wiped, confirmation = person.state.messages[person.id]
        assert wiped and all(m.deleted for m in wiped), person.first_name
        assert "deleted from this chat" in (confirmation.text or "")
    assert not any(m.deleted for m in admin.state.messages[1])  # only their own chat
