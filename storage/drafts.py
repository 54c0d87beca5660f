"""Drafts repository: one report being filled in per user; the row is the conversation state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from storage.models import Draft, SubscriptionDraft, utcnow


class DraftRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int, *, lock: bool = False) -> Draft | None:
        """The user's draft; `lock` holds the row until commit (PostgreSQL; SQLite locks the file)."""
        stmt = select(Draft).where(col(Draft.user_id) == user_id)
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalars().first()

    async def start(
        self, user_id: int, category: str | None, token: str, step: str | None, now: datetime | None = None
    ) -> Draft:
        """A fresh draft, replacing any earlier one of the same user."""
        await self.delete(user_id)
        now = now or utcnow()
        draft = Draft(
            user_id=user_id,
            category=category,
            token=token,
            step=step,
            answers={},
            state={},
            started_at=now,
            updated_at=now,
        )
        self.session.add(draft)
        await self.session.flush()
        return draft

    async def save(
        self,
        draft: Draft,
        answers: dict[str, Any],
        state: dict[str, Any],
        step: str | None,
        now: datetime | None = None,
    ) -> None:
        # One Core UPDATE, then the row object told these are its stored values: the ORM's flush
        # did the same write with a unit of work around it, on every answer of every reporter.
        values = {
            "category": draft.category,
            "answers": dict(answers),
            "state": dict(state),
            "step": step,
            "version": draft.version + 1,
            "updated_at": now or utcnow(),
        }
        table = Draft.__table__  # type: ignore[attr-defined]  # plain Core: no ORM session sync
        await self.session.execute(update(table).where(table.c.user_id == draft.user_id).values(**values))
        for key, value in values.items():
            set_committed_value(draft, key, value)

    async def delete(self, user_id: int) -> None:
        await self.session.execute(delete(Draft).where(col(Draft.user_id) == user_id))


async def discard_drafts(session: AsyncSession, user_id: int) -> bool:
    """Forget a person's unfinished report and subscription wizard; True if a report draft existed."""
    had = await session.get(Draft, user_id) is not None
    await session.execute(delete(Draft).where(col(Draft.user_id) == user_id))
    await session.execute(delete(SubscriptionDraft).where(col(SubscriptionDraft.user_id) == user_id))
    return had
