"""/wipe and /settings: a reporter's safety controls over what stays in the chat."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import accounts, chat_log
from bot.i18n import _, ngettext
from bot.localize import format_number
from bot.pseudonyms import pseudonym
from bot.roles import Role
from bot.runtime.context import KhabarApp, KhabarContext
from handlers.callbacks import WipeSetting
from handlers.common import answer, edit_or_send, requires, send

log = logging.getLogger(__name__)

# Telegram lets a bot delete messages of a private chat, both sides, for 48 hours.
WIPE_WINDOW = timedelta(hours=48)
BATCH = 100  # deleteMessages takes at most 100 ids


@dataclass(frozen=True)
class Wiped:
    deleted: int  # gone from the chat, as far as Telegram said
    kept: int  # Telegram refused (older than 48 hours): the person has to delete these


async def _delete_batch(context: KhabarContext, chat_id: int, ids: list[int]) -> int:
    """Delete `ids` with one deleteMessages; when Telegram refuses the batch, one by one, counting
    only what it accepted."""
    try:
        await context.bot.delete_messages(chat_id, ids)
        return len(ids)
    except TelegramError:
        pass
    deleted = 0
    for message_id in ids:
        try:
            await context.bot.delete_message(chat_id, message_id)
            deleted += 1
        except TelegramError as exc:
            if "not found" in str(exc):  # already gone (the person deleted it)
                deleted += 1
    return deleted


async def delete_conversation(context: KhabarContext, chat_id: int, *, from_id: int | None = None) -> Wiped:
    """Delete the logged messages (from message `from_id` on, when given) on both sides, then forget
    their ids, including those Telegram no longer lets a bot delete."""
    since = datetime.now(UTC) - WIPE_WINDOW
    logged = await chat_log.of_chat(context.services.db, chat_id)
    logged = [(i, at) for i, at in logged if from_id is None or i >= from_id]
    fresh = [i for i, at in logged if at >= since]
    deleted = 0
    for start in range(0, len(fresh), BATCH):
        deleted += await _delete_batch(context, chat_id, fresh[start : start + BATCH])
    await chat_log.forget(context.services.db, chat_id, [i for i, _at in logged])
    wiped = Wiped(deleted=deleted, kept=len(logged) - deleted)
    log.info(
        "wiped %d messages in chat %s (%d could not be deleted)",
        wiped.deleted,
        pseudonym(chat_id),
        wiped.kept,
    )
    return wiped


def wipe_text(wiped: Wiped) -> str:
    text = ngettext(
        "{n} message was deleted from this chat.", "{n} messages were deleted from this chat.", wiped.deleted
    ).format(n=format_number(wiped.deleted))
    if wiped.kept:
        text += "\n" + ngettext(
            "{n} older message could not be deleted: Telegram lets a bot delete messages only for "
            "{hours} hours. Please delete it yourself.",
            "{n} older messages could not be deleted: Telegram lets a bot delete messages only for "
            "{hours} hours. Please delete them yourself.",
            wiped.kept,
        ).format(n=format_number(wiped.kept), hours=format_number(WIPE_WINDOW // timedelta(hours=1)))
    return text


async def wipe_command(update: Update, context: KhabarContext) -> None:
    """Anyone's, whatever their role or status (blocked, revoked, a stranger): it touches only their
    own chat and their own unfinished drafts."""
    chat, account = update.effective_chat, context.account
    assert chat is not None and account is not None
    async with context.services.db.session() as session:
        had_draft = await accounts.discard_drafts(session, account.id)
    text = wipe_text(await delete_conversation(context, chat.id))
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
