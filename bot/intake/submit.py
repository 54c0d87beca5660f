"""Turning a finished draft into a report, exactly once per draft token: Submit pressed on the summary."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms import engine
from bot.forms.engine import Form
from bot.i18n import _
from bot.intake import facets
from bot.intake.screens import Outcome, Screen, current
from bot.intake.steps import SUMMARY_STEP
from bot.localize import isolate
from domain import languages
from storage.drafts import DraftRepository
from storage.models import Draft, User
from storage.reports import ReportRepository

if TYPE_CHECKING:
    from bot.intake.flow import Intake


async def file_report(
    session: AsyncSession, form: Form, user: User, draft: Draft, now: datetime, year: int
) -> str | None:
    """The reference of the draft's report: created with the next reference of `year` as the draft
    is deleted, in one transaction; or of the one a concurrent press of the same Submit already
    created. None when the draft was discarded meanwhile."""
    if await DraftRepository(session).take(draft):
        # The draft is ours alone until commit (`take`): no other press can file it, so there is
        # no insert race to catch, and no savepoint or look-up before the insert.
        incident = await facets.incident(session, draft, user.id)
        answers = dict(draft.answers)
        return await create_report(session, form, user, draft.token, answers, now, year, incident)
    report = await ReportRepository(session).by_token(draft.token)
    return None if report is None else report.reference


async def create_report(
    session: AsyncSession,
    form: Form,
    user: User,
    token: str,
    answers: dict[str, Any],
    now: datetime,
    year: int,
    incident: str | None = None,
) -> str:
    """A new pending report of `form` with the next reference of `year` (a finished draft's, or a
    quick report's), part of `incident` when given; its reference. `token` makes it once only (a
    unique column: a second insert fails)."""
    reports = ReportRepository(session)
    facts = engine.form_facts(form, answers)
    reference = f"R-{year}-{await reports.next_number(year):06d}"
    columns = {
        "reference": reference,
        "draft_token": token,
        "category": form.code,
        "reporter_id": user.id,
        "answers": answers,
        "language": user.language or languages.SOURCE,
        "incident_id": incident,
        **facts.columns(),
        "created_at": now,
        "updated_at": now,
    }
    await reports.add(columns, user.id, now)
    return reference


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
    reference = await file_report(intake.session, form, user, draft, intake.now, intake.year)
    if reference is None:
        return intake._stale_alert()
    first_msg = draft.state.get("first_msg")
    wipe = user.wipe_after_submit if user.wipe_after_submit is not None else intake.wipe_default
    text = _("Thank you. Your report was sent as {ref}. A moderator will review it.").format(
        ref=isolate(reference)
    )
    return Outcome(
        [Screen(text, facets.another(reference))],
        alert=_("Report sent."),
        wipe_from=int(first_msg) if wipe and first_msg else None,
    )
