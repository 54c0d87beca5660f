"""/report, /myreports, /back, /skip, /cancel and every answer of the report conversation.

Thin: parse the update, let `bot.intake.flow.Intake` apply it to the draft (committed before replying),
render the screens it returns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.intake.flow import Intake
from bot.intake.screens import Outcome, Screen
from bot.roles import Role
from bot.runtime.context import KhabarApp, KhabarContext
from handlers.common import answer, edit_or_send, requires, send
from handlers.fallback import stray_message
from handlers.quick import file_quick_report
from handlers.wipe import delete_conversation

# Users who have talked to the report flow since this process started; a message from anyone else
# with a draft (after a restart) first gets "continue / discard" instead of being applied blindly.
_SEEN = "intake_seen_users"


def _keyboard(screen: Screen) -> InlineKeyboardMarkup | None:
    if not screen.rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in screen.rows]
    )


def _fresh(context: KhabarContext, user_id: int) -> bool:
    seen: set[int] = context.application.bot_data.setdefault(_SEEN, set())
    fresh = user_id not in seen
    seen.add(user_id)
    return fresh


async def _run(
    update: Update, context: KhabarContext, action: Callable[[Intake], Awaitable[Outcome]]
) -> Outcome:
    """Apply one event to the draft in one transaction, then render the outcome."""
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
    assert context.account is not None
    _fresh(context, context.account.id)
    message_id = update.message.message_id if update.message else None
    await _run(update, context, lambda intake: intake.begin(message_id))


@requires(Role.REPORTER)
async def flow_command(update: Update, context: KhabarContext) -> None:
    """/back, /skip and /cancel."""
    assert context.account is not None and update.message is not None
    _fresh(context, context.account.id)
    command = (update.message.text or "/").split()[0][1:].split("@")[0].lower()
    await _run(update, context, lambda intake: intake.on_command(command))


@requires(Role.REPORTER)
async def my_reports(update: Update, context: KhabarContext) -> None:
    async def action(intake: Intake) -> Outcome:
        return Outcome([await intake.my_reports()])

    await _run(update, context, action)


@requires(Role.REPORTER)
async def report_button(update: Update, context: KhabarContext) -> None:
    query = update.callback_query
    assert query is not None and context.account is not None
    _fresh(context, context.account.id)
    data = query.data or ""
    await _run(update, context, lambda intake: intake.on_button(data))


@requires(Role.REPORTER)
async def report_message(update: Update, context: KhabarContext) -> None:
    message = update.message
    assert message is not None and context.account is not None
    fresh = _fresh(context, context.account.id)
    action: Callable[[Intake], Awaitable[Outcome]]
    if message.photo:
        file_id = message.photo[-1].file_id
        action = lambda intake: intake.on_media(message.message_id, "photo", file_id, fresh=fresh)  # noqa: E731
    elif message.voice:
        voice_id = message.voice.file_id
        action = lambda intake: intake.on_media(message.message_id, "voice", voice_id, fresh=fresh)  # noqa: E731
    elif message.location:
        lat, lon = message.location.latitude, message.location.longitude
        action = lambda intake: intake.on_location(message.message_id, lat, lon, fresh=fresh)  # noqa: E731
    else:
        text = message.text or ""
        action = lambda intake: intake.on_text(message.message_id, text, fresh=fresh)  # noqa: E731
    outcome = await _run(update, context, action)
    if outcome.no_draft and not (message.text is None and await file_quick_report(update, context)):
        await stray_message(update, context)


def register(app: KhabarApp) -> None:
    app.add_handler(CommandHandler("report", report_command))
    app.add_handler(CommandHandler("myreports", my_reports))
    app.add_handler(CommandHandler(["back", "skip", "cancel"], flow_command))
    app.add_handler(CallbackQueryHandler(report_button, pattern=r"^rep:"))
    app.add_handler(
        MessageHandler(
            (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.VOICE | filters.LOCATION,
            report_message,
        )
    )
