"""Moderation rules: the review queue and every decision on a report. No Telegram here.

Each decision is one optimistic, versioned state change (`UPDATE … WHERE version = :seen`): of two
moderators acting on the same card the first wins and the second learns it was already handled.
Every change writes an audit row (`report_events`, insert-only) and, where the reporter should know,
a notice in the outbox, in the same transaction, rendered in the reporter's language and never
naming the moderator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms.engine import FormField, get_form, report_facts
from bot.i18n import N_, _, ngettext, use_locale
from bot.localize import format_number, isolate, to_ascii_digits
from bot.quick import editable
from bot.roles import Role
from domain.vocabulary import AuditAction, Certainty, OutboxKind, PromptKind, ReportStatus, UserStatus, member
from storage import outbox
from storage.models import ModeratorAlert, PendingInput
from storage.models import Report as Report
from storage.models import ReportEvent as ReportEvent
from storage.review import ReviewRepository
from storage.users import UserRepository

REJECT_REASONS = {
    "unverifiable": N_("Not enough information to verify it"),
    "out_of_scope": N_("Not an incident this service records"),
    "false": N_("Found to be inaccurate"),
    "mistake": N_("Sent by mistake or as a test"),
}
DUPLICATE_WINDOW = timedelta(hours=48)
ALERT_INTERVAL = timedelta(minutes=5)
PROMPT_TTL = timedelta(days=7)
REVIEWER_ROLES = (Role.MODERATOR.value, Role.ADMIN.value)
MAX_NOTE = 2000
ANSWER_PREFIX = "answer-"
REASON_PREFIX = "reason-"
_REFERENCE = re.compile(r"R-\d{4}-\d{6}")
_PCODE = re.compile(r"AF\d{2,6}")


class Outcome(StrEnum):
    DONE = "done"
    STALE = "stale"  # someone else acted first, or the report is no longer in a state for this
    NOT_FOUND = "not_found"
    INVALID = "invalid"  # a value the moderator can correct; `error` says how


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    report: Report | None = None
    error: str | None = None
    # Why the reporter was not told ("blocked", "revoked"), when a notice was due but not queued.
    unreachable: str | None = None

    @property
    def done(self) -> bool:
        return self.outcome is Outcome.DONE


@dataclass(frozen=True)
class Exchange:
    question: str
    answer: str | None


@dataclass(frozen=True)
class Card:
    """What a moderator needs to judge a report (rendering is the handler's business)."""

    report: Report
    duplicates: list[Report]
    exchanges: list[Exchange] = field(default_factory=list)


def normalize_reference(text: str) -> str | None:
    candidate = to_ascii_digits(text.strip()).upper()
    return candidate if _REFERENCE.fullmatch(candidate) else None


def editable_fields(report: Report) -> list[FormField]:
    return editable(get_form(report.category), report.answers)


def answered_fields(report: Report) -> list[FormField]:
    form = get_form(report.category)
    return [f for f in form.fields if report.answers.get(f.name) not in (None, "", [])]


# --- the queue ----------------------------------------------------------------------------------


async def next_pending(session: AsyncSession, after_id: int | None = None) -> Report | None:
    repo = ReviewRepository(session)
    after = await repo.get(after_id) if after_id else None
    return await repo.oldest_pending(after)


async def get_report(session: AsyncSession, report_id: int) -> Report | None:
    return await ReviewRepository(session).get(report_id)


async def card(session: AsyncSession, report: Report) -> Card:
    repo = ReviewRepository(session)
    assert report.id is not None
    exchanges: list[Exchange] = []
    for event in await repo.events(report.id):
        if event.action == AuditAction.NEEDS_INFO:
            exchanges.append(Exchange(event.note or "", None))
        elif event.action == AuditAction.INFO_ANSWERED and exchanges and exchanges[-1].answer is None:
            exchanges[-1] = Exchange(exchanges[-1].question, event.note or "")
    return Card(report, await repo.nearby(report, DUPLICATE_WINDOW), exchanges)


# --- decisions ----------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


async def _apply(
    session: AsyncSession,
    *,
    report_id: int,
    version: int | None,
    actor_id: int | None,
    action: AuditAction,
    allowed: Collection[str],
    values: dict[str, Any],
    now: datetime,
    note: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    notice: Callable[[str], str] | None = None,
) -> Result:
    """One versioned change plus its audit row and, given `notice` (the text for a reference), the
    reporter's notice. `version=None` means "whatever is current" (the reporter's answer), still
    guarded, so a moderator acting at the same moment wins cleanly."""
    repo = ReviewRepository(session)
    report = await repo.get(report_id)
    if report is None or report.id is None:
        return Result(Outcome.NOT_FOUND)
    seen = report.version if version is None else version
    if report.version != seen or report.status not in allowed:
        return Result(Outcome.STALE, report)
    if before is None:
        before = {k: _jsonable(getattr(report, k)) for k in values}
    if not await repo.change(report.id, seen, {**values, "updated_at": now}):
        return Result(Outcome.STALE, await repo.get(report.id))
    event = await repo.add_event(
        ReportEvent(
            report_id=report.id,
            actor_id=actor_id,
            action=action,
            before=before,
            after=after if after is not None else {k: _jsonable(v) for k, v in values.items()},
            note=note,
            at=now,
        )
    )
    changed = await repo.get(report.id)
    unreachable = None
    if notice is not None and changed is not None:
        unreachable = await _notify_reporter(session, changed, event, notice)
    return Result(Outcome.DONE, changed, unreachable=unreachable)


async def _notify_reporter(
    session: AsyncSession, report: Report, event: ReportEvent, notice: Callable[[str], str]
) -> str | None:
    """Queue a notice to the reporter in their language; it never names the moderator. None goes to
    a reporter who is blocked or no longer has a role (a lost or seized phone; review finding 5):
    returns why, for the moderator."""
    if report.reporter_id is None:
        return None
    reporter = await UserRepository(session).get(report.reporter_id)
    if reporter is not None and reporter.status == UserStatus.BLOCKED:
        return UserStatus.BLOCKED
    if reporter is None or reporter.role == "stranger":
        return "revoked"
    language = reporter.language if reporter is not None and reporter.language else report.language
    with use_locale(language):
        text = notice(report.reference)
    await outbox.enqueue(
        session,
        key=f"notice:{report.id}:{event.id}",
        chat_id=report.reporter_id,
        kind=OutboxKind.NOTICE,
        text=text,
    )
    return None


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
    return await _apply(
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
    if not _fits_note(reason):
        return Result(Outcome.INVALID, error=_note_error())
    return await _apply(
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


def _fits_note(text: str) -> bool:
    return 0 < len(text) <= MAX_NOTE


def _note_error() -> str:
    return _("Please type a message of at most {limit} characters.").format(limit=format_number(MAX_NOTE))


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
    if not _fits_note(question):
        return Result(Outcome.INVALID, error=_note_error())
    return await _apply(
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
    if not _fits_note(answer):
        return Result(Outcome.INVALID, error=_note_error())
    report = await ReviewRepository(session).get(report_id)
    if report is None or report.reporter_id != reporter_id:
        return Result(Outcome.NOT_FOUND)
    return await _apply(
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
    result = await _apply(
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
    return await _apply(
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
    return await _apply(
        session,
        report_id=report_id,
        version=version,
        actor_id=actor_id,
        action=AuditAction.SENSITIVE,
        allowed=ReportStatus.EDITABLE,
        values={"sensitive_fields": chosen},
        now=now,
    )


# --- reply prompts ------------------------------------------------------------------------------


async def remember_prompt(
    session: AsyncSession,
    *,
    chat_id: int,
    message_id: int,
    kind: PromptKind,
    report_id: int,
    version: int,
    field_name: str | None = None,
) -> None:
    await ReviewRepository(session).add_prompt(
        PendingInput(
            chat_id=chat_id,
            message_id=message_id,
            kind=kind,
            report_id=report_id,
            version=version,
            field=field_name,
        )
    )


async def take_prompt(session: AsyncSession, *, chat_id: int, message_id: int) -> PendingInput | None:
    return await ReviewRepository(session).take_prompt(chat_id, message_id)


async def expire_prompts(session: AsyncSession, now: datetime) -> int:
    """Forget prompts nobody answered within `PROMPT_TTL`; a late reply is then told it closed."""
    return await ReviewRepository(session).drop_prompts_before(now - PROMPT_TTL)


# --- audit --------------------------------------------------------------------------------------


async def history(session: AsyncSession, reference: str) -> tuple[Report | None, list[ReportEvent]]:
    ref = normalize_reference(reference)
    repo = ReviewRepository(session)
    report = await repo.by_reference(ref) if ref else None
    if report is None or report.id is None:
        return None, []
    return report, await repo.events(report.id)


# --- moderators' alerts -------------------------------------------------------------------------


async def announce_new_reports(session: AsyncSession, now: datetime) -> int:
    """Tell each active moderator how many reports arrived since their last alert, at most once per
    `ALERT_INTERVAL`; returns the number of alerts queued. Safe to run from several instances: the
    outbox key makes a second alert for the same newest report a no-op."""
    repo = ReviewRepository(session)
    newest = await repo.newest_pending_id()
    if newest == 0:
        return 0
    sent = 0
    for reviewer in await repo.active_reviewers(REVIEWER_ROLES):
        state = await repo.alert_state(reviewer.id)
        if state is not None and now - state.last_sent_at < ALERT_INTERVAL:
            continue
        count = await repo.count_pending(after_id=state.last_report_id if state else 0)
        if count == 0:
            continue
        with use_locale(reviewer.language):
            text = ngettext(
                "{n} new report is waiting for review. Send /pending to see it.",
                "{n} new reports are waiting for review. Send /pending to see them.",
                count,
            ).format(n=format_number(count))
        if await outbox.enqueue(
            session,
            key=f"review-alert:{reviewer.id}:{newest}",
            chat_id=reviewer.id,
            kind=OutboxKind.NOTICE,
            text=text,
        ):
            sent += 1
        state = state or ModeratorAlert(user_id=reviewer.id, last_sent_at=now)
        state.last_sent_at, state.last_report_id = now, newest
        await repo.save_alert_state(state)
    return sent
