"""Counts for the metrics endpoint, read at scrape time (the outbox depth is the outbox's own)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Report


async def reports_by_status(session: AsyncSession) -> dict[str, int]:
    result = await session.execute(select(col(Report.status), func.count()).group_by(col(Report.status)))
    return {str(row[0]): int(row[1]) for row in result.all()}
