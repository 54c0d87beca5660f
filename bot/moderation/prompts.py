"""Reply prompts: which report and answer a moderator's typed reply belongs to."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.vocabulary import PromptKind
from storage.models import PendingInput as PendingInput
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


async def find_prompt(session: AsyncSession, *, chat_id: int, message_id: int) -> PendingInput | None:
    """The prompt this message replies to. It stays until `drop_prompt`, which the caller does once
    the reply is applied: a process that dies in between leaves it for the reply sent again, and
    the decision's own version check then finds that reply already applied."""
    return await ReviewRepository(session).prompt(chat_id, message_id)


async def drop_prompt(session: AsyncSession, prompt: PendingInput) -> None:
    """The prompt answered: a reply to it sent again is told it was already answered."""
    if prompt.id is not None:
        await ReviewRepository(session).drop_prompt(prompt.id)


async def expire_prompts(session: AsyncSession, now: datetime) -> int:
    """Forget prompts nobody answered within `PROMPT_TTL`; a late reply is then told it closed."""
    return await ReviewRepository(session).drop_prompts_before(now - PROMPT_TTL)
