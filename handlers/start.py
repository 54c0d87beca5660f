"""/start, /help and /language: what everyone, strangers included, may use."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import accounts
from bot.accounts import User
from bot.commands import commands_for
from bot.i18n import _, get_locale, set_locale
from bot.roles import Role
from bot.runtime.context import KhabarApp, KhabarContext
from domain import languages
from handlers.access import NO_ACCESS
from handlers.callbacks import LanguagePick
from handlers.common import answer, answers_press, edit_or_send, send
from handlers.menus import sync_chat_menu


def language_keyboard(current: str | None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    ("✓ " if language.code == current else "") + language.native_name,
                    callback_data=LanguagePick(language.code).pack(),
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
    """/start without a payload, and the greeting after an invite code (deep links with a payload are
    their own handlers, registered before this one: see handlers.register_all)."""
    account = context.account
    assert account is not None
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


@answers_press
async def choose_language(update: Update, context: KhabarContext) -> None:
    query = update.callback_query
    assert query is not None and context.account is not None
    press = LanguagePick.parse(query.data)
    if press is None:
        await answer(update, _("This button is no longer valid. Send /help to start again."), alert=True)
        return
    code = press.code
    account = await _store_language(context, context.account.id, code)
    set_locale(code)
    # TRANSLATORS: says that the language is now this catalog's own language (Dari, Pashto), not English.
    await edit_or_send(update, context, _("Language set to English."))
    await sync_chat_menu(context.bot, account.id, context.role, code)
    await send(update, context, help_text(context.role))


async def _store_language(context: KhabarContext, user_id: int, language: str) -> User:
    async with context.services.db.session() as session:
        account = await accounts.set_language(session, user_id, language)
    context.account = account
    return account


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("language", language_command))
    app.add_handler(CallbackQueryHandler(choose_language, pattern=LanguagePick.pattern()))
