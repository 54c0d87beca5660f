"""The review queue: /pending cards and their buttons, typed replies to prompts, /history, and the
repeating job that tells moderators about new reports.

Callback data is `mod:<action>:<report id>:<version>[:<arg>[:<arg>]]`, all numbers. None of it is
trusted: every press re-checks the role, looks the report up and compares the version, so a forged,
replayed or outdated button (a demoted moderator's old card, a card someone else already decided)
is refused politely and logged by id.

Typed input (a reason, a question, a reference, a new value, the reporter's answer) is asked with a
ForceReply prompt remembered in the database by its message id, so it survives restarts and a reply
always lands on the report it was asked for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import labels, moderation
from bot.context import KhabarApp, KhabarContext
from bot.forms.engine import category_label, field_title, format_answer, get_form, summary_lines
from bot.i18n import N_, _, ngettext, pgettext
from bot.localize import format_date, format_number, format_time, isolate, join_items
from bot.moderation import REJECT_REASONS, Outcome, Result
from bot.pseudonyms import pseudonym
from bot.roles import Role
from domain.vocabulary import Certainty, PromptKind, ReportStatus, UserStatus
from handlers.common import answer, edit_or_send, requires, send
from storage.models import Report, ReportEvent

log = logging.getLogger(__name__)

PROMPT_MARK = "✍️"
CARD_LIMIT = 3800  # under Telegram's 4096, leaving room for the direction marks of RTL sending
MAX_EXCHANGES = 3
EXCHANGE_CHARS = 500
# Right-to-left sending may put direction marks before the prompt mark (handlers.common.send).
BIDI_MARKS = "\u200e\u200f\u2066\u2067\u2068\u2069"
ALERT_EVERY_SECONDS = 60
# Buttons that only navigate (back to the card, skip, next); every other action is in `_STEPS`.
NAVIGATION = frozenset({"cd", "sk", "nx"})
# The certainty buttons carry an index into this order (most certain first).
CERTAINTIES = tuple(Certainty)


@dataclass(frozen=True)
class Press:
    action: str
    report_id: int
    version: int
    args: tuple[int, ...]


def parse_press(data: str) -> Press | None:
    parts = data.split(":")
    if (
        len(parts) < 4
        or len(parts) > 6
        or parts[0] != "mod"
        or (parts[1] not in _STEPS and parts[1] not in NAVIGATION)
    ):
        return None
    numbers = parts[2:]
    if not all(p.isascii() and p.isdigit() and len(p) <= 12 for p in numbers):
        return None
    values = [int(p) for p in numbers]
    return Press(parts[1], values[0], values[1], tuple(values[2:]))


def _data(action: str, report: Report, *args: int) -> str:
    return ":".join(["mod", action, str(report.id), str(report.version), *(str(a) for a in args)])


def _button(label: str, action: str, report: Report, *args: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=_data(action, report, *args))


# --- rendering ----------------------------------------------------------------------------------


def status_label(status: str) -> str:
    return labels.label(labels.MODERATOR_STATUS, status)


def card_text(context: KhabarContext, card: moderation.Card) -> str:
    report = card.report
    tz = context.services.settings.tz
    lines = [
        _("Report {ref}: {category}").format(
            ref=isolate(report.reference), category=category_label(report.category)
        ),
        _("Status: {status}. Received {date}.").format(
            status=status_label(report.status), date=format_date(report.created_at.astimezone(tz).date())
        ),
    ]
    if report.corroborations:
        lines.append(
            ngettext(
                "Corroborated by {n} other report.",
                "Corroborated by {n} other reports.",
                report.corroborations,
            ).format(n=format_number(report.corroborations))
        )
    lines.append("")
    lines += summary_lines(report.category, report.answers)
    if report.sensitive_fields:
        form = get_form(report.category)
        names = [field_title(f) for f in form.fields if f.name in report.sensitive_fields]
        lines += ["", _("Withheld from digests and exports: {fields}").format(fields=join_items(names))]
    if card.duplicates:
        refs = join_items(isolate(d.reference) for d in card.duplicates)
        lines += [
            "",
            _("Possible duplicates (same district and category within {hours} hours): {refs}").format(
                refs=refs, hours=format_number(int(moderation.DUPLICATE_WINDOW.total_seconds()) // 3600)
            ),
        ]
    # The latest exchanges, clipped: a long back-and-forth must not push the card past Telegram's limit.
    for exchange in card.exchanges[-MAX_EXCHANGES:]:
        lines += ["", _("Question to the reporter: {text}").format(text=_clip(exchange.question))]
        lines.append(
            _("Reporter's answer: {text}").format(text=_clip(exchange.answer))
            if exchange.answer is not None
            else _("No answer yet.")
        )
    text = "\n".join(lines)
    return text if len(text) <= CARD_LIMIT else text[: CARD_LIMIT - 1] + "…"


def _clip(text: str, limit: int = EXCHANGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def card_keyboard(report: Report) -> InlineKeyboardMarkup:
    rows = []
    if report.status in ReportStatus.DECIDABLE:
        rows.append([_button(_("Approve"), "ap", report), _button(_("Reject"), "rj", report)])
        second = [_button(_("Duplicate of"), "du", report)]
        if report.status == ReportStatus.PENDING:
            second.insert(0, _button(_("Ask the reporter"), "ni", report))
        rows.append(second)
    if report.status in ReportStatus.EDITABLE:
        rows.append(
            [_button(_("Edit an answer"), "ed", report), _button(_("Hide sensitive answers"), "se", report)]
        )
    rows.append([_button(pgettext("moderation", "Skip"), "sk", report)])
    return InlineKeyboardMarkup(rows)


async def _show_card(update: Update, context: KhabarContext, report_id: int, *, fresh: bool = False) -> None:
    async with context.services.db.session() as session:
        report = await moderation.get_report(session, report_id)
        if report is None:
            await edit_or_send(update, context, _("That report no longer exists."))
            return
        card = await moderation.card(session, report)
    text, markup = card_text(context, card), card_keyboard(report)
    await (send if fresh else edit_or_send)(update, context, text, markup)


def _next_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("Next report"), callback_data="mod:nx:0:0")]])


async def _show_next(update: Update, context: KhabarContext, after_id: int | None, *, fresh: bool) -> None:
    async with context.services.db.session() as session:
        report = await moderation.next_pending(session, after_id)
    if report is None or report.id is None:
        text = (
            _("No more reports are waiting for review.")
            if after_id
            else _("No reports are waiting for review.")
        )
        await (send if fresh else edit_or_send)(update, context, text)
        return
    await _show_card(update, context, report.id, fresh=fresh)


# --- commands -----------------------------------------------------------------------------------


@requires(Role.MODERATOR)
async def pending_command(update: Update, context: KhabarContext) -> None:
    await _show_next(update, context, None, fresh=True)


@requires(Role.ADMIN)
async def history_command(update: Update, context: KhabarContext) -> None:
    args = context.args or []
    if len(args) != 1:
        await send(update, context, _("Usage: /history R-2026-000123"))
        return
    async with context.services.db.session() as session:
        report, events = await moderation.history(session, args[0])
    if report is None:
        await send(
            update,
            context,
            _("No report has that reference. Type it like {example}.").format(
                example=isolate("R-2026-000123")
            ),
        )
        return
    lines = [_("History of report {ref}:").format(ref=isolate(report.reference))]
    lines += [_history_line(context, event, report) for event in events]
    # A long trail goes out in several messages, each under Telegram's limit, none of it dropped.
    chunk: list[str] = []
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > CARD_LIMIT:
            await send(update, context, "\n".join(chunk))
            chunk = []
        chunk.append(line)
    await send(update, context, "\n".join(chunk))


CHANGE_KEYS = {"status": N_("Status"), "certainty": N_("Certainty"), "urgent": N_("Urgent")}


def _change_key(key: str) -> str:
    return _(CHANGE_KEYS[key]) if key in CHANGE_KEYS else isolate(key)


def _change_value(key: str, value: object) -> str:
    """An audited value as the reader says it; codes with no label stay as stored, isolated."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "status":
        return status_label(str(value))
    if key == "certainty" and str(value) in labels.CERTAINTY:
        return _(labels.CERTAINTY[str(value)])
    return isolate(str(value))


