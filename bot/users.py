"""User administration rules: changing roles, blocking, listing. Every change is an audit row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, _, use_locale
from bot.roles import Role
from domain import languages
from domain.vocabulary import OutboxKind, UserStatus
from storage import admin_events, outbox
from storage.drafts import discard_drafts
from storage.models import User
from storage.users import UserRepository

ROLE_LABELS = {
    Role.STRANGER: N_("no access"),
    Role.REPORTER: N_("reporter"),
    Role.COORDINATOR: N_("coordinator"),
    Role.MODERATOR: N_("moderator"),
    Role.ADMIN: N_("admin"),
}
ASSIGNABLE = (Role.STRANGER, Role.REPORTER, Role.COORDINATOR, Role.MODERATOR, Role.ADMIN)


def role_label(role: str) -> str:
    """The role's name in the current language."""
    try:
        return _(ROLE_LABELS[Role(role)])
    except ValueError:
        return role


class Change(StrEnum):
    DONE = "done"
    UNCHANGED = "unchanged"
    UNKNOWN_USER = "unknown_user"
    SELF = "self"  # an admin may not demote or block themself and lock everyone out
    CONFIG_ADMIN = "config_admin"  # ADMIN_IDS are re-promoted on every update; changing them is futile


@dataclass(frozen=True)
class UserChange:
    outcome: Change
    user: User | None = None


async def _change(
    session: AsyncSession,
    users: UserRepository,
    user: User,
    attribute: str,
    value: str,
    *,
    action: str,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Change one attribute of a user and record who did it, with the value before and after."""
    before = getattr(user, attribute)
    setattr(user, attribute, value)
    await users.save(user)
    await admin_events.record(
        session,
        actor_id=actor_id,
        action=action,
        target=f"user:{user.id}",
        before={attribute: before},
        after={attribute: value},
        at=now,
    )


async def set_role(
    session: AsyncSession,
    *,
    actor_id: int,
    user_id: int,
    role: Role,
    config_admins: tuple[int, ...],
    now: datetime,
    default_language: str = languages.SOURCE,
) -> UserChange:
    users = UserRepository(session)
    user = await users.get(user_id)
    if user is None:
        return UserChange(Change.UNKNOWN_USER)
    if user.role == role.value:
        return UserChange(Change.UNCHANGED, user)
    if user_id == actor_id:
        return UserChange(Change.SELF, user)
    if user_id in config_admins and role is not Role.ADMIN:
        return UserChange(Change.CONFIG_ADMIN, user)
    await _change(session, users, user, "role", role.value, action="role_changed", actor_id=actor_id, now=now)
    if role is Role.STRANGER:
        user.revoked_at = now  # old invite links no longer let them back in
        await users.save(user)
        await discard_drafts(session, user_id)  # nothing of theirs waits for a re-invite
    else:
        await _tell_role(session, user, role, user.language or default_language, now)
    return UserChange(Change.DONE, user)


async def _tell_role(session: AsyncSession, user: User, role: Role, language: str, now: datetime) -> None:
    """A person promoted or demoted is told, in their language, from the outbox (part of the
    change). Someone whose access was revoked is not written to at all, as for notices."""
    with use_locale(language):
        text = _("An administrator made you a {role}. Send /help to see what you can do.").format(
            role=role_label(role)
        )
    await outbox.enqueue(
        session, key=f"role:{user.id}:{now.isoformat()}", chat_id=user.id, kind=OutboxKind.NOTICE, text=text
    )


async def grant(session: AsyncSession, *, user_id: int, role: Role, now: datetime) -> User:
    """An operator's `khabar admin grant|revoke`: no actor in the bot, no refusals, still audited.
    Works before the person has ever written to the bot (their account is made now)."""
    users = UserRepository(session)
    user = await users.get_or_create(user_id)
    await _change(session, users, user, "role", role.value, action="role_changed", actor_id=None, now=now)
    return user


async def set_blocked(
    session: AsyncSession,
    *,
    actor_id: int,
    user_id: int,
    blocked: bool,
    config_admins: tuple[int, ...],
    now: datetime,
    default_language: str = languages.SOURCE,
) -> UserChange:
    users = UserRepository(session)
    user = await users.get(user_id)
    if user is None:
        return UserChange(Change.UNKNOWN_USER)
    status = UserStatus.BLOCKED if blocked else UserStatus.ACTIVE
    if user.status == status:
        return UserChange(Change.UNCHANGED, user)
    if user_id == actor_id:
        return UserChange(Change.SELF, user)
    if blocked and user_id in config_admins:
        return UserChange(Change.CONFIG_ADMIN, user)
    action = "user_blocked" if blocked else "user_unblocked"
    await _change(session, users, user, "status", status, action=action, actor_id=actor_id, now=now)
    if blocked:
        await discard_drafts(session, user_id)  # a seized phone must not find a half-written report
    return UserChange(Change.DONE, user)


PAGE_SIZE = 25
# What `/users` can narrow the list to: one role, or the blocked.
ROLES_LISTED = tuple(r.value for r in ASSIGNABLE if r is not Role.STRANGER)
FILTERS = (*ROLES_LISTED, UserStatus.BLOCKED.value)


@dataclass(frozen=True)
class UserPage:
    people: list[User]
    total: int
    offset: int  # of the first person shown, within `total`


async def list_users(session: AsyncSession, *, only: str | None = None, offset: int = 0) -> UserPage:
    """Everyone with a role (strangers who only pressed /start are left out), a page at a time,
    oldest first; `only` is one of FILTERS. An offset past the end shows the last page."""
    roles = list(ROLES_LISTED)
    status = None
    if only == UserStatus.BLOCKED:
        status = UserStatus.BLOCKED
    elif only is not None:
        roles = [only]
    repo = UserRepository(session)
    total = await repo.count(roles=roles, status=status)
    offset = min(max(offset, 0), max(total - 1, 0) // PAGE_SIZE * PAGE_SIZE)
    people = await repo.list(roles=roles, status=status, limit=PAGE_SIZE, offset=offset)
    return UserPage(people, total, offset)
