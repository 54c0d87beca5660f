"""/digest_now: an admin sends digests at once, their own or one subscription's by number (the
numbers are listed by /subscriptions for an admin)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.i18n import _, ngettext
from bot.localize import format_number, parse_int
from bot.roles import Role
from bot.runtime.context import KhabarApp, KhabarContext
from bot.scheduler import send_now
from bot.subscriptions import utcnow
from handlers.common import requires, send


@requires(Role.ADMIN)
async def digest_now(update: Update, context: KhabarContext) -> None:
    assert context.account is not None
    db, max_parts = context.services.db, context.services.settings.digest_max_parts
    args = context.args or []
    if args:
        sub_id = parse_int(args[0])
        if sub_id is None or len(args) > 1:
            await send(
                update, context, _("Send /digest_now, or /digest_now followed by a subscription number.")
            )
            return
        async with db.session() as session:
            result = await send_now(session, utcnow(), subscription_ids=[sub_id], max_parts=max_parts)
        if not result.digests:
            await send(update, context, _("There is no active subscription with that number."))
            return
    else:
        async with db.session() as session:
            result = await send_now(session, utcnow(), user_id=context.account.id, max_parts=max_parts)
        if not result.digests:
            await send(
                update,
                context,
                _(
                    "You have no active subscriptions. Send /subscribe, "
                    "or /digest_now followed by a subscription number."
                ),
            )
            return
    await send(
        update,
        context,
        ngettext(
            "Digest queued: {count} message, sent within moments.",
            "Digest queued: {count} messages, sent within moments.",
            result.messages,
        ).format(count=format_number(result.messages)),
    )


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("digest_now", digest_now))
