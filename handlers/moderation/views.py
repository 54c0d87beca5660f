"""How the review queue looks: cards, their buttons, the next-card prompt, stale-press replies."""

from __future__ import annotations

import logging

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import labels, moderation
from bot.card_notes import CardNotes
from bot.forms.engine import all_forms, category_label, field_title, get_form, summary_lines
from bot.forms.types.media import files_of
from bot.i18n import _, ngettext, pgettext
from bot.incidents import possible_facets
from bot.localize import format_date, format_number, isolate, join_items
from bot.moderation import Report
from bot.pseudonyms import pseudonym
from bot.quick import QUICK, incomplete
from bot.runtime.context import KhabarContext
from domain.vocabulary import PromptKind, ReportStatus, UserStatus
from handlers.callbacks import ModerationAction as A
from handlers.callbacks import ModerationPress as Press
from handlers.common import answer, edit_or_send, send
from handlers.moderation.media import send_media

log = logging.getLogger(__name__)


PROMPT_MARK = "✍️"


CARD_LIMIT = 3800  # under Telegram's 4096, leaving room for the direction marks of RTL sending


MAX_EXCHANGES = 3


EXCHANGE_CHARS = 500
# Right-to-left sending may put direction marks before the prompt mark (handlers.common.send).


BIDI_MARKS = "\u200e\u200f\u2066\u2067\u2068\u2069"


def _button(label: str, action: A, report: Report, *args: int) -> InlineKeyboardButton:
    data = Press(action, report.id or 0, report.version, args).pack()
    return InlineKeyboardButton(label, callback_data=data)


def status_label(status: str) -> str:
    return labels.label(labels.MODERATOR_STATUS, status)


def card_text(context: KhabarContext, card: moderation.Card, facets: list[Report] | None = None) -> str:
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
    if report.incident_id:
        lines.append(_("Part of incident {id}.").format(id=isolate(report.incident_id)))
    missing = incomplete(report)
    if missing is not None and report.status in ReportStatus.DECIDABLE:
        lines.append("⚠️ " + missing)
    if report.corroborations:
        lines.append(
            ngettext(
                "Corroborated by {n} other report.",
                "Corroborated by {n} other reports.",
                report.corroborations,
            ).format(n=format_number(report.corroborations))
        )
    if card.notes.unreachable is not None:
        lines.append(reporter_unreachable_text(card.notes.unreachable))
    if card.notes.location == "released":
        lines.append(_("The exact location is released to exports."))
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
    if facets:
        refs = join_items(f"{isolate(r.reference)} ({category_label(r.category)})" for r in facets)
        lines += [
            "",
            _("Possibly other aspects of the same incident (same district and day): {refs}").format(
                refs=refs
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


def reporter_unreachable_text(why: str) -> str:
    """The card's line when the reporter can no longer be told anything (finding 5)."""
    if why == UserStatus.BLOCKED:
        return _("The reporter is blocked: they will not be told of questions or decisions.")
    return _("The reporter no longer has access: they will not be told of questions or decisions.")


def _clip(text: str, limit: int = EXCHANGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def card_keyboard(report: Report, notes: CardNotes | None = None) -> InlineKeyboardMarkup:
    rows = []
    if report.status in ReportStatus.DECIDABLE:
        rows.append([_button(_("Approve"), A.APPROVE, report), _button(_("Reject"), A.REJECT, report)])
        second = [_button(_("Duplicate of"), A.DUPLICATE, report)]
        if report.status == ReportStatus.PENDING:
            second.insert(0, _button(_("Ask the reporter"), A.NEEDS_INFO, report))
        rows.append(second)
    if report.category == QUICK and report.status in ReportStatus.EDITABLE:
        rows.insert(0, [_button(_("Set the category"), A.CATEGORY, report)])
    if report.status in ReportStatus.EDITABLE:
        rows.append(
            [
                _button(_("Edit an answer"), A.EDIT, report),
                _button(_("Hide sensitive answers"), A.SENSITIVE, report),
            ]
        )
        if notes is not None and notes.location == "releasable":
            rows.append([_button(_("Release the exact location to exports"), A.RELEASE_LOCATION, report)])
    rows.append([_button(pgettext("moderation", "Skip"), A.SKIP, report)])
    return InlineKeyboardMarkup(rows)


async def _show_card(
    update: Update, context: KhabarContext, report_id: int, *, fresh: bool = False, media: bool = False
) -> None:
    """The report's card; `media`: a report newly shown, with its photos and voice notes above."""
    async with context.services.db.session() as session:
        report = await moderation.get_report(session, report_id)
        if report is None:
            await edit_or_send(update, context, _("That report no longer exists."))
            return
        card = await moderation.card(session, report)
        facets = await possible_facets(session, report)
    text, markup = card_text(context, card, facets), card_keyboard(report, card.notes)
    form = all_forms().get(report.category)
    # The photos and voice notes come first, the card under them (so a new message, not an edit).
    if media and form is not None and await send_media(update, context, files_of(form, report.answers)):
        fresh = True
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
    await _show_card(update, context, report.id, fresh=fresh, media=True)


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
