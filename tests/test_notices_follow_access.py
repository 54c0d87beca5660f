"""Notices follow access (security review finding 5, finished): the moderator's card says when the
reporter is blocked or revoked, and the sender re-checks the recipient just before sending a notice,
so one queued before a block never goes out."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.runtime.sender import Sender
from domain.vocabulary import OutboxKind
from storage.models import Delivery, Outbox
from storage.outbox import enqueue
from tests.harness import BotHarness
from tests.moderation_support import make_report


@pytest.mark.parametrize(
    ("how", "says"), [("/block 80", "The reporter is blocked"), ("/role 80 none", "no longer has access")]
)
async def test_the_card_says_when_the_reporter_cannot_be_told(bot: BotHarness, how: str, says: str) -> None:
    admin = await bot.user(1, "Admin", role="admin")
    await bot.user(80, "Field", role="reporter")
    await make_report(bot.db, 80)
    await admin.send("/pending")
    assert "will not be told" not in admin.last_text
    await admin.send(how)
    await admin.send("/pending")
    assert says in admin.last_text and "will not be told of questions or decisions" in admin.last_text


async def test_a_notice_queued_before_a_block_is_not_sent(bot: BotHarness) -> None:
    admin = await bot.user(1, "Admin", role="admin")
    reporter = await bot.user(80, "Field", role="reporter")
    await bot.user(81, "Other", role="reporter")
    async with bot.db.session() as session:
        for chat_id in (80, 81):
            await enqueue(
                session, key=f"notice:{chat_id}", chat_id=chat_id, kind=OutboxKind.NOTICE, text="A question"
            )
    await admin.send("/block 80")
    before = len(reporter.replies)
    assert bot.app is not None
    await Sender(bot.db, bot.app.bot, rate=bot.settings.send_rate).drain()
    assert len(reporter.replies) == before  # nothing reached the blocked reporter's chat
    assert bot.emulator.state.bot_messages(81)[-1].text == "A question"
    async with bot.db.session() as session:
        rows = {r.chat_id: r.status for r in (await session.execute(select(Outbox))).scalars()}
        outcomes = [d.outcome for d in (await session.execute(select(Delivery))).scalars()]
    assert rows == {80: "failed", 81: "sent"}
    assert sorted(outcomes) == ["sent", "withheld"]
