"""Quick reports: a voice note, a photo (or an album), a location, or `/quick <text>`, sent with no
report in progress, is a report at once; the reporter gets its reference."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update
from telegram.ext import CommandHandler

from bot import quick
from bot.i18n import _
from bot.localize import isolate
from bot.roles import Role
from bot.runtime.context import KhabarApp, KhabarContext
from handlers.common import requires, send


async def file_quick_report(update: Update, context: KhabarContext, text: str | None = None) -> bool:
    """File the message as a quick report; False when it carries nothing to report."""
    message, account = update.message, context.account
    if message is None or account is None:
        return False
    media: tuple[str, str] | None = None
    if message.voice:
        media = ("voice", message.voice.file_id)
    elif message.photo:
        media = ("photo", message.photo[-1].file_id)
    location = (message.location.latitude, message.location.longitude) if message.location else None
    text = text if text is not None else message.caption
    if media is None and location is None and not text:
        return False
    now = datetime.now(UTC)
    async with context.services.db.session() as session:
        reference, new = await quick.file_quick(
            session,
            account,
            now,
            now.astimezone(context.services.settings.tz).year,
            text=text,
            media=media,
            location=location,
            album=message.media_group_id,
        )
    if new:  # the later photos of an album join the report silently
        await send(
            update,
            context,
            _(
                "Thank you. Your quick report was sent as {ref}. A moderator will complete and review it."
            ).format(ref=isolate(reference)),
        )
    return True


@requires(Role.REPORTER)
async def quick_command(update: Update, context: KhabarContext) -> None:
    text = " ".join(context.args or []).strip()
    if not text or not await file_quick_report(update, context, text):
        await send(
            update,
            context,
            _("Send /quick followed by what happened, or just send a voice note, a photo or a location."),
        )


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("quick", quick_command))
