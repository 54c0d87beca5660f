"""Seen update ids, so a replayed update (webhook retry, restart) is not handled twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.db import Database, insert_or_skip
from storage.models import SeenUpdate, utcnow


async def mark_seen(db: Database, update_id: int) -> None:
    """Remember that `update_id` was handled, in a transaction of its own."""
    table = SeenUpdate.__table__  # type: ignore[attr-defined]
    await db.write(insert_or_skip(db.engine, table, "update_id"), {"update_id": update_id, "at": utcnow()})


class SeenUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def prune(self, before: datetime) -> None:
        await self.session.execute(delete(SeenUpdate).where(col(SeenUpdate.at) < before))
