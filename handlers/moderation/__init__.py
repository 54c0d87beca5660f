"""The review queue (a package: views, queue, decisions, prompts, history): /pending cards and their
buttons, typed replies to prompts, /history (the job that tells moderators about new reports is in
bot.runtime.jobs).

Typed input (a reason, a question, a reference, a new value, the reporter's answer) is asked with a
ForceReply prompt remembered in the database by its message id, so it survives restarts and a reply
always lands on the report it was asked for.
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import moderation
from bot.runtime.context import KhabarApp
from handlers.callbacks import ModerationPress
from handlers.common import start_payload
from handlers.moderation.history import history_command
from handlers.moderation.prompts import PromptReply, answer_link, on_reply
from handlers.moderation.queue import on_button, pending_command


def register_deep_link(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("start", answer_link, start_payload(moderation.ANSWER_PREFIX)))


def register(app: KhabarApp) -> None:
    # The reply handler must come before the report conversation's catch-all for text.
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & PromptReply(), on_reply))
    app.add_handler(CommandHandler("pending", pending_command))
    app.add_handler(CommandHandler("history", history_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=ModerationPress.pattern()))
