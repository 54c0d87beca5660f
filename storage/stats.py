"""Counts for the metrics endpoint, read at scrape time."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Outbox, Report


async def reports_by_status(session: AsyncSession) -> dict[str, int]:
    result = await session.execute(select(col(Report.status), func.count()).group_by(col(Report.status)))
    return {str(row[0]): int(row[1]) for row in result.all()}


async def outbox_count(session: AsyncSession, statuses: Sequence[str]) -> int:
    stmt = select(func.count()).select_from(Outbox).where(col(Outbox.status).in_(statuses))
    return int((await session.execute(stmt)).scalar_one())
