"""What nobody else handled: unknown commands, stray messages and stale or forged buttons."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.i18n import _
from bot.pseudonyms import pseudonym
from bot.runtime.context import KhabarApp, KhabarContext
from handlers.common import answer, send

log = logging.getLogger(__name__)


async def unknown_command(update: Update, context: KhabarContext) -> None:
    await send(update, context, _("I don't know that command. Send /help to see what you can do."))


async def stray_message(update: Update, context: KhabarContext) -> None:
    await send(update, context, _("I didn't understand that. Send /report to file a report, or /help."))


async def stale_button(update: Update, context: KhabarContext) -> None:
    log.info("unhandled callback from user %s", pseudonym(update.effective_user and update.effective_user.id))
    await answer(update, _("This button is no longer valid. Send /help to start again."), alert=True)


def register(app: KhabarApp) -> None:
    # Group 0, registered last: only reached when no feature handler matched.
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(filters.ALL, stray_message))
    app.add_handler(CallbackQueryHandler(stale_button))
