"""/pending and the dispatch of every card button to its step (handlers.callbacks.ModerationPress).

None of the data is trusted: every press re-checks the role, looks the report up and compares the
version, so a forged, replayed or outdated button is refused politely and logged by id.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot import moderation
from bot.i18n import _
from bot.pseudonyms import pseudonym
from bot.roles import Role
from bot.runtime.context import KhabarContext
from handlers.callbacks import ModerationAction as A
from handlers.callbacks import ModerationPress as Press
from handlers.common import requires
from handlers.moderation import complete
from handlers.moderation.decisions import (
    _approve,
    _approve_step,
    _certainty_step,
    _duplicate_step,
    _edit_choice,
    _edit_field_step,
    _edit_step,
    _merge_button,
    _reject_preset,
    _reject_step,
    _release_location,
    _sensitive_step,
    _toggle_sensitive,
)
from handlers.moderation.prompts import _prompt_step
from handlers.moderation.views import _refuse, _show_card, _show_next, _stale

log = logging.getLogger(__name__)


@requires(Role.MODERATOR)
async def pending_command(update: Update, context: KhabarContext) -> None:
    await _show_next(update, context, None, fresh=True)


@requires(Role.MODERATOR)
async def on_button(update: Update, context: KhabarContext) -> None:
    query = update.callback_query
    assert query is not None and context.account is not None
    press = Press.parse(query.data)
    if press is None:
        log.warning("malformed moderation callback from user %s", pseudonym(context.account.id))
        await _refuse(update, context, _("This button is no longer valid. Send /pending to start again."))
        return
    if press.action is A.NEXT:
        await _show_next(update, context, None, fresh=False)
        return
    async with context.services.db.session() as session:
        report = await moderation.get_report(session, press.report_id)
    if report is None or report.id is None:
        log.warning(
            "moderation callback for unknown report %s from user %s",
            press.report_id,
            pseudonym(context.account.id),
        )
        await _refuse(update, context, _("That report no longer exists."))
        return
    if press.action is A.SKIP:
        await _show_next(update, context, report.id, fresh=False)
        return
    if press.action is A.CARD:
        await _show_card(update, context, report.id)
        return
    if report.version != press.version:
        await _stale(update, context, press, report)
        return
    handler = _STEPS[press.action]
    await handler(update, context, press, report)


_STEPS = {
    A.APPROVE: _approve_step,
    A.CERTAINTY: _certainty_step,
    A.APPROVE_AS: _approve,
    A.REJECT: _reject_step,
    A.REJECT_REASON: _reject_preset,
    A.REJECT_OTHER: _prompt_step,
    A.NEEDS_INFO: _prompt_step,
    A.MERGE_TYPED: _prompt_step,
    A.DUPLICATE: _duplicate_step,
    A.MERGE: _merge_button,
    A.EDIT: _edit_step,
    A.EDIT_FIELD: _edit_field_step,
    A.EDIT_CHOICE: _edit_choice,
    A.SENSITIVE: _sensitive_step,
    A.TOGGLE_SENSITIVE: _toggle_sensitive,
    A.RELEASE_LOCATION: _release_location,
    A.CATEGORY: complete.category_step,
    A.SET_CATEGORY: complete.set_category_press,
}
