"""Invites and wrong-code attempts. Codes are only ever stored as their hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Invite, InviteAttempt


class InviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, invite: Invite) -> Invite:
        self.session.add(invite)
        await self.session.flush()
        return invite

    async def get(self, invite_id: int) -> Invite | None:
        return await self.session.get(Invite, invite_id)

    async def by_hash(self, code_hash: str) -> Invite | None:
        stmt = select(Invite).where(col(Invite.code_hash) == code_hash)
        return (await self.session.execute(stmt)).scalars().first()

    async def usable(self, now: datetime, limit: int = 30) -> list[Invite]:
        stmt = (
            select(Invite)
            .where(
                col(Invite.revoked_at).is_(None),
                col(Invite.expires_at) > now,
                col(Invite.uses) < col(Invite.max_uses),
            )
            .order_by(col(Invite.created_at).desc(), col(Invite.id).desc())
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def take_use(self, invite_id: int, now: datetime) -> bool:
        """Count one use if the invite is still usable; atomic, so a last use goes to one person."""
        stmt = (
            update(Invite)
            .where(
                col(Invite.id) == invite_id,
                col(Invite.revoked_at).is_(None),
                col(Invite.expires_at) > now,
                col(Invite.uses) < col(Invite.max_uses),
            )
            .values(uses=col(Invite.uses) + 1)
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def revoke(self, invite_id: int, now: datetime) -> bool:
        stmt = (
            update(Invite)
            .where(col(Invite.id) == invite_id, col(Invite.revoked_at).is_(None))
            .values(revoked_at=now)
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def record_attempt(self, user_id: int, at: datetime) -> None:
        self.session.add(InviteAttempt(user_id=user_id, at=at))
        await self.session.flush()

    async def attempts_since(self, user_id: int, since: datetime) -> int:
        stmt = select(func.count()).where(
            col(InviteAttempt.user_id) == user_id, col(InviteAttempt.at) > since
        )
        return int((await self.session.execute(stmt)).scalar_one())
