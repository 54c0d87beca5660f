"""/wipe and /settings: a reporter's safety controls over what stays in the chat."""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import accounts, chat_log
from bot.i18n import _, ngettext
from bot.localize import format_number
from bot.roles import Role
from bot.runtime.context import KhabarApp, KhabarContext
from handlers.callbacks import WipeSetting
from handlers.common import answer, edit_or_send, requires, send

log = logging.getLogger(__name__)

# Telegram lets a bot delete messages of a private chat, both sides, for 48 hours.
WIPE_WINDOW = timedelta(hours=48)
BATCH = 100  # deleteMessages takes at most 100 ids


async def delete_conversation(context: KhabarContext, chat_id: int, *, from_id: int | None = None) -> int:
    """Delete the logged messages of the last 48 hours (from message `from_id` on, when given) on
    both sides, then forget their ids. Returns how many were asked to be deleted."""
    since = datetime.now(UTC) - WIPE_WINDOW
    async with context.services.db.session() as session:
        ids = await chat_log.since(session, chat_id, since)
    ids = [i for i in ids if from_id is None or i >= from_id]
    for start in range(0, len(ids), BATCH):
        # Some may be gone already (deleted by the user); the rest of the batch is still deleted.
        with contextlib.suppress(TelegramError):
            await context.bot.delete_messages(chat_id, ids[start : start + BATCH])
    async with context.services.db.session() as session:
        await chat_log.forget(session, chat_id, ids)
    log.info("wiped %d messages in chat %s", len(ids), chat_id)
    return len(ids)


@requires(Role.REPORTER)
async def wipe_command(update: Update, context: KhabarContext) -> None:
    chat, account = update.effective_chat, context.account
    assert chat is not None and account is not None
    async with context.services.db.session() as session:
        had_draft = await accounts.discard_draft(session, account.id)
    count = await delete_conversation(context, chat.id)
    text = ngettext(
        "{n} message was deleted from this chat.", "{n} messages were deleted from this chat.", count
    ).format(n=format_number(count))
    if had_draft:
        text += "\n" + _("Your unfinished report was discarded.")
    await send(update, context, text)


def _wipe_on(setting: bool | None, default: bool) -> bool:
    return default if setting is None else setting


def _settings_screen(on: bool) -> tuple[str, InlineKeyboardMarkup]:
    state = _("On") if on else _("Off")
    text = _("Delete the report conversation from this chat after each report is sent: {state}").format(
        state=state
    )
    label = _("Turn off") if on else _("Turn on")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=WipeSetting(not on).pack())]])
    return text, markup


@requires(Role.REPORTER)
async def settings_command(update: Update, context: KhabarContext) -> None:
    assert context.account is not None
    on = _wipe_on(context.account.wipe_after_submit, context.services.settings.wipe_after_submit)
    text, markup = _settings_screen(on)
    await send(update, context, text, markup)


@requires(Role.REPORTER)
async def settings_button(update: Update, context: KhabarContext) -> None:
    query = update.callback_query
    assert query is not None and context.account is not None
    press = WipeSetting.parse(query.data)
    if press is None:
        await answer(update, _("This button is no longer valid. Send /help to start again."), alert=True)
        return
    async with context.services.db.session() as session:
        account = await accounts.set_wipe_after_submit(session, context.account.id, press.on)
    context.account = account
    await answer(update, _("Saved."))
    text, markup = _settings_screen(press.on)
    await edit_or_send(update, context, text, markup)


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("wipe", wipe_command))
    app.add_handler(CommandHandler("settings", settings_command))
    app.add_handler(CallbackQueryHandler(settings_button, pattern=WipeSetting.pattern()))
