"""Seen update ids, so a replayed update (webhook retry, restart) is not handled twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col

from storage.db import Executor, insert_or_skip
from storage.models import SeenUpdate, utcnow


class SeenUpdateRepository:
    def __init__(self, session: Executor) -> None:
        self.session = session

    async def mark(self, update_id: int) -> None:
        table = SeenUpdate.__table__  # type: ignore[attr-defined]
        stmt = insert_or_skip(self.session, table, "update_id")
        await self.session.execute(stmt, {"update_id": update_id, "at": utcnow()})

    async def prune(self, before: datetime) -> None:
        await self.session.execute(delete(SeenUpdate).where(col(SeenUpdate.at) < before))
