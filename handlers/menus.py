"""Telegram's command menus: one per chat for its role and language, and the default per language."""

from __future__ import annotations

import contextlib

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.commands import commands_for
from bot.i18n import _, use_locale
from bot.roles import Role
from domain import languages


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
