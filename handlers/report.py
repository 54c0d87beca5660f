"""/report, /myreports, /back, /skip, /cancel and every answer of the report conversation.

Thin: parse the update, let `bot.intake.flow.Intake` apply it to the draft (committed before replying),
render the screens it returns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import crashpoint
from bot.forms.types.base import Media
from bot.intake.flow import Intake
from bot.intake.guard import Input
from bot.intake.screens import Outcome, Screen
from bot.roles import Role
from bot.runtime.context import KhabarApp, KhabarContext
from handlers.callbacks import ReportPress
from handlers.common import answer, edit_or_send, requires, send
from handlers.fallback import stray_message
from handlers.quick import file_quick_report
from handlers.wipe import delete_conversation

# Users who have talked to the report flow since this process started; a message from anyone else
# with a draft (after a restart) first gets "continue / discard" instead of being applied blindly.
_SEEN = "intake_seen_users"
# Media kinds besides photos that reach the walker (refused where no question takes them).
MEDIA_KINDS = ("voice", "video", "video_note", "audio", "document")


def _keyboard(screen: Screen) -> InlineKeyboardMarkup | None:
    if not screen.rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=ReportPress.of(b.press).pack()) for b in row]
            for row in screen.rows
        ]
    )


def seen_reporters(context: KhabarContext) -> set[int]:
    """The users this process's report flow already knows (see `_SEEN`)."""
    seen: set[int] = context.application.bot_data.setdefault(_SEEN, set())
    return seen


def _input(
    context: KhabarContext, kind: str, message_id: int | None = None, press_id: str | None = None
) -> Input:
    assert context.account is not None
    fresh = context.account.id not in seen_reporters(context)
    return Input(kind, message_id, press_id, fresh)


def _media(message: Message) -> Media | None:
    if message.photo:
        largest = message.photo[-1]
        return Media("photo", largest.file_id, largest.file_unique_id)
    for kind in MEDIA_KINDS:
        item = getattr(message, kind)
        if item is not None:
            return Media(kind, item.file_id, item.file_unique_id)
    return None


async def _run(
    update: Update,
    context: KhabarContext,
    action: Callable[[Intake], Awaitable[Outcome]],
    kind: str | None = None,
) -> Outcome:
    """Apply one event to the draft in one transaction, then render the outcome. `kind`: the input
    kind, for the test-only crash point between the commit and the reply."""
    account = context.account
    assert account is not None
    services = context.services
    gazetteer = services.places
    async with services.db.session() as session:
        intake = Intake(
            session,
            account,
            gazetteer,
            now=datetime.now(UTC),
            tz=services.settings.tz,
            wipe_default=services.settings.wipe_after_submit,
        )
        outcome = await action(intake)
    if kind is not None:
        crashpoint.after_commit(kind)
        if not outcome.replayed and context.account is not None:
            # A replayed input leaves the user unseen: what they send next may be that input again.
            seen_reporters(context).add(context.account.id)
    if outcome.no_draft:
        return outcome
    if update.callback_query is not None:
        await answer(update, outcome.alert, alert=outcome.show_alert)
    chat = update.effective_chat
    if outcome.wipe_from is not None and chat is not None:
        await delete_conversation(context, chat.id, from_id=outcome.wipe_from)
    for screen in outcome.screens:
        if screen.edit and update.callback_query is not None and outcome.wipe_from is None:
            await edit_or_send(update, context, screen.text, _keyboard(screen))
        else:
            await send(update, context, screen.text, _keyboard(screen))
    return outcome


@requires(Role.REPORTER)
async def report_command(update: Update, context: KhabarContext) -> None:
    message_id = update.message.message_id if update.message else None
    await _run(update, context, lambda intake: intake.begin(message_id), "report")


@requires(Role.REPORTER)
async def flow_command(update: Update, context: KhabarContext) -> None:
    """/back, /skip and /cancel."""
    assert update.message is not None
    command = (update.message.text or "/").split()[0][1:].split("@")[0].lower()
    inp = _input(context, command, update.message.message_id)
    await _run(update, context, lambda intake: intake.on_command(inp), command)


@requires(Role.REPORTER)
async def my_reports(update: Update, context: KhabarContext) -> None:
    async def action(intake: Intake) -> Outcome:
        return Outcome([await intake.my_reports()])

    await _run(update, context, action)


@requires(Role.REPORTER)
async def report_button(update: Update, context: KhabarContext) -> None:
    query = update.callback_query
    assert query is not None
    press = ReportPress.parse(query.data)
    inp = _input(context, "button", press_id=query.id)
    await _run(update, context, lambda intake: intake.on_button(inp, press), "button")


@requires(Role.REPORTER)
async def report_message(update: Update, context: KhabarContext) -> None:
    message = update.message
    assert message is not None
    action: Callable[[Intake], Awaitable[Outcome]]
    media = _media(message)
    if media is not None:
        inp = _input(context, media.kind, message.message_id)
        action = lambda intake: intake.on_media(inp, media)  # noqa: E731
    elif message.location:
        lat, lon = message.location.latitude, message.location.longitude
        inp = _input(context, "location", message.message_id)
        action = lambda intake: intake.on_location(inp, lat, lon)  # noqa: E731
    else:
        text = message.text or ""
        inp = _input(context, "text", message.message_id)
        action = lambda intake: intake.on_text(inp, text)  # noqa: E731
    outcome = await _run(update, context, action, inp.kind)
    if outcome.no_draft and not (message.text is None and await file_quick_report(update, context)):
        await stray_message(update, context)


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("report", report_command))
    app.add_handler(CommandHandler("myreports", my_reports))
    app.add_handler(CommandHandler(["back", "skip", "cancel"], flow_command))
    app.add_handler(CallbackQueryHandler(report_button, pattern=ReportPress.pattern()))
    app.add_handler(
        MessageHandler(
            (filters.TEXT & ~filters.COMMAND)
            | filters.PHOTO
            | filters.VOICE
            | filters.VIDEO
            | filters.VIDEO_NOTE
            | filters.AUDIO
            | filters.Document.ALL
            | filters.LOCATION,
            report_message,
        )
    )
