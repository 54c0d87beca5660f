"""The decision steps behind the card buttons: approve, reject, merge, edit an answer, mark sensitive."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import InlineKeyboardMarkup, Update

from bot import labels, moderation
from bot.forms.engine import field_title, format_answer, get_form
from bot.i18n import _
from bot.localize import isolate
from bot.moderation import REJECT_REASONS, Outcome, Report, Result, release_location
from bot.runtime.context import KhabarContext
from domain.vocabulary import Certainty, PromptKind, ReportStatus, UserStatus
from handlers.callbacks import ModerationAction as A
from handlers.callbacks import ModerationPress as Press
from handlers.common import answer, edit_or_send, send
from handlers.moderation.complete import refuse_incomplete
from handlers.moderation.views import (
    _already_handled,
    _button,
    _next_keyboard,
    _send_prompt,
    _show_card,
    _stale,
    status_label,
)

# The certainty buttons carry an index into this order (most certain first).
CERTAINTIES = tuple(Certainty)
log = logging.getLogger(__name__)


async def _approve_step(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    if report.status not in ReportStatus.DECIDABLE:
        await _stale(update, context, press, report)
        return
    if await refuse_incomplete(update, report):
        return
    rows = [[_button(_(labels.CERTAINTY[c]), A.CERTAINTY, report, i)] for i, c in enumerate(CERTAINTIES)]
    rows.append([_button(_("Back"), A.CARD, report)])
    text = _("Approve report {ref}. How certain is it?").format(ref=isolate(report.reference))
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def _certainty_step(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    if report.status not in ReportStatus.DECIDABLE or not press.args or press.args[0] >= len(CERTAINTIES):
        await _stale(update, context, press, report)
        return
    c = press.args[0]
    rows = [
        [_button(_("Urgent: alert subscribers now"), A.APPROVE_AS, report, c, 1)],
        [_button(_("Not urgent"), A.APPROVE_AS, report, c, 0)],
        [_button(_("Back"), A.APPROVE, report)],
    ]
    text = _("Approve report {ref}. Certainty: {certainty}. Is it urgent?").format(
        ref=isolate(report.reference), certainty=_(labels.CERTAINTY[CERTAINTIES[c]])
    )
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def _approve(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    if len(press.args) != 2 or press.args[0] >= len(CERTAINTIES) or press.args[1] not in (0, 1):
        await _stale(update, context, press, report)
        return
    if await refuse_incomplete(update, report):
        return
    assert context.account is not None and report.id is not None
    certainty, urgent = CERTAINTIES[press.args[0]], press.args[1] == 1
    async with context.services.db.session() as session:
        result = await moderation.approve(
            session,
            report_id=report.id,
            version=press.version,
            actor_id=context.account.id,
            certainty=certainty,
            urgent=urgent,
            now=datetime.now(UTC),
        )
    if not result.done:
        await _stale(update, context, press, result.report)
        return
    text = (
        _("Report {ref} approved as urgent. Certainty: {certainty}.")
        if urgent
        else _("Report {ref} approved. Certainty: {certainty}.")
    ).format(ref=isolate(report.reference), certainty=_(labels.CERTAINTY[certainty]))
    await answer(update, _("Approved."))
    await edit_or_send(update, context, text, _next_keyboard())


async def _reject_step(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    if report.status not in ReportStatus.DECIDABLE:
        await _stale(update, context, press, report)
        return
    rows = [
        [_button(_(label), A.REJECT_REASON, report, i)] for i, label in enumerate(REJECT_REASONS.values())
    ]
    rows.append([_button(_("Other reason (type it)"), A.REJECT_OTHER, report)])
    rows.append([_button(_("Back"), A.CARD, report)])
    text = _("Reject report {ref}. Why? The reporter will see the reason.").format(
        ref=isolate(report.reference)
    )
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def _reject_preset(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    codes = list(REJECT_REASONS)
    if not press.args or press.args[0] >= len(codes):
        await _stale(update, context, press, report)
        return
    result = await _decide_with_text(context, PromptKind.REJECT, report, press.version, codes[press.args[0]])
    await _after_decision(update, context, press, report, result, edit=True)


async def _duplicate_step(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    if report.status not in ReportStatus.DECIDABLE:
        await _stale(update, context, press, report)
        return
    async with context.services.db.session() as session:
        card = await moderation.card(session, report)
    rows = [
        [_button(_("Duplicate of {ref}").format(ref=isolate(d.reference)), A.MERGE, report, d.id or 0)]
        for d in card.duplicates
    ]
    rows.append([_button(_("Type a reference"), A.MERGE_TYPED, report)])
    rows.append([_button(_("Back"), A.CARD, report)])
    text = _("Report {ref} duplicates which report? The kept report counts it as corroboration.").format(
        ref=isolate(report.reference)
    )
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def _merge_button(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    if not press.args:
        await _stale(update, context, press, report)
        return
    assert context.account is not None and report.id is not None
    async with context.services.db.session() as session:
        result = await moderation.merge(
            session,
            report_id=report.id,
            version=press.version,
            actor_id=context.account.id,
            into=press.args[0],
            now=datetime.now(UTC),
        )
    await _after_decision(update, context, press, report, result, edit=True)


async def _edit_step(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    if report.status not in ReportStatus.EDITABLE:
        await _stale(update, context, press, report)
        return
    fields = get_form(report.category).fields
    editable = {f.name for f in moderation.editable_fields(report)}
    rows = [
        [_button(field_title(f), A.EDIT_FIELD, report, i)] for i, f in enumerate(fields) if f.name in editable
    ]
    rows.append([_button(_("Back"), A.CARD, report)])
    text = _("Which answer of report {ref} do you want to change?").format(ref=isolate(report.reference))
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def _edit_field_step(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    fields = get_form(report.category).fields
    editable = {f.name for f in moderation.editable_fields(report)}
    if report.status not in ReportStatus.EDITABLE or not press.args or press.args[0] >= len(fields):
        await _stale(update, context, press, report)
        return
    target = fields[press.args[0]]
    if target.name not in editable:
        await _stale(update, context, press, report)
        return
    current = format_answer(target, report.answers.get(target.name))
    if target.kind.moderator_buttons:
        rows = [
            [_button(_(c.label), A.EDIT_CHOICE, report, press.args[0], i)]
            for i, c in enumerate(target.choices)
        ]
        rows.append([_button(_("Back"), A.EDIT, report)])
        text = _("{field} is now: {value}. Choose the new answer.").format(
            field=field_title(target), value=current
        )
        await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))
        return
    text = _(target.kind.edit_prompt).format(field=field_title(target), value=current)
    await _send_prompt(update, context, text, PromptKind.EDIT, report, target.name)


async def _edit_choice(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    fields = get_form(report.category).fields
    if len(press.args) != 2 or press.args[0] >= len(fields):
        await _stale(update, context, press, report)
        return
    target = fields[press.args[0]]
    if not target.kind.moderator_buttons or press.args[1] >= len(target.choices):
        await _stale(update, context, press, report)
        return
    result = await _edit(context, report, press.version, target.name, target.choices[press.args[1]].code)
    if result.outcome is Outcome.INVALID:
        await answer(update, result.error, alert=True)
        return
    if not result.done:
        await _stale(update, context, press, result.report)
        return
    await answer(update, _("Answer changed."))
    await _show_card(update, context, report.id or 0)


async def _edit(context: KhabarContext, report: Report, version: int, field_name: str, value: str) -> Result:
    assert context.account is not None and report.id is not None
    now = datetime.now(UTC)
    async with context.services.db.session() as session:
        return await moderation.edit_answer(
            session,
            report_id=report.id,
            version=version,
            actor_id=context.account.id,
            field_name=field_name,
            value=value,
            today=now.astimezone(context.services.settings.tz).date(),
            now=now,
        )


async def _sensitive_step(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    if report.status not in ReportStatus.EDITABLE:
        await _stale(update, context, press, report)
        return
    await _show_sensitive(update, context, report)


async def _show_sensitive(update: Update, context: KhabarContext, report: Report) -> None:
    fields = get_form(report.category).fields
    answered = {f.name for f in moderation.answered_fields(report)}
    rows = [
        [
            _button(
                ("🔒 " if f.name in report.sensitive_fields else "") + field_title(f),
                A.TOGGLE_SENSITIVE,
                report,
                i,
            )
        ]
        for i, f in enumerate(fields)
        if f.name in answered
    ]
    rows.append([_button(_("Done"), A.CARD, report)])
    text = _(
        "Report {ref}: press an answer to hide it from digests and exports (🔒); press it again to show it."
    ).format(ref=isolate(report.reference))
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def _toggle_sensitive(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    fields = get_form(report.category).fields
    if not press.args or press.args[0] >= len(fields):
        await _stale(update, context, press, report)
        return
    assert context.account is not None and report.id is not None
    async with context.services.db.session() as session:
        result = await moderation.toggle_sensitive(
            session,
            report_id=report.id,
            version=press.version,
            actor_id=context.account.id,
            field_name=fields[press.args[0]].name,
            now=datetime.now(UTC),
        )
    if not result.done or result.report is None:
        await _stale(update, context, press, result.report or report)
        return
    await _show_sensitive(update, context, result.report)


async def _release_location(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    """Exports carry the exact point from now on (finding 6); audited as its own report event."""
    assert context.account is not None and report.id is not None
    async with context.services.db.session() as session:
        result = await release_location(
            session,
            report_id=report.id,
            version=press.version,
            actor_id=context.account.id,
            now=datetime.now(UTC),
        )
    if not result.done or result.report is None:
        await _stale(update, context, press, result.report or report)
        return
    await answer(update, _("The exact location is released to exports."))
    await _show_card(update, context, report.id)


async def _decide_with_text(
    context: KhabarContext, kind: PromptKind, report: Report, version: int, text: str
) -> Result:
    assert context.account is not None and report.id is not None
    now = datetime.now(UTC)
    actor = context.account.id
    async with context.services.db.session() as session:
        if kind == PromptKind.REJECT:
            return await moderation.reject(
                session,
                report_id=report.id,
                version=version,
                actor_id=actor,
                reason=text,
                now=now,
                bot_username=context.bot.username,
            )
        if kind == PromptKind.QUESTION:
            return await moderation.ask_info(
                session,
                report_id=report.id,
                version=version,
                actor_id=actor,
                question=text,
                bot_username=context.bot.username,
                now=now,
            )
        return await moderation.merge(
            session, report_id=report.id, version=version, actor_id=actor, into=text, now=now
        )


async def _after_decision(
    update: Update,
    context: KhabarContext,
    press: Press | None,
    report: Report,
    result: Result,
    *,
    edit: bool,
) -> None:
    ref = isolate(report.reference)
    if result.done and result.report is not None:
        done = labels.DECISION_DONE.get(result.report.status, labels.DECISION_DONE_OTHER)
        text = _(done).format(ref=ref)
        if result.unreachable is not None:
            text = _("Report {ref} is {status}, but the reporter was not told: {why}").format(
                ref=ref,
                status=status_label(result.report.status),
                why=_("their access is suspended.")
                if result.unreachable == UserStatus.BLOCKED
                else _("they no longer have access."),
            )
        await (edit_or_send if edit else send)(update, context, text, _next_keyboard())
        return
    if press is not None:
        await _stale(update, context, press, result.report)
        return
    log.info("stale typed decision on report %s", report.id)
    await send(update, context, _already_handled())
