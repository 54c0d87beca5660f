"""/history: a report's audit trail in words."""

from __future__ import annotations

import logging

from telegram import Update

from bot import labels, moderation
from bot.i18n import N_, _
from bot.localize import format_date, format_time, isolate
from bot.moderation import Report, ReportEvent
from bot.roles import Role
from bot.runtime.context import KhabarContext
from handlers.common import requires, send
from handlers.moderation.views import CARD_LIMIT, _clip, status_label

log = logging.getLogger(__name__)


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
