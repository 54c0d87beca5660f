"""The last line: log the failure (no message text) and tell the user their work is safe."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter

from bot.context import KhabarApp, KhabarContext
from bot.i18n import _
from handlers.common import answer, send

log = logging.getLogger(__name__)


async def on_error(update: object, context: KhabarContext) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden | RetryAfter | NetworkError):
        log.warning("telegram error on update %s: %s", update_id, type(error).__name__)
        return
    log.error("unhandled error on update %s", update_id, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    text = _("Sorry, something went wrong on our side. Your answers so far are saved; please try again.")
    try:
        if update.callback_query:
            await answer(update, text, alert=True)
        else:
            await send(update, context, text)
    except Exception:  # the chat may be what failed; nothing more to do
        log.warning("could not tell the user about the error on update %s", update_id)


def register(app: KhabarApp) -> None:
    app.add_error_handler(on_error)