def _is_reporter(event: ReportEvent, report: Report) -> bool:
    if event.actor_id is not None:
        return event.actor_id == report.reporter_id
    return event.actor_pseudonym is not None and event.actor_pseudonym == report.reporter_pseudonym


def _history_line(context: KhabarContext, event: ReportEvent, report: Report) -> str:
    """One audit row. The reporter is "reporter", never their Telegram id (who filed a report is
    not a reviewer's business; review finding 17)."""
    when = event.at.astimezone(context.services.settings.tz)
    label = labels.AUDIT_ACTION.get(event.action)
    changes = [
        f"{_change_key(key)}: {_change_value(key, event.before.get(key))} → {_change_value(key, value)}"
        for key, value in event.after.items()
        if key not in ("approved_at",)
    ]
    action = _(label) if label else event.action
    if _is_reporter(event, report):
        line = _("{date} {time}, reporter: {action}").format(
            date=format_date(when.date()), time=format_time(when), action=action
        )
    else:
        actor = event.actor_id if event.actor_id else event.actor_pseudonym
        line = _("{date} {time}, user {actor}: {action}").format(
            date=format_date(when.date()),
            time=format_time(when),
            actor=isolate(str(actor)) if actor else "—",
            action=action,
        )
    if changes:
        line += " (" + "; ".join(changes) + ")"
    if event.note:
        line += " — " + _clip(event.note)
    return line


