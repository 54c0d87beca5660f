"""Audit rows for actions on users and invites; inserted, never updated or deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import AdminEvent


async def record(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    target: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime,
) -> AdminEvent:
    event = AdminEvent(
        actor_id=actor_id, action=action, target=target, before=before or {}, after=after or {}, at=at
    )
    session.add(event)
    await session.flush()
    return event


async def for_target(session: AsyncSession, target: str) -> list[AdminEvent]:
    stmt = select(AdminEvent).where(col(AdminEvent.target) == target).order_by(col(AdminEvent.id))
    return list((await session.execute(stmt)).scalars())
