"""Releasing a report's exact location (security review finding 6).

A shared GPS point is often the reporter's own position, so exports carry the district's point (or a
point rounded to about a kilometre) by default. A moderator who judges the exact point safe and useful
releases it from the card; the release is a versioned change with its own audit row
(`AuditAction.LOCATION_RELEASED`), and that row is what exports read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.card_notes import releasable, released
from bot.moderation.review import Outcome, Result, apply_change
from domain.vocabulary import AuditAction, ReportStatus
from storage.review import ReviewRepository


async def release_location(
    session: AsyncSession, *, report_id: int, version: int, actor_id: int, now: datetime
) -> Result:
    report = await ReviewRepository(session).get(report_id)
    if report is None:
        return Result(Outcome.NOT_FOUND)
    if not releasable(report) or await released(session, report_id):
        return Result(Outcome.INVALID, report)
    return await apply_change(  # one versioned change with its audit row, as every decision
        session,
        report_id=report_id,
        version=version,
        actor_id=actor_id,
        action=AuditAction.LOCATION_RELEASED,
        allowed=ReportStatus.EDITABLE,
        values={},
        now=now,
    )
