"""/role, /users, /block and /unblock: user administration inside the bot, for admins."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import users
from bot.i18n import _
from bot.localize import format_number, isolate, isolate_always, parse_int
from bot.pseudonyms import pseudonym
from bot.roles import Role
from bot.runtime.context import KhabarApp, KhabarContext
from bot.users import Change, UserChange, role_label
from domain.vocabulary import UserStatus
from handlers.callbacks import UsersPage
from handlers.common import answer, edit_or_send, requires, send
from handlers.menus import sync_chat_menu

log = logging.getLogger(__name__)


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
            default_language=settings.default_language,
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
            _("User {id} is blocked. They will get one polite message saying they have no access.")
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


def _users_page(page: users.UserPage, only: str | None) -> tuple[str, InlineKeyboardMarkup | None]:
    if not page.people:
        text = _("No users found.") if only else _("No users yet. Invite people with /invite.")
        return text, None
    lines = [_("Users (Telegram id, name, role):")]
    for person in page.people:
        line = _("{id} {name}: {role}").format(
            id=isolate(str(person.id)),
            name=isolate_always(person.first_name) if person.first_name else "—",
            role=role_label(person.role),
        )
        if person.status == UserStatus.BLOCKED:
            line += " " + _("(blocked)")
        lines.append(line)
    lines.append("")
    lines.append(
        _("{first}–{last} of {total}. Change a role with /role <id> <role>.").format(
            first=format_number(page.offset + 1),
            last=format_number(page.offset + len(page.people)),
            total=format_number(page.total),
        )
    )
    paging = []
    if page.offset > 0:
        paging.append(_page_button(_("‹ Previous"), only, page.offset - users.PAGE_SIZE))
    if page.offset + len(page.people) < page.total:
        paging.append(_page_button(_("Next ›"), only, page.offset + users.PAGE_SIZE))
    return "\n".join(lines), InlineKeyboardMarkup([paging]) if paging else None


def _page_button(label: str, only: str | None, offset: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=UsersPage(only or "all", offset).pack())


@requires(Role.ADMIN)
async def users_command(update: Update, context: KhabarContext) -> None:
    args = [a.lower() for a in context.args or []]
    only = args[0] if args else None
    if len(args) > 1 or (only is not None and only not in users.FILTERS):
        await send(update, context, _("Usage: /users [reporter|coordinator|moderator|admin|blocked]"))
        return
    async with context.services.db.session() as session:
        page = await users.list_users(session, only=only)
    await send(update, context, *_users_page(page, only))


@requires(Role.ADMIN)
async def users_page_button(update: Update, context: KhabarContext) -> None:
    """The Next or Previous button under a /users list; its data is checked as strictly as typed input."""
    query = update.callback_query
    assert query is not None
    press = UsersPage.parse(query.data)
    if press is None:
        log.warning(
            "malformed users callback from user %s", pseudonym(context.account and context.account.id)
        )
        await answer(update, _("This button is no longer valid. Send /help to start again."), alert=True)
        return
    only = None if press.only == "all" else press.only
    async with context.services.db.session() as session:
        page = await users.list_users(session, only=only, offset=press.offset)
    await edit_or_send(update, context, *_users_page(page, only))


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("role", role_command))
    app.add_handler(CommandHandler("users", users_command))
    app.add_handler(CallbackQueryHandler(users_page_button, pattern=UsersPage.pattern()))
    app.add_handler(CommandHandler("block", block_command))
    app.add_handler(CommandHandler("unblock", unblock_command))
