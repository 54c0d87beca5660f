"""What a short reporter notice links to: the rejection reason, shown only inside the bot."""

from __future__ import annotations

from telegram import Update

from bot import moderation
from bot.context import KhabarContext
from bot.i18n import _
from bot.localize import isolate
from handlers.common import send


async def start_reason(update: Update, context: KhabarContext, argument: str) -> bool:
    """/start reason-R-…: the reporter reads why their own report was not accepted."""
    assert context.account is not None
    reference = argument.removeprefix(moderation.REASON_PREFIX)
    async with context.services.db.session() as session:
        reason = await moderation.rejection_reason(
            session, reporter_id=context.account.id, reference=reference
        )
    if reason is None:
        await send(update, context, _("This link is not valid for you. Send /myreports to see your reports."))
        return True
    text = _("Your report {ref} was not accepted. Reason: {reason}").format(
        ref=isolate(moderation.normalize_reference(reference) or reference), reason=reason
    )
    await send(update, context, text)
    return True
