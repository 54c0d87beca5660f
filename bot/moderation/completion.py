"""A moderator completing a quick report: its category chosen from the card (the answers it has
move to that category's form; its other questions stay unanswered), audited as an edit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms.engine import form_facts, get_form
from bot.moderation.review import Outcome, Result, apply_change
from bot.quick import QUICK, recategorised
from domain.vocabulary import AuditAction, ReportStatus
from storage.review import ReviewRepository


async def set_category(
    session: AsyncSession, *, report_id: int, version: int, actor_id: int, category: str, now: datetime
) -> Result:
    report = await ReviewRepository(session).get(report_id)
    if report is None:
        return Result(Outcome.NOT_FOUND)
    answers = recategorised(category, report.answers) if report.category == QUICK else None
    if answers is None:
        return Result(Outcome.STALE, report)
    facts = form_facts(get_form(category), answers)
    return await apply_change(  # one versioned change with its audit row, as every decision
        session,
        report_id=report_id,
        version=version,
        actor_id=actor_id,
        action=AuditAction.EDITED,
        allowed=ReportStatus.EDITABLE,
        values={"category": category, "answers": answers, **facts.columns()},
        now=now,
        before={"category": report.category},
        after={"category": category},
    )
