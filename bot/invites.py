"""Invite rules: creating codes, redeeming them, the brute-force cool-down. No Telegram here.

A code is shown once, at creation; the database keeps only its SHA-256, so a leaked database
yields no working invites.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.roles import Role, role_of
from storage import admin_events
from storage.invites import InviteRepository
from storage.models import Invite as Invite
from storage.users import UserRepository

INVITABLE_ROLES = (Role.REPORTER, Role.COORDINATOR)
MAX_USES = 500
MAX_DAYS = 90
DEFAULT_DAYS = 7
MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW = timedelta(hours=1)
CODE_BYTES = 16  # 22 URL-safe characters, within Telegram's 64-character start parameter


class InviteError(ValueError):
    """Arguments an admin can correct; `reason` names which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # role | uses | days


class Redeemed(StrEnum):
    JOINED = "joined"
    ALREADY = "already"  # the user already has this role or a higher one; no use is taken
    INVALID = "invalid"  # unknown, expired, revoked or used up: indistinguishable on purpose
    COOL_DOWN = "cool_down"


@dataclass(frozen=True)
class NewInvite:
    invite: Invite
    code: str


@dataclass(frozen=True)
class Redemption:
    outcome: Redeemed
    role: Role


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


def check_arguments(role: str, uses: int, days: int) -> Role:
    chosen = role_of(role)
    if chosen not in INVITABLE_ROLES:
        raise InviteError("role")
    if not 1 <= uses <= MAX_USES:
        raise InviteError("uses")
    if not 1 <= days <= MAX_DAYS:
        raise InviteError("days")
    return chosen


async def create_invite(
    session: AsyncSession, *, role: str, uses: int, days: int, created_by: int | None, now: datetime
) -> NewInvite:
    chosen = check_arguments(role, uses, days)
    code = secrets.token_urlsafe(CODE_BYTES)
    invite = await InviteRepository(session).add(
        Invite(
            code_hash=hash_code(code),
            role=chosen.value,
            max_uses=uses,
            expires_at=now + timedelta(days=days),
            created_by=created_by,
            created_at=now,
        )
    )
    await admin_events.record(
        session,
        actor_id=created_by,
        action="invite_created",
        target=f"invite:{invite.id}",
        after={"role": chosen.value, "max_uses": uses, "expires_at": invite.expires_at.isoformat()},
        at=now,
    )
    return NewInvite(invite, code)


async def redeem(session: AsyncSession, *, user_id: int, code: str, now: datetime) -> Redemption:
    invites = InviteRepository(session)
    users = UserRepository(session)
    account = await users.get_or_create(user_id)
    current = role_of(account.role)
    # Counted before looking the code up, so a guesser learns nothing more once cooling down.
    if await invites.attempts_since(user_id, now - WRONG_CODE_WINDOW) >= MAX_WRONG_CODES:
        return Redemption(Redeemed.COOL_DOWN, current)
    invite = await invites.by_hash(hash_code(code))
    # An admin who took someone's access away meant it: links made before that no longer let them
    # back in (review finding 15); a new invite, an admin's fresh decision, does.
    revoked = (
        account.revoked_at is not None and invite is not None and invite.created_at <= account.revoked_at
    )
    if invite is not None and invite.id is not None and account.invite_id == invite.id and not revoked:
        # Sent again (the reply to the first was lost in a restart): already applied, not a wrong
        # code, even though that use may have been the invite's last.
        return Redemption(Redeemed.ALREADY, current)
    if invite is None or invite.id is None or not _usable(invite, now) or revoked:
        await invites.record_attempt(user_id, now)
        return Redemption(Redeemed.INVALID, current)
    offered = role_of(invite.role)
    if current.at_least(offered):
        return Redemption(Redeemed.ALREADY, current)
    if not await invites.take_use(invite.id, now):
        await invites.record_attempt(user_id, now)
        return Redemption(Redeemed.INVALID, current)
    account.role, account.invite_id = offered.value, invite.id
    await users.save(account)
    await admin_events.record(
        session,
        actor_id=user_id,
        action="invite_redeemed",
        target=f"user:{user_id}",
        before={"role": current.value},
        after={"role": offered.value, "invite_id": invite.id},
        at=now,
    )
    return Redemption(Redeemed.JOINED, offered)


def _usable(invite: Invite, now: datetime) -> bool:
    return invite.revoked_at is None and invite.expires_at > now and invite.uses < invite.max_uses


async def usable_invites(session: AsyncSession, now: datetime) -> list[Invite]:
    return await InviteRepository(session).usable(now)


async def revoke(session: AsyncSession, *, invite_id: int, actor_id: int | None, now: datetime) -> bool:
    """True if this call revoked it; False if it was unknown or already revoked."""
    if not await InviteRepository(session).revoke(invite_id, now):
        return False
    await admin_events.record(
        session, actor_id=actor_id, action="invite_revoked", target=f"invite:{invite_id}", at=now
    )
    return True
