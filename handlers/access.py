"""Group -1: load the caller, set the locale, refuse replays, blocked users and strangers.

Runs before every feature handler, so no update reaches a feature without an account and a locale.
Features still check their own least role on every command and button (`handlers.common.requires`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot import accounts, chat_log
from bot.i18n import N_, _, set_locale
from bot.languages import guess_language
from bot.roles import Role
from bot.runtime.context import KhabarApp, KhabarContext
from domain.vocabulary import UserStatus
from handlers.callbacks import LanguagePick
from handlers.common import answer, send
from handlers.report import seen_reporters

log = logging.getLogger(__name__)

PUBLIC_COMMANDS = frozenset({"start", "help", "language", "wipe"})
REFUSAL_PERIOD = timedelta(hours=24)
# What a blocked person may still do: delete what the bot put in their own chat.
SAFETY_COMMANDS = frozenset({"wipe"})
PUBLIC_CALLBACK_PREFIXES = (LanguagePick.prefix + ":",)
# Also the stranger's /help and /start: the same words whatever a stranger tries, revealing nothing.
NO_ACCESS = N_(
    "This bot is for registered humanitarian field teams. To get access, ask your "
    "coordinator for an invite link, then open it or send /start with the invite code."
)


def _command(update: Update) -> str | None:
    message = update.effective_message
    text = message.text if message and message.text else ""
    if update.callback_query is None and text.startswith("/") and len(text) > 1:
        return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower()
    return None


def _is_public(update: Update) -> bool:
    if update.callback_query is not None:
        return (update.callback_query.data or "").startswith(PUBLIC_CALLBACK_PREFIXES)
    return _command(update) in PUBLIC_COMMANDS


async def load_account(update: Update, context: KhabarContext) -> None:
    tg_user = update.effective_user
    chat = update.effective_chat
    if tg_user is None or tg_user.is_bot or (chat is not None and chat.type != "private"):
        # Khabar works in private chats only; group traffic is ignored without a word.
        raise ApplicationHandlerStop
    services = context.services
    # Every update: a read and the incoming message's id, each standing alone, without a session.
    account = await accounts.load_caller(
        services.db,
        tg_user.id,
        tg_user.first_name or "",
        admin=tg_user.id in services.settings.admin_ids,
        update_id=update.update_id,
    )
    if account is None:
        log.info("replayed update %s ignored", update.update_id)
        raise ApplicationHandlerStop
    if update.message is not None:
        await chat_log.record_received(services.db, update.message.chat_id, update.message.message_id)
    await _seen_on_another_replica(context, account.id)
    context.account = account
    set_locale(account.language or guess_language(tg_user.language_code, services.settings.default_language))
    if account.status == UserStatus.BLOCKED and _command(update) not in SAFETY_COMMANDS:
        await _refuse(
            update, context, _("Your access to this bot has been suspended. Contact your coordinator.")
        )
    if context.role == Role.STRANGER and not _is_public(update):
        await _refuse(update, context, _(NO_ACCESS))


async def _seen_on_another_replica(context: KhabarContext, user_id: int) -> None:
    """The report flow asks "continue or discard?" of a reporter this process has not served since
    it started (back after a restart). With replicas, the reporter's previous update may have been
    served by another one since this one started: then it is no restart, and they are known here."""
    seen = seen_reporters(context)
    if user_id not in seen and await accounts.draft_touched_since(
        context.services.db, user_id, context.services.started_at
    ):
        seen.add(user_id)


async def _refuse(update: Update, context: KhabarContext, text: str) -> None:
    """One refusal per REFUSAL_PERIOD; the rest of the period's messages get none (no answer to
    farm, no share of the send budget; review finding 14). Always stops the update."""
    account = context.account
    assert account is not None
    now = datetime.now(UTC)
    if update.callback_query is not None:
        await answer(update, text, alert=True)  # a pressed button always wants its spinner stopped
    elif account.refused_at is None or now - account.refused_at >= REFUSAL_PERIOD:
        async with context.services.db.session() as session:
            await accounts.mark_refused(session, account.id, now)
        await send(update, context, text)
    raise ApplicationHandlerStop


def register(app: KhabarApp) -> None:
    app.add_handler(TypeHandler(Update, load_account), group=-1)
