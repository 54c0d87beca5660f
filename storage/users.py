"""Users repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.db import INLINE
from storage.models import SeenUpdate, User, utcnow

# Run on every update: built once, with the ids bound at execution.
_SEEN_ONE = exists().where(col(SeenUpdate.update_id) == bindparam("update_id"))
_USER_UNLESS_SEEN = (
    select(User, _SEEN_ONE).where(col(User.id) == bindparam("user_id")).execution_options(**INLINE)
)
_SEEN = select(_SEEN_ONE).execution_options(**INLINE)


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def get_unless_seen(self, user_id: int, update_id: int) -> tuple[User | None, bool]:
        """The user and whether `update_id` was handled before, in one statement when the user exists."""
        ids = {"user_id": user_id, "update_id": update_id}
        row = (await self.session.execute(_USER_UNLESS_SEEN, ids)).first()
        if row is not None:
            return row[0], bool(row[1])
        return None, bool((await self.session.execute(_SEEN, ids)).scalar())

    async def get_or_create(self, user_id: int, first_name: str = "") -> User:
        user = await self.get(user_id)
        if user is None:
            user = User(id=user_id, first_name=first_name[:64])
            self.session.add(user)
            await self.session.flush()
        return user

    async def set_role(self, user_id: int, role: str) -> User:
        user = await self.get_or_create(user_id)
        user.role, user.updated_at = role, utcnow()
        await self.session.flush()
        return user

    async def save(self, user: User) -> None:
        user.updated_at = utcnow()
        self.session.add(user)
        await self.session.flush()

    async def list(
        self,
        roles: Sequence[str] | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[User]:
        stmt = _where(select(User), roles, status)
        stmt = stmt.order_by(col(User.created_at), col(User.id)).limit(limit).offset(offset)
        return list((await self.session.execute(stmt)).scalars())

    async def count(self, roles: Sequence[str] | None = None, status: str | None = None) -> int:
        stmt = _where(select(func.count()).select_from(User), roles, status)
        return int((await self.session.execute(stmt)).scalar_one())


def _where(stmt: Select[Any], roles: Sequence[str] | None, status: str | None) -> Select[Any]:
    if roles:
        stmt = stmt.where(col(User.role).in_(roles))
    if status:
        stmt = stmt.where(col(User.status) == status)
    return stmt
