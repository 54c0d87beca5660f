"""A moderator's decisions on a report: approve, reject, merge, edit an answer, withhold one."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import search
from bot.forms.engine import get_form, report_facts
from bot.i18n import N_, _
from bot.localize import isolate
from bot.moderation.review import (
    Outcome,
    ReportEvent,
    Result,
    answered_fields,
    apply_change,
    editable_fields,
    fits_note,
    normalize_reference,
    note_error,
)
from domain.vocabulary import AuditAction, Certainty, ReportStatus, member
from storage.review import ReviewRepository

REJECT_REASONS = {
    "unverifiable": N_("Not enough information to verify it"),
    "out_of_scope": N_("Not an incident this service records"),
    "false": N_("Found to be inaccurate"),
    "mistake": N_("Sent by mistake or as a test"),
}
REASON_PREFIX = "reason-"


async def approve(
    session: AsyncSession,
    *,
    report_id: int,
    version: int,
    actor_id: int,
    certainty: str,
    urgent: bool,
    now: datetime,
) -> Result:
    chosen = member(Certainty, certainty)
    if chosen is None:
        return Result(Outcome.INVALID)
    return await apply_change(
        session,
        report_id=report_id,
        version=version,
        actor_id=actor_id,
        action=AuditAction.APPROVED,
        allowed=ReportStatus.DECIDABLE,
        values={"status": ReportStatus.APPROVED, "certainty": chosen, "urgent": urgent, "approved_at": now},
        now=now,
        notice=lambda ref: _(
            "Thank you. Your report {ref} was approved and will be shared with coordinators."
        ).format(ref=isolate(ref)),
    )


def reason_text(reason: str) -> str:
    """A preset reason in the current language; a typed reason as written."""
    return _(REJECT_REASONS[reason]) if reason in REJECT_REASONS else reason


async def reject(
    session: AsyncSession,
    *,
    report_id: int,
    version: int,
    actor_id: int,
    reason: str,
    now: datetime,
    bot_username: str = "",
) -> Result:
    reason = reason.strip()
    if not fits_note(reason):
        return Result(Outcome.INVALID, error=note_error())
    return await apply_change(
        session,
        report_id=report_id,
        version=version,
        actor_id=actor_id,
        action=AuditAction.REJECTED,
        allowed=ReportStatus.DECIDABLE,
        values={"status": ReportStatus.REJECTED},
        now=now,
        note=reason,
        notice=lambda ref: _rejection_notice(ref, reason, bot_username),
    )


def reason_link(bot_username: str, reference: str) -> str:
    return f"https://t.me/{bot_username}?start={REASON_PREFIX}{reference}"


def _rejection_notice(ref: str, reason: str, bot_username: str) -> str:
    """A preset reason is stock wording and is said; a typed one stays in the bot, one press away,
    so a seized phone's notification list does not show what the reviewer wrote."""
    if reason in REJECT_REASONS or not bot_username:
        return _("Your report {ref} was not accepted. Reason: {reason}").format(
            ref=isolate(ref), reason=reason_text(reason)
        )
    return _("Your report {ref} was not accepted. To read the reviewer's reason, open {link}").format(
        ref=isolate(ref), link=isolate(reason_link(bot_username, ref))
    )


async def merge(
    session: AsyncSession, *, report_id: int, version: int, actor_id: int, into: str | int, now: datetime
) -> Result:
    """Record the report as a duplicate of `into` (a reference or an id); the kept one counts it."""
    repo = ReviewRepository(session)
    if isinstance(into, int):
        target = await repo.get(into)
    else:
        ref = normalize_reference(into)
        target = await repo.by_reference(ref) if ref else None
    if target is None or target.id is None:
        return Result(
            Outcome.INVALID,
            error=_("No report has that reference. Type it like {example}.").format(
                example=isolate("R-2026-000123")
            ),
        )
    if target.id == report_id:
        return Result(Outcome.INVALID, error=_("A report cannot be a duplicate of itself."))
    if target.status not in ReportStatus.LIVE:
        return Result(
            Outcome.INVALID,
            error=_("Report {ref} was rejected or merged; choose the report that was kept.").format(
                ref=isolate(target.reference)
            ),
        )
    result = await apply_change(
        session,
        report_id=report_id,
        version=version,
        actor_id=actor_id,
        action=AuditAction.MERGED,
        allowed=ReportStatus.DECIDABLE,
        values={"status": ReportStatus.MERGED, "merged_into_id": target.id},
        now=now,
        after={"status": ReportStatus.MERGED.value, "merged_into": target.reference},
        notice=lambda ref: _(
            "Your report {ref} describes an incident that was already reported, so it was added to "
            "that report as corroboration. Thank you."
        ).format(ref=isolate(ref)),
    )
    if not result.done or result.report is None:
        return result
    await repo.add_corroboration(target.id)
    corroborated = await repo.get(target.id)
    if corroborated is not None:
        await search.refresh(session, corroborated)  # its digest block shows the count
    await repo.add_event(
        ReportEvent(
            report_id=target.id,
            actor_id=actor_id,
            action=AuditAction.CORROBORATED,
            before={"corroborations": target.corroborations},
            after={"corroborations": target.corroborations + 1},
            note=result.report.reference,
            at=now,
        )
    )
    return result


async def edit_answer(
    session: AsyncSession,
    *,
    report_id: int,
    version: int,
    actor_id: int,
    field_name: str,
    value: str,
    today: date,
    now: datetime,
) -> Result:
    """Change one answer, validated exactly as the reporter's answer was (typed text or a choice code);
    a place is typed as a name in any of the three languages or as a P-code."""
    report = await ReviewRepository(session).get(report_id)
    if report is None:
        return Result(Outcome.NOT_FOUND)
    fields = {f.name: f for f in editable_fields(report)}
    target = fields.get(field_name)
    if target is None:
        return Result(Outcome.INVALID, report, error=_("That answer cannot be edited here."))
    changes, error = target.kind.moderate(target, get_form(report.category), report.answers, value, today)
    if error is not None:
        return Result(Outcome.INVALID, report, error=error)
    answers = {**report.answers, **changes}
    facts = report_facts(report.category, answers)
    return await apply_change(
        session,
        report_id=report_id,
        version=version,
        actor_id=actor_id,
        action=AuditAction.EDITED,
        allowed=ReportStatus.EDITABLE,
        values={"answers": answers, **facts.columns()},
        now=now,
        before={name: report.answers.get(name) for name in changes},
        after=changes,
    )


async def toggle_sensitive(
    session: AsyncSession, *, report_id: int, version: int, actor_id: int, field_name: str, now: datetime
) -> Result:
    """Withhold one answer from digests and exports, or release it again."""
    report = await ReviewRepository(session).get(report_id)
    if report is None:
        return Result(Outcome.NOT_FOUND)
    if field_name not in {f.name for f in answered_fields(report)}:
        return Result(Outcome.INVALID, report)
    chosen = list(report.sensitive_fields)
    chosen = [n for n in chosen if n != field_name] if field_name in chosen else [*chosen, field_name]
    return await apply_change(
        session,
        report_id=report_id,
        version=version,
        actor_id=actor_id,
        action=AuditAction.SENSITIVE,
        allowed=ReportStatus.EDITABLE,
        values={"sensitive_fields": chosen},
        now=now,
    )
