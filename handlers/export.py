"""/export for admins: choose a period and a format by buttons, receive the file.

The file is the same one the export API and `khabar export` produce (`bot.exports`).
Callback data: `export:p:<period>` then `export:f:<period>:<format>`; both parts are validated.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.exports import ExportError, ExportFormat, ExportStream, audit_export, filename, period_filter
from bot.i18n import N_, _, ngettext
from bot.localize import format_number, local_digits
from bot.pseudonyms import pseudonym
from bot.roles import Role
from bot.runtime.context import KhabarApp, KhabarContext
from handlers.callbacks import ExportPeriod, ExportPick
from handlers.common import answer, edit_or_send, post, requires, send

log = logging.getLogger(__name__)

# Bots may upload up to 50 MB; larger exports go through the API or the command line.
MAX_UPLOAD = 49 * 1024 * 1024

PERIOD_LABELS = {"7": N_("Last {days} days"), "30": N_("Last {days} days"), "all": N_("All approved reports")}
FORMAT_LABELS = {
    ExportFormat.HXL: N_("HXL (CSV with hashtags)"),
    ExportFormat.CSV: N_("CSV"),
    ExportFormat.GEOJSON: N_("GeoJSON (maps)"),
    ExportFormat.JSON: N_("JSON"),
}


def _period_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _(label).format(days=local_digits(key)), callback_data=ExportPeriod(key).pack()
                )
            ]
            for key, label in PERIOD_LABELS.items()
        ]
    )


def _format_keyboard(period: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_(label), callback_data=ExportPick(period, fmt).pack())]
            for fmt, label in FORMAT_LABELS.items()
        ]
    )


@requires(Role.ADMIN)
async def export_command(update: Update, context: KhabarContext) -> None:
    await send(update, context, _("Export approved reports. Which period?"), _period_keyboard())


@requires(Role.ADMIN)
async def export_button(update: Update, context: KhabarContext) -> None:
    query = update.callback_query
    assert query is not None
    if period := ExportPeriod.parse(query.data):
        await edit_or_send(update, context, _("Which format?"), _format_keyboard(period.period))
        return
    if pick := ExportPick.parse(query.data):
        await answer(update)  # now: the export may take longer than Telegram waits
        await _send_export(update, context, pick.period, pick.format)
        return
    # A forged or outdated button: say so and offer a fresh start.
    await answer(update, _("This button is no longer valid. Send /export to start again."), alert=True)


async def _send_export(update: Update, context: KhabarContext, period: str, fmt: ExportFormat) -> None:
    chat = update.effective_chat
    assert chat is not None
    settings = context.services.settings
    now = datetime.now(settings.tz)
    try:
        filters = period_filter(period, now.date())
    except ExportError:
        await edit_or_send(update, context, _("This button is no longer valid. Send /export to start again."))
        return
    await edit_or_send(update, context, _("Preparing the export…"))
    stream = ExportStream(context.services.db, fmt, filters)
    # PTB reads an upload into memory anyway; stop early rather than build a file Telegram refuses.
    content = io.BytesIO()
    async for chunk in stream:
        content.write(chunk.encode("utf-8"))
        if content.tell() > MAX_UPLOAD:
            await edit_or_send(
                update,
                context,
                _("The export is too large to send here. Ask the operator for an export API token."),
            )
            return
    log.info("export in chat by user %s: %s, %d reports", pseudonym(chat.id), fmt.value, stream.count)
    assert context.account is not None
    await audit_export(
        context.services.db,
        via="chat",
        actor_id=context.account.id,
        fmt=fmt,
        filters=filters,
        count=stream.count,
    )
    caption = ngettext("{count} approved report", "{count} approved reports", stream.count).format(
        count=format_number(stream.count)
    )
    await post(
        context,
        chat,
        lambda: context.bot.send_document(
            chat.id, content.getvalue(), filename=filename(fmt, now), caption=caption, protect_content=True
        ),
    )
    await edit_or_send(update, context, _("Export ready."))


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("export", export_command))
    app.add_handler(CallbackQueryHandler(export_button, pattern=ExportPeriod.pattern()))
