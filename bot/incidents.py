"""Incidents: reports that are facets of one incident (linked by the reporter with "add another
aspect"), and the same-place, same-day reports of other categories a moderator may want to know of."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Report
from storage.review import ReviewRepository


async def possible_facets(session: AsyncSession, report: Report) -> list[Report]:
    """Reports of other categories in the same district on the same day (the duplicate check
    looks only at the same category)."""
    return await ReviewRepository(session).same_place_and_day(report)
