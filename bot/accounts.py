"""The caller's own account: loading it for each update, replays, and the settings people change
themselves (language, wiping the chat after a report, discarding a draft)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.roles import Role
from storage import drafts
from storage.models import User as User
from storage.updates import SeenUpdateRepository
from storage.users import UserRepository


async def is_replay(session: AsyncSession, update_id: int) -> bool:
    """True when this update was fully handled before (Telegram or an attacker sent it again)."""
    return await SeenUpdateRepository(session).seen(update_id)


async def load_caller(session: AsyncSession, telegram_id: int, first_name: str, *, admin: bool) -> User:
    """The caller's account, created on first contact; configured admins are (re-)promoted."""
    users = UserRepository(session)
    account = await users.get_or_create(telegram_id, first_name)
    if admin and account.role != Role.ADMIN:
        account.role = Role.ADMIN
        await users.save(account)
    return account


async def set_language(session: AsyncSession, user_id: int, language: str) -> User:
    users = UserRepository(session)
    account = await users.get_or_create(user_id)
    account.language = language
    await users.save(account)
    return account


async def set_wipe_after_submit(session: AsyncSession, user_id: int, on: bool) -> User:
    users = UserRepository(session)
    account = await users.get_or_create(user_id)
    account.wipe_after_submit = on
    await users.save(account)
    return account


async def discard_drafts(session: AsyncSession, user_id: int) -> bool:
    """Forget the user's unfinished report and subscription wizard; True when a report draft existed."""
    return await drafts.discard_drafts(session, user_id)


async def mark_refused(session: AsyncSession, user_id: int, at: datetime) -> None:
    """Remember when this person was last refused, so the next refusal waits a period."""
    users = UserRepository(session)
    stored = await users.get_or_create(user_id)
    stored.refused_at = at
    await users.save(stored)
