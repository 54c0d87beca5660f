"""Users repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.db import INLINE, Database, as_loaded
from storage.models import SeenUpdate, User, utcnow

# Run on every update: built once, with the ids bound at execution; by primary key, so inline on
# SQLite.
_USERS = User.__table__  # type: ignore[attr-defined]
_SEEN_ONE = exists().where(col(SeenUpdate.update_id) == bindparam("update_id"))
_CALLER_UNLESS_SEEN = (
    select(_USERS, _SEEN_ONE.label("seen_before"))
    .where(_USERS.c.id == bindparam("user_id"))
    .execution_options(**INLINE)
)
_SEEN = select(_SEEN_ONE).execution_options(**INLINE)


async def caller_unless_seen(db: Database, user_id: int, update_id: int) -> tuple[User | None, bool]:
    """The user (detached) and whether `update_id` was handled before: one read standing alone when
    the user exists. A Core read and no session: with the incoming message's log entry, ~40% less
    CPU on SQLite than both in an autocommit session (1,221-1,473 -> 593-861 us, interleaved)."""
    ids = {"user_id": user_id, "update_id": update_id}
    rows = await db.read(_CALLER_UNLESS_SEEN, ids)
    if rows:
        values = rows[0]._mapping
        return as_loaded(User, values), bool(values["seen_before"])
    return None, bool((await db.read(_SEEN, ids))[0][0])


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

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
