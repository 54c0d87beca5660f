"""Typed input: ForceReply prompts remembered in the database by message id (a reason, a question, a
reference, a new value), the replies to them, and the reporter's answer opened by its /start link."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import Message, Update
from telegram.ext import filters

from bot import moderation
from bot.i18n import _
from bot.localize import isolate
from bot.moderation import Outcome, PendingInput, Report
from bot.pseudonyms import pseudonym
from bot.roles import Role
from bot.runtime.context import KhabarContext
from domain.vocabulary import PromptKind, ReportStatus
from handlers.callbacks import ModerationAction as A
from handlers.callbacks import ModerationPress as Press
from handlers.common import send
from handlers.moderation.decisions import _after_decision, _decide_with_text, _edit
from handlers.moderation.views import (
    BIDI_MARKS,
    PROMPT_MARK,
    _already_handled,
    _send_prompt,
    _show_card,
    _stale,
)

log = logging.getLogger(__name__)


async def _prompt_step(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    """Ask for typed input with a ForceReply prompt remembered in the database."""
    kinds = {
        A.REJECT_OTHER: PromptKind.REJECT,
        A.NEEDS_INFO: PromptKind.QUESTION,
        A.MERGE_TYPED: PromptKind.DUPLICATE,
    }
    kind = kinds[press.action]
    allowed = {ReportStatus.PENDING} if kind == PromptKind.QUESTION else ReportStatus.DECIDABLE
    if report.status not in allowed:
        await _stale(update, context, press, report)
        return
    ref = isolate(report.reference)
    texts = {
        PromptKind.REJECT: _("Type the reason for rejecting report {ref}. The reporter will see it."),
        PromptKind.QUESTION: _(
            "Type your question for the reporter of {ref}. They will not see who asked; "
            "their answer puts the report back in the queue."
        ),
        PromptKind.DUPLICATE: _("Type the reference of the report that {ref} duplicates, like {example}."),
    }
    text = texts[kind].format(ref=ref, example=isolate("R-2026-000123"))
    await _send_prompt(update, context, text, kind, report)


class PromptReply(filters.MessageFilter):
    """A text reply to one of this module's prompts (cheap check; the database decides the rest)."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return bool(
            replied is not None
            and replied.from_user is not None
            and replied.from_user.is_bot
            and (replied.text or "").lstrip(BIDI_MARKS).startswith(PROMPT_MARK)
        )


async def on_reply(update: Update, context: KhabarContext) -> None:
    message = update.message
    assert message is not None and message.reply_to_message is not None and context.account is not None
    text = message.text or ""
    async with context.services.db.session() as session:
        prompt = await moderation.find_prompt(
            session, chat_id=message.chat_id, message_id=message.reply_to_message.message_id
        )
        report = await moderation.get_report(session, prompt.report_id) if prompt else None
    if prompt is None or report is None:
        await send(
            update,
            context,
            _("That question was already answered or has closed. Send /help to see what you can do."),
        )
        return
    if prompt.kind == PromptKind.ANSWER:
        await _answer_reply(update, context, prompt, report, text)
        return
    if not context.role.at_least(Role.MODERATOR):
        # A prompt a demoted moderator still has open: the role is checked now, not when it was asked.
        log.warning(
            "refused typed moderation input from user %s (role %s)",
            pseudonym(context.account.id),
            context.role,
        )
        await _answered(context, prompt)
        await send(update, context, _("You don't have permission to do that."))
        return
    if prompt.kind == PromptKind.EDIT:
        result = await _edit(context, report, prompt.version, prompt.field or "", text)
    else:
        result = await _decide_with_text(context, prompt.kind, report, prompt.version, text)
    await _answered(context, prompt)
    if result.outcome is Outcome.INVALID:
        await send(update, context, result.error or "")
        await _send_prompt(update, context, _("Please try again."), prompt.kind, report, prompt.field)
        return
    if prompt.kind == PromptKind.EDIT:
        if result.done:
            await send(update, context, _("Answer changed."))
            await _show_card(update, context, report.id or 0, fresh=True)
        else:
            await send(update, context, _already_handled())
        return
    await _after_decision(update, context, None, report, result, edit=False)


async def _answered(context: KhabarContext, prompt: PendingInput) -> None:
    """Forget the prompt once its reply is applied (or refused), and only then: see `find_prompt`."""
    async with context.services.db.session() as session:
        await moderation.drop_prompt(session, prompt)


async def start_answer(update: Update, context: KhabarContext, argument: str) -> bool:
    """/start answer-R-…: the reporter opens the question on their report and gets a reply prompt."""
    assert context.account is not None
    reference = argument.removeprefix(moderation.ANSWER_PREFIX)
    async with context.services.db.session() as session:
        result, question = await moderation.open_question(
            session, reporter_id=context.account.id, reference=reference
        )
    if result.outcome is Outcome.NOT_FOUND or result.report is None:
        log.info(
            "answer link for an unknown or foreign report opened by user %s", pseudonym(context.account.id)
        )
        await send(update, context, _("This link is not valid for you. Send /myreports to see your reports."))
        return True
    if not result.done:
        await send(
            update,
            context,
            _("Report {ref} no longer needs an answer. Thank you.").format(
                ref=isolate(result.report.reference)
            ),
        )
        return True
    text = _(
        "Question about your report {ref}:\n\n{question}\n\nReply to this message with your answer."
    ).format(ref=isolate(result.report.reference), question=question)
    await _send_prompt(update, context, text, PromptKind.ANSWER, result.report)
    return True


async def _answer_reply(
    update: Update, context: KhabarContext, prompt: PendingInput, report: Report, text: str
) -> None:
    assert context.account is not None and report.id is not None
    async with context.services.db.session() as session:
        result = await moderation.answer_info(
            session, report_id=report.id, reporter_id=context.account.id, answer=text, now=datetime.now(UTC)
        )
    await _answered(context, prompt)
    if result.outcome is Outcome.INVALID:
        await send(update, context, result.error or "")
        await _send_prompt(
            update, context, _("Please reply to this message with your answer."), PromptKind.ANSWER, report
        )
        return
    if not result.done:
        await send(
            update,
            context,
            _("Report {ref} no longer needs an answer. Thank you.").format(ref=isolate(report.reference)),
        )
        return
    await send(
        update,
        context,
        _("Thank you. Your answer was added to report {ref} and it is back with the reviewers.").format(
            ref=isolate(report.reference)
        ),
    )


async def answer_link(update: Update, context: KhabarContext) -> None:
    """/start answer-R-…, the link in a moderator's question."""
    assert context.args
    await start_answer(update, context, context.args[0])
