"""Outbox: messages to send, each with a unique key so writing one twice is harmless."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Outbox


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    chat_id: int,
    kind: str,
    text: str,
    subscription_id: int | None = None,
    parse_mode: str | None = None,
) -> bool:
    """Add a message unless one with `key` exists; True if added. Part of the caller's transaction."""
    row = Outbox(
        key=key, chat_id=chat_id, kind=kind, text=text,
        subscription_id=subscription_id, parse_mode=parse_mode,
    )  # the model fills the defaults (status, timestamps)
    data = row.model_dump(exclude={"id"})
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Outbox).values(**data).on_conflict_do_nothing(index_elements=["key"])
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))
