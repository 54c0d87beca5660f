"""The caller's own account: loading it for each update (refusing replays), and the settings people change
themselves (language, wiping the chat after a report, discarding a draft)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.roles import Role
from storage import drafts
from storage.db import Database
from storage.models import User as User
from storage.users import UserRepository, caller_unless_seen


async def draft_touched_since(db: Database, user_id: int, since: datetime) -> bool:
    """Whether the caller's unfinished report changed after `since`: on another replica, when this
    one started before it (so the caller is in the middle of a report, not back after a restart)."""
    touched = await drafts.updated_at(db, user_id)
    return touched is not None and touched > since


async def load_caller(
    db: Database, telegram_id: int, first_name: str, *, admin: bool, update_id: int
) -> User | None:
    """The caller's account, created on first contact (configured admins are (re-)promoted); None
    when this update was fully handled before (Telegram or an attacker sent it again). One read
    without a session answers both for a known caller; a session only when something is written."""
    account, replayed = await caller_unless_seen(db, telegram_id, update_id)
    if replayed:
        return None
    if account is None or (admin and account.role != Role.ADMIN):
        async with db.session() as session:
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
