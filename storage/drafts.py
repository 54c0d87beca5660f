"""Drafts repository: one report being filled in per user; the row is the conversation state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from storage.db import INLINE, Database, as_loaded
from storage.models import Draft, SubscriptionDraft, utcnow

# Every answer reads and writes the draft: the statements are built once, the values bound at
# execution. The save is plain Core on the table (no ORM session sync); SQLAlchemy sets the
# columns named in the parameters.
# The reads run inline on SQLite (by primary key; SQLite renders no FOR UPDATE, its write lock
# comes with the save): the locked one is what every step of the report flow reads. They are Core
# reads of the table, the row made a detached Draft (`as_loaded`): the save and the take are Core
# statements, so the ORM's load only put the row in the session's identity map for nothing.
_TABLE = Draft.__table__  # type: ignore[attr-defined]
_GET = select(_TABLE).where(_TABLE.c.user_id == bindparam("draft_user")).execution_options(**INLINE)
_GET_LOCKED = _GET.with_for_update()
_UPDATED_AT = (
    select(_TABLE.c.updated_at).where(_TABLE.c.user_id == bindparam("draft_user")).execution_options(**INLINE)
)
_SAVE = update(_TABLE).where(_TABLE.c.user_id == bindparam("draft_user"))
_TAKE = delete(_TABLE).where(
    _TABLE.c.user_id == bindparam("draft_user"), _TABLE.c.token == bindparam("draft_token")
)


class DraftRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int, *, lock: bool = False) -> Draft | None:
        """The user's draft; `lock` holds the row until commit (PostgreSQL; SQLite locks the file)."""
        stmt = _GET_LOCKED if lock else _GET
        row = (await self.session.execute(stmt, {"draft_user": user_id})).first()
        return None if row is None else as_loaded(Draft, row._mapping)

    async def start(
        self,
        user_id: int,
        category: str | None,
        token: str,
        step: str | None,
        now: datetime | None = None,
        state: dict[str, Any] | None = None,
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
            state=dict(state or {}),
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
        await self.session.execute(_SAVE, {**values, "draft_user": draft.user_id})
        for key, value in values.items():
            set_committed_value(draft, key, value)

    async def take(self, draft: Draft) -> bool:
        """Delete `draft` (its user's draft with its token) for good; False when it was gone already.
        From here to the commit the caller holds it alone: the row lock on PostgreSQL, the write lock
        on SQLite, so a concurrent transaction taking the same draft finds nothing."""
        result = await self.session.execute(_TAKE, {"draft_user": draft.user_id, "draft_token": draft.token})
        return bool(getattr(result, "rowcount", 0) == 1)

    async def delete(self, user_id: int) -> None:
        await self.session.execute(delete(Draft).where(col(Draft.user_id) == user_id))


async def discard_drafts(session: AsyncSession, user_id: int) -> bool:
    """Forget a person's unfinished report and subscription wizard; True if a report draft existed."""
    had = await session.get(Draft, user_id) is not None
    await session.execute(delete(Draft).where(col(Draft.user_id) == user_id))
    await session.execute(delete(SubscriptionDraft).where(col(SubscriptionDraft.user_id) == user_id))
    return had


async def updated_at(db: Database, user_id: int) -> datetime | None:
    """When the user's unfinished report last changed, if they have one: a read standing alone."""
    rows = await db.read(_UPDATED_AT, {"draft_user": user_id})
    return rows[0][0] if rows else None
