"""/role, /users, /block and /unblock: user administration inside the bot, for admins."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update
from telegram.ext import CommandHandler

from bot import users
from bot.context import KhabarApp, KhabarContext
from bot.i18n import _
from bot.localize import format_number, isolate, parse_int
from bot.roles import Role
from bot.users import Change, UserChange, role_label
from handlers.common import requires, send
from handlers.start import sync_chat_menu


def _role_usage() -> str:
    return _("Usage: /role <telegram id> reporter|coordinator|moderator|admin|none")


def _role_argument(text: str) -> Role | None:
    word = text.lower()
    if word in ("none", "stranger"):
        return Role.STRANGER
    try:
        return Role(word)
    except ValueError:
        return None


def _refusal(change: UserChange, user_id: int) -> str:
    who = isolate(str(user_id))
    texts = {
        Change.UNKNOWN_USER: _("No user {id} has used this bot yet. They must send /start first.").format(
            id=who
        ),
        Change.SELF: _("You cannot change your own access. Ask another admin."),
        Change.CONFIG_ADMIN: _("User {id} is an admin by configuration (ADMIN_IDS); change it there.").format(
            id=who
        ),
    }
    return texts[change.outcome]


@requires(Role.ADMIN)
async def role_command(update: Update, context: KhabarContext) -> None:
    args = context.args or []
    user_id = parse_int(args[0]) if args else None
    role = _role_argument(args[1]) if len(args) == 2 else None
    if user_id is None or role is None:
        await send(update, context, _role_usage())
        return
    assert context.account is not None
    settings = context.services.settings
    async with context.services.db.session() as session:
        change = await users.set_role(
            session,
            actor_id=context.account.id,
            user_id=user_id,
            role=role,
            config_admins=settings.admin_ids,
            now=datetime.now(UTC),
        )
    if change.outcome is Change.UNCHANGED:
        await send(
            update,
            context,
            _("User {id} is already a {role}.").format(id=isolate(str(user_id)), role=role_label(role)),
        )
        return
    if change.outcome is not Change.DONE or change.user is None:
        await send(update, context, _refusal(change, user_id))
        return
    target = change.user
    # Their command menu should show what they may now do (or no longer do).
    await sync_chat_menu(context.bot, target.id, role, target.language or settings.default_language)
    text = (
        _("User {id} no longer has access.") if role is Role.STRANGER else _("User {id} is now a {role}.")
    ).format(id=isolate(str(user_id)), role=role_label(role))
    await send(update, context, text)


async def _set_blocked(update: Update, context: KhabarContext, blocked: bool) -> None:
    args = context.args or []
    user_id = parse_int(args[0]) if len(args) == 1 else None
    if user_id is None:
        usage = _("Usage: /block <telegram id>") if blocked else _("Usage: /unblock <telegram id>")
        await send(update, context, usage)
        return
    assert context.account is not None
    async with context.services.db.session() as session:
        change = await users.set_blocked(
            session,
            actor_id=context.account.id,
            user_id=user_id,
            blocked=blocked,
            config_admins=context.services.settings.admin_ids,
            now=datetime.now(UTC),
        )
    who = isolate(str(user_id))
    if change.outcome in (Change.DONE, Change.UNCHANGED):
        text = (
            _("User {id} is blocked. Their messages get one polite refusal.")
            if blocked
            else _("User {id} is unblocked.")
        )
        await send(update, context, text.format(id=who))
        return
    await send(update, context, _refusal(change, user_id))


@requires(Role.ADMIN)
async def block_command(update: Update, context: KhabarContext) -> None:
    await _set_blocked(update, context, True)


@requires(Role.ADMIN)
async def unblock_command(update: Update, context: KhabarContext) -> None:
    await _set_blocked(update, context, False)


@requires(Role.ADMIN)
async def users_command(update: Update, context: KhabarContext) -> None:
    async with context.services.db.session() as session:
        people = await users.list_users(session)
    if not people:
        await send(update, context, _("No users yet. Invite people with /invite."))
        return
    lines = [_("Users (Telegram id, name, role):")]
    for person in people:
        line = _("{id} {name}: {role}").format(
            id=isolate(str(person.id)), name=person.first_name or "—", role=role_label(person.role)
        )
        if person.status == "blocked":
            line += " " + _("(blocked)")
        lines.append(line)
    lines.append("")
    lines.append(_("{n} shown. Change a role with /role <id> <role>.").format(n=format_number(len(people))))
    await send(update, context, "\n".join(lines))


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("role", role_command))
    app.add_handler(CommandHandler("users", users_command))
    app.add_handler(CommandHandler("block", block_command))
    app.add_handler(CommandHandler("unblock", unblock_command))
