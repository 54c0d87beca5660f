"""Seen update ids, so a replayed update (webhook retry, restart) is not handled twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import SeenUpdate


class SeenUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def seen(self, update_id: int) -> bool:
        return await self.session.get(SeenUpdate, update_id) is not None

    async def mark(self, update_id: int) -> None:
        try:
            async with self.session.begin_nested():
                self.session.add(SeenUpdate(update_id=update_id))
        except IntegrityError:
            pass

    async def prune(self, before: datetime) -> None:
        await self.session.execute(delete(SeenUpdate).where(col(SeenUpdate.at) < before))
