"""/erase (an admin forgets one person) and the hourly retention purge."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import Update
from telegram.ext import CommandHandler

from bot import retention
from bot.i18n import _
from bot.localize import format_number, isolate, parse_int
from bot.pseudonyms import pseudonym
from bot.roles import Role
from bot.runtime.context import KhabarApp, KhabarContext
from handlers.common import requires, send

log = logging.getLogger(__name__)


@requires(Role.ADMIN)
async def erase_command(update: Update, context: KhabarContext) -> None:
    args = context.args or []
    user_id = parse_int(args[0]) if len(args) == 1 else None
    assert context.account is not None
    if user_id is None:
        await send(update, context, _("Usage: /erase <telegram id>"))
        return
    if user_id == context.account.id or user_id in context.services.settings.admin_ids:
        await send(update, context, _("You cannot erase yourself or an admin named in the configuration."))
        return
    async with context.services.db.session() as session:
        counts = await retention.erase_person(
            session, user_id=user_id, actor_id=context.account.id, now=datetime.now(UTC)
        )
    log.info("user %s erased", pseudonym(user_id))
    text = _(
        "Everything kept about user {id} was erased. Their {reports} reports stay, with no link to them."
    ).format(id=isolate(str(user_id)), reports=format_number(counts["reports"]))
    await send(update, context, text)


async def purge_job(context: KhabarContext) -> None:
    services = context.services
    purged = await retention.purge(services.db, services.settings, datetime.now(UTC))
    if purged.total:
        log.info("retention purge: %s", ", ".join(f"{k} {v}" for k, v in purged.counts.items() if v))


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("erase", erase_command))
    if app.bot_data["services"].settings.background_jobs and app.job_queue is not None:
        app.job_queue.run_repeating(
            purge_job, interval=retention.PURGE_EVERY_SECONDS, first=60, name="retention-purge"
        )
