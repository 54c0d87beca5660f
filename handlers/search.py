"""/search [words]: recent approved reports for coordinators, rendered as in their digests."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update
from telegram.ext import CommandHandler

from bot import search
from bot.i18n import _
from bot.localize import format_number
from bot.report_blocks import report_block
from bot.roles import Role
from bot.runtime.context import KhabarApp, KhabarContext
from handlers.common import requires, send


@requires(Role.COORDINATOR)
async def search_command(update: Update, context: KhabarContext) -> None:
    words = " ".join(context.args or [])
    async with context.services.db.session() as session:
        found = await search.search(session, words, datetime.now(UTC))
    days = format_number(search.SEARCH_DAYS)
    if not found:
        text = (
            _("No approved report of the last {days} days matches “{words}”.").format(days=days, words=words)
            if words
            else _("No reports were approved in the last {days} days.").format(days=days)
        )
        await send(
            update, context, text + "\n" + _("Search with words, for example: /search Kandahar clinic")
        )
        return
    heading = (
        _("Approved reports of the last {days} days matching “{words}”, newest first:").format(
            days=days, words=words
        )
        if words
        else _("Approved reports of the last {days} days, newest first:").format(days=days)
    )
    await send(update, context, "\n\n".join([heading, *(report_block(r) for r in found)]))


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("search", search_command))
