"""/start, /help and /language: what everyone, strangers included, may use."""

from __future__ import annotations

import contextlib

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import commands_for
from bot.context import KhabarApp, KhabarContext
from bot.i18n import _, get_locale, set_locale, use_locale
from bot.roles import Role
from domain import languages
from handlers.access import NO_ACCESS
from handlers.common import answer, edit_or_send, send
from storage.models import User
from storage.users import UserRepository


def language_keyboard(current: str | None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    ("✓ " if language.code == current else "") + language.native_name,
                    callback_data=f"lang:{language.code}",
                )
            ]
            for language in languages.REGISTRY
        ]
    )


def help_text(role: Role) -> str:
    lines = [
        _("Khabar takes incident reports from field teams and shares approved reports with coordinators.")
    ]
    if role is Role.STRANGER:
        lines += ["", _(NO_ACCESS)]
    lines.append("")
    lines += [f"/{c.name} — {_(c.description)}" for c in commands_for(role) if c.in_menu]
    return "\n".join(lines)


async def start(update: Update, context: KhabarContext) -> None:
    account = context.account
    assert account is not None
    if context.args:
        # Imported here: these modules build on this one (menus, greeting).
        from bot.moderation import ANSWER_PREFIX, REASON_PREFIX
        from handlers import invites, moderation, notices

        argument = context.args[0]
        opened = (
            moderation.start_answer
            if argument.startswith(ANSWER_PREFIX)
            else notices.start_reason
            if argument.startswith(REASON_PREFIX)
            else invites.start_with_code
        )
        if await opened(update, context, argument):
            return
    if account.language is None:
        # First contact: offer the three languages, the guessed one ticked. The guess (from Telegram's
        # language_code) is kept until the user picks, so their chat menu speaks it too.
        language = get_locale()
        account = await _store_language(context, account.id, language)
        await send(
            update,
            context,
            _("Welcome to Khabar. Choose your language:"),
            language_keyboard(language),
        )
        await sync_chat_menu(context.bot, account.id, context.role, language)
        return
    await send(update, context, help_text(context.role))


async def help_command(update: Update, context: KhabarContext) -> None:
    await send(update, context, help_text(context.role))


async def language_command(update: Update, context: KhabarContext) -> None:
    account = context.account
    await send(
        update,
        context,
        _("Choose your language:"),
        language_keyboard((account.language if account else None) or get_locale()),
    )


async def choose_language(update: Update, context: KhabarContext) -> None:
    query = update.callback_query
    assert query is not None and context.account is not None
    code = (query.data or "").removeprefix("lang:")
    if not languages.is_known(code):
        await answer(update, _("This button is no longer valid. Send /help to start again."), alert=True)
        return
    account = await _store_language(context, context.account.id, code)
    set_locale(code)
    await answer(update)
    # TRANSLATORS: says that the language is now this catalog's own language (Dari, Pashto), not English.
    await edit_or_send(update, context, _("Language set to English."))
    await sync_chat_menu(context.bot, account.id, context.role, code)
    await send(update, context, help_text(context.role))


async def _store_language(context: KhabarContext, user_id: int, language: str) -> User:
    async with context.services.db.session() as session:
        users = UserRepository(session)
        account = await users.get_or_create(user_id)
        account.language = language
        await users.save(account)
    context.account = account
    return account


async def sync_chat_menu(bot: Bot, chat_id: int, role: Role, language: str) -> None:
    """Give one chat the command menu of its role, in its language."""
    with use_locale(language):
        commands = [BotCommand(c.name, _(c.description)) for c in commands_for(role) if c.in_menu]
    # A menu is a convenience; never fail an action over it.
    with contextlib.suppress(TelegramError):
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))


async def publish_command_menus(bot: Bot) -> None:
    """Default menus per language, for people whose chat has no menu of its own yet."""
    for language in languages.REGISTRY:
        with use_locale(language.code):
            commands = [BotCommand(c.name, _(c.description)) for c in commands_for(Role.STRANGER)]
        await bot.set_my_commands(commands, language_code=language.telegram_codes[0])
    with use_locale(languages.SOURCE):
        await bot.set_my_commands([BotCommand(c.name, _(c.description)) for c in commands_for(Role.STRANGER)])


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("language", language_command))
    app.add_handler(CallbackQueryHandler(choose_language, pattern=r"^lang:"))
