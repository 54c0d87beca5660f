"""Turning a finished draft into a report, exactly once per draft token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms import engine
from bot.forms.engine import Form
from domain import languages
from domain.vocabulary import AuditAction
from storage.models import Draft, Report, ReportEvent, User
from storage.reports import ReportRepository


async def file_report(
    session: AsyncSession, form: Form, user: User, draft: Draft, now: datetime, year: int
) -> Report:
    """The draft's report: created with the next reference of `year`, or the one a concurrent press
    of the same Submit already created."""
    reports = ReportRepository(session)
    report = await reports.by_token(draft.token)
    if report is not None:
        return report
    try:
        assert draft.category is not None
        return await create_report(session, form, user, draft.token, dict(draft.answers), now, year)
    except IntegrityError:
        # A concurrent press of the same Submit won the insert; ours rolled back whole.
        report = await reports.by_token(draft.token)
        if report is None:
            raise
        return report


async def create_report(
    session: AsyncSession,
    form: Form,
    user: User,
    token: str,
    answers: dict[str, Any],
    now: datetime,
    year: int,
) -> Report:
    """A new pending report of `form` with the next reference of `year` (a finished draft's, or a
    quick report's); `token` makes it once only."""
    reports = ReportRepository(session)
    facts = engine.form_facts(form, answers)
    async with session.begin_nested():
        number = await reports.next_number(year)
        report = Report(
            reference=f"R-{year}-{number:06d}",
            draft_token=token,
            category=form.code,
            reporter_id=user.id,
            answers=answers,
            language=user.language or languages.SOURCE,
            **facts.columns(),
            created_at=now,
            updated_at=now,
        )
        event = ReportEvent(report_id=0, actor_id=user.id, action=AuditAction.SUBMITTED, at=now)
        return await reports.add(report, event)
