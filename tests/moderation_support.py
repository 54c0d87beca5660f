"""Shared by the moderation, search and translation tests: helpers to make pending reports, read
them back with their audit trail and notices, and reply to ForceReply prompts."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from bot.forms.engine import report_facts
from handlers.moderation.views import BIDI_MARKS, PROMPT_MARK
from storage.db import Database
from storage.models import Outbox, Report, ReportEvent
from storage.reports import ReportRepository
from storage.review import ReviewRepository
from tests.harness import SimUser


async def reply(user: SimUser, text: str) -> None:
    """Reply to the newest prompt (✍️ message), as a Telegram client does under ForceReply."""
    prompt = next(
        m for m in reversed(user.replies) if (m.text or "").lstrip(BIDI_MARKS).startswith(PROMPT_MARK)
    )
    await user.bot.process(user.state.send_reply(user.id, text, prompt))


async def make_report(
    db: Database,
    reporter_id: int,
    *,
    district: str = "AF0101",
    created_at: datetime | None = None,
    description: str = "Armed men stopped the vaccination team at the clinic gate.",
    category: str = "other_security",
    answers: dict[str, Any] | None = None,
) -> Report:
    """A submitted, pending report as the intake would store it (with its "submitted" audit row);
    `answers` for another category than the default."""
    answers = answers or {
        "occurred_on": "2026-11-20",
        "province": district[:4],
        "district": district,
        "incident_type": "armed_clash",
        "aid_workers_affected": "no",
        "killed": 0,
        "injured": 2,
        "description": description,
        "source_type": "witnessed",
    }
    now = created_at or datetime.now(UTC)
    facts = report_facts(category, answers)
    async with db.session() as session:
        reports = ReportRepository(session)
        number = await reports.next_number(now.year)
        columns = {
            "reference": f"R-{now.year}-{number:06d}",
            "draft_token": secrets.token_hex(16),
            "category": category,
            "reporter_id": reporter_id,
            "answers": answers,
            "language": "en",
            **facts.columns(),
            "created_at": now,
            "updated_at": now,
        }
        report = await session.get(Report, await reports.add(columns, reporter_id, now))
        assert report is not None
        return report


async def load_report(db: Database, report_id: int | None) -> Report:
    assert report_id is not None
    async with db.session() as session:
        report = await ReviewRepository(session).get(report_id)
    assert report is not None
    return report


async def events_of(db: Database, report_id: int | None) -> list[ReportEvent]:
    assert report_id is not None
    async with db.session() as session:
        return await ReviewRepository(session).events(report_id)


async def notices(db: Database, chat_id: int) -> list[Outbox]:
    async with db.session() as session:
        stmt = select(Outbox).where(col(Outbox.chat_id) == chat_id).order_by(col(Outbox.id))
        return list((await session.execute(stmt)).scalars())
