"""Completing a quick report from its card: the moderator sets its category (then its date and
place with Edit an answer); approval waits until it is complete."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import InlineKeyboardMarkup, Update

from bot.forms.engine import categories
from bot.i18n import _
from bot.localize import isolate
from bot.moderation import Outcome, Report, set_category
from bot.quick import QUICK, incomplete
from bot.runtime.context import KhabarContext
from handlers.callbacks import ModerationAction as A
from handlers.callbacks import ModerationPress as Press
from handlers.common import answer, edit_or_send
from handlers.moderation.views import _button, _show_card, _stale


async def category_step(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    if report.category != QUICK:
        await _stale(update, context, press, report)
        return
    rows = [[_button(_(form.title), A.SET_CATEGORY, report, n)] for n, form in enumerate(categories())]
    rows.append([_button(_("Back"), A.CARD, report)])
    text = _("Quick report {ref}: which category is it?").format(ref=isolate(report.reference))
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def set_category_press(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    listed = categories()
    if not press.args or press.args[0] >= len(listed) or report.id is None:
        await _stale(update, context, press, report)
        return
    assert context.account is not None
    async with context.services.db.session() as session:
        result = await set_category(
            session,
            report_id=report.id,
            version=press.version,
            actor_id=context.account.id,
            category=listed[press.args[0]].code,
            now=datetime.now(UTC),
        )
    if result.outcome is not Outcome.DONE:
        await _stale(update, context, press, result.report)
        return
    await answer(update, _("Category set. Now complete the date and place."))
    await _show_card(update, context, report.id)


async def refuse_incomplete(update: Update, report: Report) -> bool:
    """Alert on Approve for a report not yet complete; True when refused."""
    missing = incomplete(report)
    if missing is not None:
        await answer(update, missing, alert=True)
    return missing is not None
