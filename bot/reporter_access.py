"""Whether a reporter may still be told about their report: not when an admin blocked them or took
their role away (a lost or seized phone; security review finding 5). Asked when a notice is queued,
when a moderator's card is drawn, and again by the sender just before the notice goes out, since an
admin may block someone between the two."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.roles import Role
from domain.vocabulary import UserStatus
from storage.users import UserRepository

REVOKED = "revoked"


async def unreachable(
    session: AsyncSession, reporter_id: int | None, *, known_only: bool = False
) -> str | None:
    """Why no notice may go to `reporter_id` (`UserStatus.BLOCKED` or `REVOKED`), or None. A person
    with no account left counts as revoked, unless `known_only` (the sender, which also sends to chats
    that are not accounts) asks only about accounts that say so."""
    if reporter_id is None:
        return None
    reporter = await UserRepository(session).get(reporter_id)
    if reporter is None:
        return None if known_only else REVOKED
    if reporter.status == UserStatus.BLOCKED:
        return UserStatus.BLOCKED
    return REVOKED if reporter.role == Role.STRANGER else None
