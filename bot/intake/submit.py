"""Turning a finished draft into a report, exactly once per draft token."""

from __future__ import annotations

from datetime import datetime

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
        return await _create(session, reports, form, user, draft, now, year)
    except IntegrityError:
        # A concurrent press of the same Submit won the insert; ours rolled back whole.
        report = await reports.by_token(draft.token)
        if report is None:
            raise
        return report


async def _create(
    session: AsyncSession,
    reports: ReportRepository,
    form: Form,
    user: User,
    draft: Draft,
    now: datetime,
    year: int,
) -> Report:
    assert draft.category is not None
    facts = engine.form_facts(form, draft.answers)
    async with session.begin_nested():
        number = await reports.next_number(year)
        report = Report(
            reference=f"R-{year}-{number:06d}",
            draft_token=draft.token,
            category=draft.category,
            reporter_id=user.id,
            answers=dict(draft.answers),
            language=user.language or languages.SOURCE,
            **facts.columns(),
            created_at=now,
            updated_at=now,
        )
        event = ReportEvent(report_id=0, actor_id=user.id, action=AuditAction.SUBMITTED, at=now)
        return await reports.add(report, event)
