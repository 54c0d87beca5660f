"""The walker's draft guards with a database and no Telegram: Submit from two sessions at once makes
one report; a message after a long break asks before it is applied. Moved from the end-to-end tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.forms.actions import Press, ReportAction
from bot.intake.flow import Intake
from bot.intake.guard import Input
from bot.places import places
from storage.db import Database
from storage.drafts import DraftRepository
from storage.models import Draft, Report, User


async def test_concurrent_submits_of_one_draft_make_one_report(db: Database) -> None:
    """Two bot instances (two sessions) handling Submit of the same draft at once."""
    answers = {
        "occurred_on": "2026-03-01",
        "province": "AF01",
        "district": "AF0102",
        "incident_type": "crime",
        "aid_workers_affected": "no",
        "killed": 0,
        "injured": 0,
        "description": "x",
        "source_type": "media",
    }
    async with db.session() as session:
        account = User(id=315, role="reporter", language="en")
        session.add(account)
        await session.flush()
        drafts = DraftRepository(session)
        draft = await drafts.start(315, "other_security", "ab" * 16, "@summary")
        await drafts.save(draft, answers, {}, "@summary")

    async def submit() -> None:
        async with db.session() as session:
            intake = Intake(
                session,
                account,
                places(),
                now=datetime(2026, 3, 2, tzinfo=UTC),
                tz=ZoneInfo("Asia/Kabul"),
                wipe_default=False,
            )
            await intake.on_button(Input("button", press_id="1"), Press(ReportAction.SUBMIT, "abababab"))

    await asyncio.gather(submit(), submit())
    async with db.session() as session:
        reports = list((await session.execute(select(Report))).scalars())
    assert [r.reference for r in reports] == ["R-2026-000001"]
    assert await draft_of_db(db, 315) is None


async def draft_of_db(db: Database, user_id: int) -> Draft | None:

    async with db.session() as session:
        return await DraftRepository(session).get(user_id)


async def test_a_message_after_a_long_break_asks_before_applying(db: Database) -> None:

    start = datetime.now(UTC)
    async with db.session() as session:
        account = User(id=316, role="reporter", language="en")
        session.add(account)
        await session.flush()
        drafts = DraftRepository(session)
        draft = await drafts.start(316, "other_security", "cd" * 16, "killed")
        await drafts.save(draft, {"occurred_on": start.date().isoformat()}, {}, "killed")

    async def text(at: datetime, message_id: int, body: str) -> None:
        async with db.session() as session:
            intake = Intake(session, account, places(), now=at, tz=ZoneInfo("Asia/Kabul"), wipe_default=True)
            await intake.on_text(Input("text", message_id), body)

    await text(start + timedelta(hours=2), 50, "3")  # after two hours: continue / discard first
    later = await draft_of_db(db, 316)
    assert later is not None and "killed" not in later.answers
    await text(start + timedelta(hours=2, minutes=1), 51, "3")  # right after: applied
    later = await draft_of_db(db, 316)
    assert later is not None and later.answers["killed"] == 3
