"""What a moderator's card says beyond the report itself: whether the reporter can still be told
anything (finding 5), and whether the exact location was released to exports (finding 6)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.reporter_access import unreachable
from domain.vocabulary import AuditAction
from storage.models import Report
from storage.review import ReviewRepository


def releasable(report: Report) -> bool:
    """A report with a GPS point a moderator may release: shared, and not withheld."""
    return report.lat is not None and report.lon is not None and "location" not in report.sensitive_fields


async def released(session: AsyncSession, report_id: int) -> bool:
    events = await ReviewRepository(session).events(report_id)
    return any(e.action == AuditAction.LOCATION_RELEASED for e in events)


@dataclass(frozen=True)
class CardNotes:
    unreachable: str | None = None  # why the reporter can no longer be told (blocked, revoked)
    location: str | None = None  # "releasable" or "released"; None: no point to release


async def card_notes(session: AsyncSession, report: Report) -> CardNotes:
    location = None
    if report.id is not None and releasable(report):
        location = "released" if await released(session, report.id) else "releasable"
    return CardNotes(await unreachable(session, report.reporter_id), location)