# --- buttons ------------------------------------------------------------------------------------


async def _refuse(update: Update, context: KhabarContext, text: str) -> None:
    await answer(update, text, alert=True)


def _already_handled() -> str:
    return _(
        "This report was already handled by another moderator, or has changed. Here is where it stands now."
    )


async def _stale(update: Update, context: KhabarContext, press: Press, report: Report | None) -> None:
    user_id = context.account.id if context.account else None
    log.info(
        "stale moderation press %s by user %s on report %s", press.action, pseudonym(user_id), press.report_id
    )
    if report is None or report.id is None:
        await _refuse(update, context, _("That report no longer exists."))
        return
    await answer(update, _already_handled(), alert=True)
    await _show_card(update, context, report.id)


@requires(Role.MODERATOR)
async def on_button(update: Update, context: KhabarContext) -> None:
    query = update.callback_query
    assert query is not None and context.account is not None
    press = parse_press(query.data or "")
    if press is None:
        log.warning("malformed moderation callback from user %s", pseudonym(context.account.id))
        await _refuse(update, context, _("This button is no longer valid. Send /pending to start again."))
        return
    if press.action == "nx":
        await answer(update)
        await _show_next(update, context, None, fresh=False)
        return
    async with context.services.db.session() as session:
        report = await moderation.get_report(session, press.report_id)
    if report is None or report.id is None:
        log.warning(
            "moderation callback for unknown report %s from user %s", press.report_id, context.account.id
        )
        await _refuse(update, context, _("That report no longer exists."))
        return
    if press.action == "sk":
        await answer(update)
        await _show_next(update, context, report.id, fresh=False)
        return
    if press.action == "cd":
        await answer(update)
        await _show_card(update, context, report.id)
        return
    if report.version != press.version:
        await _stale(update, context, press, report)
        return
    handler = _STEPS[press.action]
    await handler(update, context, press, report)


