"""The last line: log the failure (no message text) and tell the user their work is safe."""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter

from bot.i18n import _
from bot.runtime.context import KhabarApp, KhabarContext
from handlers.common import answer, send

log = logging.getLogger(__name__)


def describe_error(error: BaseException) -> str:
    """The exception's type and stack, without its message: a message may quote what a user typed
    (``invalid literal for int(): '…'``), and logs must never carry message text."""
    frames = traceback.extract_tb(error.__traceback__)
    stack = " <- ".join(f"{f.name} ({f.filename.rsplit('/', 1)[-1]}:{f.lineno})" for f in reversed(frames))
    return f"{type(error).__module__}.{type(error).__qualname__} at {stack or 'unknown'}"


async def on_error(update: object, context: KhabarContext) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden | RetryAfter | NetworkError):
        log.warning("telegram error on update %s: %s", update_id, type(error).__name__)
        return
    log.error("unhandled error on update %s: %s", update_id, describe_error(error) if error else "unknown")
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
