"""Turning a finished draft into a report, exactly once per draft token: Submit pressed on the summary."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms import engine
from bot.forms.engine import Form
from bot.i18n import _
from bot.intake import facets
from bot.intake.screens import Outcome, Screen, current
from bot.intake.steps import SUMMARY_STEP
from bot.localize import isolate
from domain import languages
from domain.vocabulary import AuditAction
from storage.models import Draft, Report, ReportEvent, User
from storage.reports import ReportRepository

if TYPE_CHECKING:
    from bot.intake.flow import Intake


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


async def submit(intake: Intake, draft: Draft) -> Outcome:
    """Submit on the summary: the report filed and the draft gone, or the question still unanswered."""
    form, _current = current(draft, intake.forms)
    if form is None or draft.step != SUMMARY_STEP or draft.category is None:
        return intake._stale(draft)
    missing = engine.first_missing(form, draft.answers)
    if missing is not None:
        await intake._save(draft, draft.answers, draft.state, missing.name)
        error = _("This question still needs an answer.")
        return Outcome([intake.screens.screen(draft, error=error)])
    user = intake.user
    report = await file_report(intake.session, form, user, draft, intake.now, intake.year)
    await facets.link(intake.session, draft, report)
    first_msg = draft.state.get("first_msg")
    await intake.drafts.delete(user.id)
    wipe = user.wipe_after_submit if user.wipe_after_submit is not None else intake.wipe_default
    text = _("Thank you. Your report was sent as {ref}. A moderator will review it.").format(
        ref=isolate(report.reference)
    )
    return Outcome(
        [Screen(text, facets.another(report))],
        alert=_("Report sent."),
        report=report,
        wipe_from=int(first_msg) if wipe and first_msg else None,
    )
