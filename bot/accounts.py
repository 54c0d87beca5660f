"""The caller's own account: loading it for each update (refusing replays), and the settings people change
themselves (language, wiping the chat after a report, discarding a draft)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.roles import Role
from storage import drafts
from storage.models import User as User
from storage.users import UserRepository


async def draft_touched_since(session: AsyncSession, user_id: int, since: datetime) -> bool:
    """Whether the caller's unfinished report changed after `since`: on another replica, when this
    one started before it (so the caller is in the middle of a report, not back after a restart)."""
    draft = await drafts.DraftRepository(session).get(user_id)
    return draft is not None and draft.updated_at > since


async def load_caller(
    session: AsyncSession, telegram_id: int, first_name: str, *, admin: bool, update_id: int
) -> User | None:
    """The caller's account, created on first contact (configured admins are (re-)promoted); None
    when this update was fully handled before (Telegram or an attacker sent it again). One query
    answers both for a known caller."""
    users = UserRepository(session)
    account, replayed = await users.get_unless_seen(telegram_id, update_id)
    if replayed:
        return None
    if account is None:
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
