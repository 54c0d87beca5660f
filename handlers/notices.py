"""What a short reporter notice links to: the rejection reason, shown only inside the bot."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot import moderation
from bot.i18n import _
from bot.localize import isolate
from bot.runtime.context import KhabarApp, KhabarContext
from handlers.common import send, start_payload


def register_deep_link(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("start", start_reason, start_payload(moderation.REASON_PREFIX)))


async def start_reason(update: Update, context: KhabarContext) -> None:
    """/start reason-R-…: the reporter reads why their own report was not accepted."""
    assert context.account is not None and context.args
    argument = context.args[0]
    reference = argument.removeprefix(moderation.REASON_PREFIX)
    async with context.services.db.session() as session:
        reason = await moderation.rejection_reason(
            session, reporter_id=context.account.id, reference=reference
        )
    if reason is None:
        await send(update, context, _("This link is not valid for you. Send /myreports to see your reports."))
        return
    text = _("Your report {ref} was not accepted. Reason: {reason}").format(
        ref=isolate(moderation.normalize_reference(reference) or reference), reason=reason
    )
    await send(update, context, text)
