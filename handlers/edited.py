"""Edited messages: Telegram sends an edit as its own update. Nothing here reads an edit (an answer,
a command or a moderator's reply was taken as first sent), so the person is told so once, plainly,
instead of the edit reaching handlers written for new messages (security review finding 12d)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.i18n import _
from bot.runtime.context import KhabarApp, KhabarContext
from handlers.common import send


async def edited_message(update: Update, context: KhabarContext) -> None:
    await send(
        update,
        context,
        _("Edits to a sent message are not read. Please send the corrected text as a new message."),
    )


def register(app: KhabarApp) -> None:
    # First of group 0: every feature handler below it may assume a new message.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, edited_message))
