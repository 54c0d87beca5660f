"""Small helpers every feature handler shares: sending (and logging ids for /wipe), access checks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar

from telegram import Chat, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, RetryAfter
from telegram.ext import filters

from bot import chat_log
from bot.i18n import _
from bot.localize import rtl_safe
from bot.pseudonyms import pseudonym
from bot.roles import Role
from bot.runtime.context import KhabarContext
from bot.runtime.sender import retry_seconds

log = logging.getLogger(__name__)

MAX_TEXT, MAX_ALERT = 4096, 200  # Telegram's limits for a message and a button alert
Callback = Callable[[Update, KhabarContext], Coroutine[Any, Any, Any]]
# A handler that may get a button press returns the alert to show on the button, or None.
PressCallback = Callable[[Update, KhabarContext], Coroutine[Any, Any, str | None]]
T = TypeVar("T")
# A reply someone is waiting for is worth a short wait when Telegram says "too many requests" (a
# burst to one chat); a longer flood wait is not: it would hold up that chat's next updates.
PATIENCE, MAX_WAIT = 3, 5.0


def start_payload(prefix: str = "") -> filters.Regex:
    """A filter for `/start <payload>` (a deep link) whose payload begins with `prefix`; any payload
    when `prefix` is empty."""
    return filters.Regex(r"^/start(?:@\w+)?\s+" + (re.escape(prefix) if prefix else r"\S"))


async def patiently(call: Callable[[], Awaitable[T]]) -> T:
    """Make a Bot API call, waiting exactly `retry_after` and trying again on a short 429."""
    for attempt in range(PATIENCE):
        try:
            return await call()
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if attempt == PATIENCE - 1 or wait > MAX_WAIT:
                raise
            log.info("reply held back %.1f s by Telegram's flood control", wait)
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")


async def send(
    update: Update,
    context: KhabarContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    html: bool = False,
) -> Message | None:
    """Reply in the update's chat."""
    chat = update.effective_chat
    if chat is None:
        return None
    parse_mode = ParseMode.HTML if html else None
    return await post(
        context,
        chat,
        lambda: context.bot.send_message(
            chat.id, _fit(text, html, MAX_TEXT), reply_markup=markup, parse_mode=parse_mode
        ),
    )


async def post(context: KhabarContext, chat: Chat, call: Callable[[], Awaitable[Message]]) -> Message:
    """Put a new message in `chat`: with a slot of the bot's send budget, waiting out a short
    429, and remembering its id for /wipe."""

    async def attempt() -> Message:
        # A reply's 429 is nearly always one chat's flood (a burst), which pauses only that chat:
        # it is waited out here, not passed to the budget that every chat shares.
        await context.services.budget.take()
        return await call()

    message = await patiently(attempt)
    if chat.type == "private":
        await chat_log.record_sent(context.services.db, chat.id, message.message_id)
    return message


async def edit_or_send(
    update: Update,
    context: KhabarContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    html: bool = False,
) -> Message | None:
    """Edit the message whose button was pressed; send a new one when it cannot be edited."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        message = query.message
        try:
            parse_mode = ParseMode.HTML if html else None
            result = await patiently(
                lambda: message.edit_text(
                    _fit(text, html, MAX_TEXT), reply_markup=markup, parse_mode=parse_mode
                )
            )
            return result if isinstance(result, Message) else None
        except BadRequest as exc:
            if "not modified" in str(exc):
                return query.message
    return await send(update, context, text, markup, html=html)


# Whether the press being handled was answered already (set per handler call by `answers_press`),
# so that a handler which answers early (a toast, or before a long job) is not answered twice.
_answered: ContextVar[bool] = ContextVar("press_answered", default=False)


async def answer(update: Update, text: str | None = None, alert: bool = False) -> None:
    """Answer a button press (stops the spinner); harmless when the query is already answered."""
    if update.callback_query is not None:
        _answered.set(True)
        with contextlib.suppress(BadRequest):
            await update.callback_query.answer(_fit_alert(text), show_alert=alert)


def _fit(text: str, html: bool, limit: int) -> str:
    """Right-to-left marks for a Dari or Pashto text, unless they would push it past `limit`."""
    marked = rtl_safe(text, html=html)
    return marked if len(marked) <= limit else text


def _fit_alert(text: str | None) -> str | None:
    return None if text is None else _fit(text, False, MAX_ALERT)


def answers_press(func: PressCallback) -> Callback:
    """Answer the button press once the handler is done: stop the spinner, showing the text the
    handler returns as an alert; nothing more when the handler answered it itself. Updates that are
    not presses pass through."""

    @wraps(func)
    async def wrapper(update: Update, context: KhabarContext) -> None:
        if update.callback_query is None:
            await func(update, context)
            return
        token = _answered.set(False)
        try:
            text = await func(update, context)
            if not _answered.get():
                await answer(update, text, alert=text is not None)
        finally:
            _answered.reset(token)

    return wrapper


def requires(role: Role) -> Callable[[PressCallback], Callback]:
    """Refuse a command or button press from anyone below `role`, whatever the button showed. A
    press is answered as `answers_press` does."""

    def decorate(func: PressCallback) -> Callback:
        @answers_press
        @wraps(func)
        async def wrapper(update: Update, context: KhabarContext) -> str | None:
            if not context.role.at_least(role):
                log.warning(
                    "refused %s for user %s (role %s, needs %s)",
                    func.__name__,
                    pseudonym(update.effective_user and update.effective_user.id),
                    context.role,
                    role,
                )
                text = _("You don't have permission to do that.")
                if update.callback_query:
                    return text
                await send(update, context, text)
                return None
            return await func(update, context)

        return wrapper

    return decorate
