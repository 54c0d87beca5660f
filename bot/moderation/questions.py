"""A reviewer's question to the reporter and the reporter's answer, through a /start link."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import _
from bot.localize import isolate
from bot.moderation.decisions import reason_text
from bot.moderation.review import Outcome, Result, apply_change, fits_note, normalize_reference, note_error
from domain.vocabulary import AuditAction, ReportStatus
from storage.review import ReviewRepository

ANSWER_PREFIX = "answer-"


def answer_link(bot_username: str, reference: str) -> str:
    return f"https://t.me/{bot_username}?start={ANSWER_PREFIX}{reference}"


async def ask_info(
    session: AsyncSession,
    *,
    report_id: int,
    version: int,
    actor_id: int,
    question: str,
    bot_username: str,
    now: datetime,
) -> Result:
    question = question.strip()
    if not fits_note(question):
        return Result(Outcome.INVALID, error=note_error())
    return await apply_change(
        session,
        report_id=report_id,
        version=version,
        actor_id=actor_id,
        action=AuditAction.NEEDS_INFO,
        allowed={ReportStatus.PENDING},
        values={"status": ReportStatus.NEEDS_INFO},
        now=now,
        note=question,
        # The question itself is not quoted: the link shows it inside the bot (see `reject`).
        notice=lambda ref: _(
            "A reviewer has a question about your report {ref}. To read and answer it, open {link}"
        ).format(ref=isolate(ref), link=isolate(answer_link(bot_username, ref))),
    )


async def open_question(session: AsyncSession, *, reporter_id: int, reference: str) -> tuple[Result, str]:
    """The open question on the reporter's own report, if it is waiting for their answer."""
    ref = normalize_reference(reference)
    repo = ReviewRepository(session)
    report = await repo.by_reference(ref) if ref else None
    if report is None or report.id is None or report.reporter_id != reporter_id:
        return Result(Outcome.NOT_FOUND), ""
    if report.status != ReportStatus.NEEDS_INFO:
        return Result(Outcome.STALE, report), ""
    questions = [e.note or "" for e in await repo.events(report.id) if e.action == AuditAction.NEEDS_INFO]
    return Result(Outcome.DONE, report), questions[-1] if questions else ""


async def rejection_reason(session: AsyncSession, *, reporter_id: int, reference: str) -> str | None:
    """The reason a reporter's own report was rejected (None: not theirs, or not rejected)."""
    ref = normalize_reference(reference)
    repo = ReviewRepository(session)
    report = await repo.by_reference(ref) if ref else None
    if (
        report is None
        or report.id is None
        or report.reporter_id != reporter_id
        or report.status != "rejected"
    ):
        return None
    reasons = [e.note or "" for e in await repo.events(report.id) if e.action == "rejected"]
    return reason_text(reasons[-1]) if reasons else None


async def answer_info(
    session: AsyncSession, *, report_id: int, reporter_id: int, answer: str, now: datetime
) -> Result:
    """The reporter's answer: appended to the audit trail, and the report goes back to the queue."""
    answer = answer.strip()
    if not fits_note(answer):
        return Result(Outcome.INVALID, error=note_error())
    report = await ReviewRepository(session).get(report_id)
    if report is None or report.reporter_id != reporter_id:
        return Result(Outcome.NOT_FOUND)
    return await apply_change(
        session,
        report_id=report_id,
        version=None,
        actor_id=reporter_id,
        action=AuditAction.INFO_ANSWERED,
        allowed={ReportStatus.NEEDS_INFO},
        values={"status": ReportStatus.PENDING},
        now=now,
        note=answer,
    )
