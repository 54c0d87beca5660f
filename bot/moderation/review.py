"""The review queue and the one shape every decision on a report takes. No Telegram here.

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

from bot import search
from bot.card_notes import CardNotes, card_notes
from bot.forms.engine import FormField, get_form
from bot.i18n import _, use_locale
from bot.localize import format_number, to_ascii_digits
from bot.quick import editable
from bot.reporter_access import unreachable
from domain.vocabulary import AuditAction, OutboxKind
from storage import outbox
from storage.models import Report as Report
from storage.models import ReportEvent as ReportEvent
from storage.review import ReviewRepository
from storage.users import UserRepository

DUPLICATE_WINDOW = timedelta(hours=48)
MAX_NOTE = 2000
_REFERENCE = re.compile(r"R-\d{4}-\d{6}")


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
    notes: CardNotes = field(default_factory=CardNotes)  # reporter access, location release


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
    notes = await card_notes(session, report)
    return Card(report, await repo.nearby(report, DUPLICATE_WINDOW), exchanges, notes)


# --- the shape of a change ------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


async def apply_change(
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
    if changed is not None:
        await search.refresh(session, changed)
    unreachable = None
    if notice is not None and changed is not None:
        unreachable = await _notify_reporter(session, changed, event, notice)
    return Result(Outcome.DONE, changed, unreachable=unreachable)


async def _notify_reporter(
    session: AsyncSession, report: Report, event: ReportEvent, notice: Callable[[str], str]
) -> str | None:
    """Queue a notice to the reporter in their language, never naming the moderator; none to one who
    is blocked or revoked (`bot.reporter_access`): returns why, for the moderator."""
    why = await unreachable(session, report.reporter_id)
    if report.reporter_id is None or why:
        return why
    reporter = await UserRepository(session).get(report.reporter_id)
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


def fits_note(text: str) -> bool:
    return 0 < len(text) <= MAX_NOTE


def note_error() -> str:
    return _("Please type a message of at most {limit} characters.").format(limit=format_number(MAX_NOTE))


# --- audit --------------------------------------------------------------------------------------


async def history(session: AsyncSession, reference: str) -> tuple[Report | None, list[ReportEvent]]:
    ref = normalize_reference(reference)
    repo = ReviewRepository(session)
    report = await repo.by_reference(ref) if ref else None
    if report is None or report.id is None:
        return None, []
    return report, await repo.events(report.id)