async def _approve_step(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    if report.status not in ReportStatus.DECIDABLE:
        await _stale(update, context, press, report)
        return
    await answer(update)
    rows = [[_button(_(labels.CERTAINTY[c]), "ac", report, i)] for i, c in enumerate(CERTAINTIES)]
    rows.append([_button(_("Back"), "cd", report)])
    text = _("Approve report {ref}. How certain is it?").format(ref=isolate(report.reference))
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def _certainty_step(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    if report.status not in ReportStatus.DECIDABLE or not press.args or press.args[0] >= len(CERTAINTIES):
        await _stale(update, context, press, report)
        return
    await answer(update)
    c = press.args[0]
    rows = [
        [_button(_("Urgent: alert subscribers now"), "au", report, c, 1)],
        [_button(_("Not urgent"), "au", report, c, 0)],
        [_button(_("Back"), "ap", report)],
    ]
    text = _("Approve report {ref}. Certainty: {certainty}. Is it urgent?").format(
        ref=isolate(report.reference), certainty=_(labels.CERTAINTY[CERTAINTIES[c]])
    )
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def _approve(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    if len(press.args) != 2 or press.args[0] >= len(CERTAINTIES) or press.args[1] not in (0, 1):
        await _stale(update, context, press, report)
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
    await answer(update)
    rows = [[_button(_(label), "rr", report, i)] for i, label in enumerate(REJECT_REASONS.values())]
    rows.append([_button(_("Other reason (type it)"), "ro", report)])
    rows.append([_button(_("Back"), "cd", report)])
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


async def _prompt_step(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    """Ask for typed input with a ForceReply prompt remembered in the database."""
    kinds = {"ro": PromptKind.REJECT, "ni": PromptKind.QUESTION, "mt": PromptKind.DUPLICATE}
    kind = kinds[press.action]
    allowed = {ReportStatus.PENDING} if kind == PromptKind.QUESTION else ReportStatus.DECIDABLE
    if report.status not in allowed:
        await _stale(update, context, press, report)
        return
    await answer(update)
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


async def _send_prompt(
    update: Update,
    context: KhabarContext,
    text: str,
    kind: PromptKind,
    report: Report,
    field_name: str | None = None,
) -> None:
    assert report.id is not None
    # `send` is typed for inline keyboards; a ForceReply markup goes through it the same way.
    markup = ForceReply(selective=True)
    message = await send(update, context, f"{PROMPT_MARK} {text}", markup)  # type: ignore[arg-type]
    if message is None:
        return
    async with context.services.db.session() as session:
        await moderation.remember_prompt(
            session,
            chat_id=message.chat_id,
            message_id=message.message_id,
            kind=kind,
            report_id=report.id,
            version=report.version,
            field_name=field_name,
        )


async def _duplicate_step(update: Update, context: KhabarContext, press: Press, report: Report) -> None:
    if report.status not in ReportStatus.DECIDABLE:
        await _stale(update, context, press, report)
        return
    await answer(update)
    async with context.services.db.session() as session:
        card = await moderation.card(session, report)
    rows = [
        [_button(_("Duplicate of {ref}").format(ref=isolate(d.reference)), "mg", report, d.id or 0)]
        for d in card.duplicates
    ]
    rows.append([_button(_("Type a reference"), "mt", report)])
    rows.append([_button(_("Back"), "cd", report)])
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
    await answer(update)
    fields = get_form(report.category).fields
    editable = {f.name for f in moderation.editable_fields(report)}
    rows = [[_button(field_title(f), "ef", report, i)] for i, f in enumerate(fields) if f.name in editable]
    rows.append([_button(_("Back"), "cd", report)])
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
    await answer(update)
    current = format_answer(target, report.answers.get(target.name))
    if target.kind.moderator_buttons:
        rows = [[_button(_(c.label), "ec", report, press.args[0], i)] for i, c in enumerate(target.choices)]
        rows.append([_button(_("Back"), "ed", report)])
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
    await answer(update)
    await _show_sensitive(update, context, report)


async def _show_sensitive(update: Update, context: KhabarContext, report: Report) -> None:
    fields = get_form(report.category).fields
    answered = {f.name for f in moderation.answered_fields(report)}
    rows = [
        [_button(("🔒 " if f.name in report.sensitive_fields else "") + field_title(f), "st", report, i)]
        for i, f in enumerate(fields)
        if f.name in answered
    ]
    rows.append([_button(_("Done"), "cd", report)])
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
    await answer(update)
    await _show_sensitive(update, context, result.report)


_STEPS = {
    "ap": _approve_step,
    "ac": _certainty_step,
    "au": _approve,
    "rj": _reject_step,
    "rr": _reject_preset,
    "ro": _prompt_step,
    "ni": _prompt_step,
    "mt": _prompt_step,
    "du": _duplicate_step,
    "mg": _merge_button,
    "ed": _edit_step,
    "ef": _edit_field_step,
    "ec": _edit_choice,
    "se": _sensitive_step,
    "st": _toggle_sensitive,
}


# --- typed replies ------------------------------------------------------------------------------


class _PromptReply(filters.MessageFilter):
    """A text reply to one of this module's prompts (cheap check; the database decides the rest)."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return bool(
            replied is not None
            and replied.from_user is not None
            and replied.from_user.is_bot
            and (replied.text or "").lstrip(BIDI_MARKS).startswith(PROMPT_MARK)
        )


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
    update: Update, context: KhabarContext, press: Press | None, report: Report, result: Result, *, edit: bool
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
        await answer(update)
        await (edit_or_send if edit else send)(update, context, text, _next_keyboard())
        return
    if press is not None:
        await _stale(update, context, press, result.report)
        return
    log.info("stale typed decision on report %s", report.id)
    await send(update, context, _already_handled())


async def on_reply(update: Update, context: KhabarContext) -> None:
    message = update.message
    assert message is not None and message.reply_to_message is not None and context.account is not None
    text = message.text or ""
    async with context.services.db.session() as session:
        prompt = await moderation.take_prompt(
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
        await _answer_reply(update, context, report, text)
        return
    if not context.role.at_least(Role.MODERATOR):
        # A prompt a demoted moderator still has open: the role is checked now, not when it was asked.
        log.warning(
            "refused typed moderation input from user %s (role %s)",
            pseudonym(context.account.id),
            context.role,
        )
        await send(update, context, _("You don't have permission to do that."))
        return
    if prompt.kind == PromptKind.EDIT:
        result = await _edit(context, report, prompt.version, prompt.field or "", text)
    else:
        result = await _decide_with_text(context, prompt.kind, report, prompt.version, text)
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


# --- the reporter's answer ----------------------------------------------------------------------


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


async def _answer_reply(update: Update, context: KhabarContext, report: Report, text: str) -> None:
    assert context.account is not None and report.id is not None
    async with context.services.db.session() as session:
        result = await moderation.answer_info(
            session, report_id=report.id, reporter_id=context.account.id, answer=text, now=datetime.now(UTC)
        )
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


# --- alerts -------------------------------------------------------------------------------------


async def announce_job(context: KhabarContext) -> None:
    now = datetime.now(UTC)
    async with context.services.db.session() as session:
        queued = await moderation.announce_new_reports(session, now)
        await moderation.expire_prompts(session, now)
    if queued:
        log.info("queued %s new-report alerts for moderators", queued)


def register(app: KhabarApp) -> None:
    # The reply handler must come before the report conversation's catch-all for text.
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & _PromptReply(), on_reply))
    app.add_handler(CommandHandler("pending", pending_command))
    app.add_handler(CommandHandler("history", history_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^mod:"))
    if app.bot_data["services"].settings.background_jobs and app.job_queue is not None:
        app.job_queue.run_repeating(
            announce_job, interval=ALERT_EVERY_SECONDS, first=ALERT_EVERY_SECONDS, name="moderation-alerts"
        )
