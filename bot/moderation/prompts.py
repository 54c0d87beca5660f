"""Reply prompts: which report and answer a moderator's typed reply belongs to."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.vocabulary import PromptKind
from storage.models import PendingInput
from storage.review import ReviewRepository

PROMPT_TTL = timedelta(days=7)


async def remember_prompt(
    session: AsyncSession,
    *,
    chat_id: int,
    message_id: int,
    kind: PromptKind,
    report_id: int,
    version: int,
    field_name: str | None = None,
) -> None:
    await ReviewRepository(session).add_prompt(
        PendingInput(
            chat_id=chat_id,
            message_id=message_id,
            kind=kind,
            report_id=report_id,
            version=version,
            field=field_name,
        )
    )


async def take_prompt(session: AsyncSession, *, chat_id: int, message_id: int) -> PendingInput | None:
    return await ReviewRepository(session).take_prompt(chat_id, message_id)


async def expire_prompts(session: AsyncSession, now: datetime) -> int:
    """Forget prompts nobody answered within `PROMPT_TTL`; a late reply is then told it closed."""
    return await ReviewRepository(session).drop_prompts_before(now - PROMPT_TTL)
